"""The OpenAPI 3 document, generated with apispec from the `operation` declarations and their schemas,
at GET /api/v1/openapi.json; and GET /api/v1/docs, a self-contained page that renders it."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app

from .docs_page import DOCS_HTML
from .errors import HTTP_CODES
from .operations import Operation, operation
from .schemas import ErrorSchema, FieldProblemSchema, ModelProblemSchema

bp = Blueprint("openapi", __name__)

DESCRIPTION = """公物仓 (public property warehouse) BPM platform: approvers' inboxes, designers' process models,
managers' case tracking.

* Authentication: `POST /api/v1/auth/token`, then `Authorization: Bearer TOKEN` on every endpoint except
  `/healthz`, `/api/v1/openapi.json` and `/api/v1/docs`. A missing, invalid or expired token, or a user
  deactivated since, answers 401 with `WWW-Authenticate: Bearer`.
* Every answer other than 2xx has the body `{"error": CODE, "message": TEXT, "details": ANY}`.
* 400: unreadable request: malformed JSON, a body that is not a JSON object, bad or unknown query
  parameters (details list them), invalid input refused by the engine.
* 422: a readable JSON body whose content is wrong: unknown fields, missing fields, wrong types
  (details `[{"field", "message"}]`), data breaking a task's form (same shape), an invalid model
  (details `[{"file", "line", "element_id", "message"}]`), a failing script.
* 404: anything the caller may not see, including malformed case and task ids (they are UUIDs);
  403 only where the caller sees the resource but may not act on it.
* 409: the resource's state does not allow it (already completed, claimed by someone else, not active);
  413: body larger than the configured limit; 415: a body that is not `application/json` (uploads:
  `multipart/form-data`); 429: too many failed logins (`Retry-After` gives the seconds to wait);
  503: the database is down (health check, `details` holds the probe results); on any other route, the
  database could not be reached or had no connection free: retry after `Retry-After` seconds.
* Lists answer `{"items", "total"}` with paging `limit` (1..200, default 50) and `offset` (≥ 0).
* Times are ISO 8601 with offset (UTC). Query dates accept `2026-01-05` (a whole day, UTC) or a
  date-time (naive means UTC).
"""

TAGS = [("auth", "登录与令牌"), ("health", "健康检查"), ("process-models", "流程模型（设计人员）"),
        ("cases", "案件（发起、跟踪、取消、重试）"), ("tasks", "待办任务（审批人）"), ("messages", "消息"),
        ("docs", "文档")]

ERROR_TEXT = {**{code: text for code, (_, text) in HTTP_CODES.items()},
              400: "请求格式不正确：JSON 无效、不是对象或查询参数错误", 422: "内容校验失败（details 列出每个问题）"}


VARIABLE = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


def _path(rule: str) -> str:
    return VARIABLE.sub(r"{\2}", rule)


def _parameter(converter: str | None, name: str) -> dict:
    schema = {"type": "integer"} if converter == "int" else {"type": "string"}
    if name in ("case_id", "task_id"):
        schema["format"] = "uuid"
    return {"in": "path", "name": name, "required": True, "schema": schema}


def _responses(op: Operation) -> dict:
    if op.response is not None:
        content = {op.produces: {"schema": op.response}}
    else:
        content = {op.produces: {"schema": {"type": "object" if op.produces.endswith("json") else "string"}}}
    out = {str(op.status): {"description": "成功", "content": content}}
    for code, text in op.also.items():
        out[str(code)] = {"description": text, "content": content}
    codes = set(op.errors) | ({401} if not op.public else set())
    for code in sorted(codes):
        out[str(code)] = {"description": ERROR_TEXT.get(code, "错误"),
                          "content": {"application/json": {"schema": "Error"}}}
    return out


def _operation(op: Operation, rule, endpoint: str) -> dict:
    doc = {"summary": op.summary, "tags": list(op.tags), "operationId": endpoint,
           "parameters": [_parameter(c or None, n) for c, n in VARIABLE.findall(rule.rule)],
           "responses": _responses(op)}
    if op.description:
        doc["description"] = op.description
    if op.query is not None:
        doc["parameters"].append({"in": "query", "schema": op.query})
    if op.body is not None:
        doc["requestBody"] = {"required": False, "content": {"application/json": {"schema": op.body}}}
    if op.multipart is not None:
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.multipart}}}
    if op.public:
        doc["security"] = []
    return doc


def build_document(app: Flask) -> dict:
    spec = APISpec(title="公物仓 BPM API", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION}, security=[{"bearerAuth": []}],
                   servers=[{"url": "/"}])
    for name, text in TAGS:
        spec.tag({"name": name, "description": text})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("FieldProblem", schema=FieldProblemSchema)
    spec.components.schema("ModelProblem", schema=ModelProblemSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        op = getattr(app.view_functions.get(rule.endpoint), "operation", None)
        if op is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(op, rule, rule.endpoint)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
@operation("本 API 的 OpenAPI 3 文档", tags=["docs"], public=True)
def document():
    cached = current_app.extensions.get("gwc_openapi")
    if cached is None:
        cached = current_app.extensions["gwc_openapi"] = build_document(current_app)
    return current_app.json.response(cached)


@bp.get("/api/v1/docs")
@operation("API 文档页面 (HTML)", tags=["docs"], public=True, produces="text/html")
def docs():
    return Response(DOCS_HTML, mimetype="text/html", headers={
        "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"})
