"""Reading requests: JSON bodies, query strings, path ids and multipart uploads, each through a schema.

Only the classes of api/errors.py are raised here; api/errors.py picks their statuses.
"""
from __future__ import annotations

import functools
import json
import math
import uuid

from flask import request
from marshmallow import Schema, ValidationError

from engine.errors import CaseNotFoundError, ProcessNotFoundError, TaskNotFoundError

from .errors import (BodyInvalidError, BodyNotObjectError, MalformedJSONError, QueryInvalidError,
                     UnsupportedMediaTypeError, validation_details)
from .schemas import UNKNOWN

MAX_JSON_DEPTH = 64
UPLOAD_SUFFIXES = (".bpmn", ".dmn", ".json")


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _check_content(value) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and NUL characters (no database stores them)."""
    stack = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BodyInvalidError(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层",
                                   [{"field": path or None, "message": f"nested deeper than {MAX_JSON_DEPTH}"}])
        if isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, depth, path))
                stack.append((child, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, f"{path}.{i}") for i, child in enumerate(item))
        elif isinstance(item, str) and "\x00" in item:
            raise BodyInvalidError("JSON 字符串不能包含 NUL 字符",
                                   [{"field": path or None, "message": "不能包含 NUL 字符 (NUL character)"}])


def json_body() -> dict:
    """The request's JSON object; an empty body is an empty object."""
    raw = request.get_data(cache=True)        # over max_request_bytes: werkzeug raises 413 here
    if not raw.strip():
        return {}
    if not _is_json(request.mimetype):
        raise UnsupportedMediaTypeError(f"请求体须为 application/json（收到 {request.mimetype or '无 Content-Type'}）",
                                        {"content_type": request.mimetype or None})
    try:
        payload = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJSONError("请求体不是有效的 JSON (malformed JSON)", {"reason": str(exc)[:200]}) from None
    if not isinstance(payload, dict):
        raise BodyNotObjectError("请求体必须是 JSON 对象 (a JSON object is required)",
                                 {"received": type(payload).__name__})
    _check_content(payload)
    return payload


@functools.cache
def instance(schema: type[Schema]) -> Schema:
    """One instance per schema class, reused by every request: building a schema (and its nested ones)
    costs more than loading a body with it. Our schemas keep no per-call state (no `context`)."""
    return schema()


def load_body(schema: type[Schema]) -> dict:
    try:
        return instance(schema).load(json_body())
    except ValidationError as exc:
        raise BodyInvalidError("请求内容校验失败", validation_details(exc.messages)) from None


def load_query(schema: type[Schema] | None) -> dict:
    given = request.args.to_dict(flat=False)
    if schema is None:
        if given:
            raise QueryInvalidError(f"未知的查询参数: {', '.join(sorted(given))}",
                                    [{"field": k, "message": "未知的查询参数 (unknown query parameter)"}
                                     for k in sorted(given)])
        return {}
    repeated = sorted(k for k, values in given.items() if len(values) > 1)
    if repeated:
        raise QueryInvalidError(f"查询参数只能出现一次: {', '.join(repeated)}",
                                [{"field": k, "message": "只能出现一次 (given more than once)"} for k in repeated])
    try:
        return instance(schema).load({k: v[0] for k, v in given.items()})
    except ValidationError as exc:
        details = validation_details(exc.messages)
        unknown = [d["field"] for d in details if d["message"] == UNKNOWN]
        message = f"未知的查询参数: {', '.join(unknown)}" if unknown else "查询参数不正确"
        for d in details:
            if d["message"] == UNKNOWN:
                d["message"] = "未知的查询参数 (unknown query parameter)"
        raise QueryInvalidError(message, details) from None


def _uuid(value: str, error: type, label: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise error(f"{label} {value[:80]} 不存在") from None


def case_id(value: str) -> str:
    return _uuid(value, CaseNotFoundError, "案件")


def task_id(value: str) -> str:
    return _uuid(value, TaskNotFoundError, "任务")


def process_id(value: str) -> str:
    if "\x00" in value or len(value) > 200:
        raise ProcessNotFoundError("流程不存在")
    return value


PATH_PARAMETERS = {"case_id": case_id, "task_id": task_id, "process_id": process_id}


def load_upload(field: str = "files") -> dict[str, bytes]:
    """A multipart upload: field `files` repeated; every problem is reported at once (422)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaTypeError("上传须为 multipart/form-data，文件字段名为 files",
                                        {"content_type": request.mimetype or None})
    problems = [{"field": k, "message": UNKNOWN} for k in sorted(set(request.form) | set(request.files)) if k != field]
    files: dict[str, bytes] = {}
    for storage in request.files.getlist(field):
        name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name or "\x00" in name or len(name) > 200:
            problems.append({"field": field, "message": "文件名为空或不正确"})
        elif not name.lower().endswith(UPLOAD_SUFFIXES):
            problems.append({"field": field, "message": f"{name}: 只能上传 .bpmn、.dmn 和 .json 文件"})
        elif name in files:
            problems.append({"field": field, "message": f"{name}: 文件名重复"})
        else:
            files[name] = storage.read()
        storage.close()
    if not request.files.getlist(field):
        problems.append({"field": field, "message": "至少需要一个文件 (field `files`, repeated)"})
    if problems:
        raise BodyInvalidError("上传内容校验失败", problems)
    return files
