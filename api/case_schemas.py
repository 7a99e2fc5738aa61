"""Schemas of cases: start/cancel/retry bodies, the list query, case details and events."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import DayOrMoment, PagingQuerySchema, StrictSchema, Timestamp, json_object, text
from .task_schemas import TaskSchema

STATUSES = ("running", "waiting", "completed", "cancelled", "error")


class IncidentSchema(StrictSchema):
    id = fields.Integer()
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    message = fields.String()
    line = fields.Integer(allow_none=True)
    created_at = Timestamp()
    resolved_at = Timestamp(allow_none=True)


class CaseSummarySchema(StrictSchema):
    id = fields.String(metadata={"format": "uuid"})
    process_model = fields.String()
    version = fields.Integer(metadata={"description": "案件运行的流程版本"})
    status = fields.String(metadata={"enum": list(STATUSES)})
    business_key = fields.String(allow_none=True)
    data = fields.Dict()
    started_by = fields.String()
    created_at = Timestamp()
    updated_at = Timestamp()
    completed_at = Timestamp(allow_none=True)


class CaseSchema(CaseSummarySchema):
    open_tasks = fields.List(fields.Nested(TaskSchema))
    incidents = fields.List(fields.Nested(IncidentSchema), metadata={"description": "未解决的事故（脚本或服务出错）"})


class CaseListSchema(StrictSchema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer(metadata={"description": "调用者可见且符合条件的总数"})


class EventSchema(StrictSchema):
    at = Timestamp()
    type = fields.String(metadata={"description": "started、task_created、task_claimed、task_completed、..."})
    actor = fields.String(allow_none=True)
    task = fields.String(allow_none=True, metadata={"description": "BPMN 元素 id"})
    detail = fields.Raw(allow_none=True)


class EventListSchema(StrictSchema):
    items = fields.List(fields.Nested(EventSchema))


class StartCaseRequestSchema(StrictSchema):
    process_model = text(min_length=1, required=True, metadata={"description": "流程 id，例如 asset_request"})
    data = json_object(load_default=dict, metadata={"description": "案件初始数据"})
    business_key = text(allow_none=True, load_default=None, metadata={"description": "业务编号，例如 JY-2026-0001"})


class CancelRequestSchema(StrictSchema):
    reason = text(max_length=2000, allow_none=True, load_default=None)


class RetryRequestSchema(StrictSchema):
    data = json_object(allow_none=True, load_default=None, metadata={"description": "重试前合并进出错任务的修正数据"})


class CaseQuerySchema(PagingQuerySchema):
    process_model = text(metadata={"description": "流程 id"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    business_key = text()
    started_by = text(max_length=80)
    overdue = fields.Boolean(load_default=False, metadata={"description": "true：只看有逾期待办任务的案件"})
    created_from = DayOrMoment(metadata={"description": "创建时间下限（含）：ISO 日期或时间"})
    created_to = DayOrMoment(end=True, metadata={"description": "创建时间上限：日期含当天；时间不含"})
