"""Shared marshmallow pieces: strict base schema, field helpers, error, auth, message and health schemas.

Every request schema raises on unknown fields (marshmallow's RAISE) and reports every bad field at once.
The same classes generate the OpenAPI document (api/openapi.py).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate


UNKNOWN = "未知字段 (unknown field)"


class StrictSchema(Schema):
    error_messages = {"unknown": UNKNOWN}

    class Meta:
        unknown = RAISE


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("不能包含 NUL 字符 (NUL characters are not allowed)")


def text(max_length: int = 200, min_length: int = 0, **kwargs) -> fields.String:
    """A string field that refuses NUL characters and over-long values (the database would)."""
    length = validate.Length(min=min_length or None, max=max_length)
    return fields.String(validate=[length, _no_nul], **kwargs)


def json_object(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), **kwargs)


class Timestamp(fields.DateTime):
    """Dumps datetimes and the engine's ISO strings alike (the engine's views already hold strings)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.isoformat() if isinstance(value, datetime) else str(value)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayOrMoment(fields.DateTime):
    """Query bound: an ISO date (a whole day, UTC) or an ISO date-time (naive means UTC).

    As a lower bound a date means its midnight; as an upper bound (end=True) the midnight after it, so
    created_to=2026-01-05 includes all of 5 January. Date-times are used as given (upper bound exclusive).
    """

    def __init__(self, end: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("需要 ISO 日期或时间，例如 2026-01-05 或 2026-01-05T08:00:00+08:00")
        raw = value.strip()
        try:
            if _DATE.fullmatch(raw):
                day = datetime.combine(date.fromisoformat(raw), time(), timezone.utc)
                return day + timedelta(days=1) if self.end else day
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError("不是有效的 ISO 日期或时间 (e.g. 2026-01-05 or 2026-01-05T08:00:00+08:00)") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class PagingQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                           metadata={"description": "每页条数 1..200 (default 50)"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={"description": "跳过条数"})


class ErrorSchema(StrictSchema):
    error = fields.String(required=True, metadata={"description": "机器可读的错误码，例如 task_claimed"})
    message = fields.String(required=True, metadata={"description": "给人看的说明"})
    details = fields.Raw(required=True, allow_none=True,
                         metadata={"description": "附加信息：字段错误列表、模型问题列表等，或 null"})


class FieldProblemSchema(StrictSchema):
    field = fields.String(allow_none=True)
    message = fields.String()


class ModelProblemSchema(StrictSchema):
    file = fields.String()
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    message = fields.String()
    severity = fields.String(metadata={"enum": ["error", "warning"],
                                       "description": "error 阻止部署；warning 只提醒，从不阻止部署"})
    element_name = fields.String(allow_none=True, metadata={"description": "元素的名称（name），没有时为 null"})


class TokenRequestSchema(StrictSchema):
    username = text(max_length=200, min_length=1, required=True)
    password = text(max_length=1024, min_length=1, required=True, load_only=True)


class TokenSchema(StrictSchema):
    access_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "有效秒数"})


class MessageRequestSchema(StrictSchema):
    name = text(max_length=200, min_length=1, required=True, metadata={"description": "BPMN 消息名称"})
    correlation = json_object(load_default=dict,
                              metadata={"description": "关联值，例如 {\"order_id\": \"PO-2\"}"})
    data = json_object(load_default=dict, metadata={"description": "消息内容"})


class MessageResultSchema(StrictSchema):
    case_id = fields.String()


class HealthSchema(StrictSchema):
    status = fields.String(metadata={"description": "ok，或 degraded（消息代理不可达）"})
    database = fields.String(metadata={"description": "ok 或 down"})
    broker = fields.String(metadata={"description": "embedded（进程内后台执行）、ok、down 或 unknown"})
