"""Cases: start, list (visibility applies), detail, events, cancel, retry."""
from __future__ import annotations

from flask import Blueprint

from .case_schemas import (CancelRequestSchema, CaseListSchema, CaseQuerySchema, CaseSchema, EventListSchema,
                           RetryRequestSchema, StartCaseRequestSchema)
from .operations import engine, operation, username

bp = Blueprint("cases", __name__)
TAGS = ["cases"]


@bp.post("/api/v1/cases")
@operation("发起案件（需持有开始事件所在泳道的角色）", tags=TAGS, body=StartCaseRequestSchema, response=CaseSchema,
           status=201, errors=(400, 403, 404, 413, 415, 422))
def start(body):
    return engine().start_case(body["process_model"], body["data"], username(), body["business_key"])


@bp.get("/api/v1/cases")
@operation("案件列表（MANAGER 看全部或其范围；其他人看自己发起或经办的）", tags=TAGS, query=CaseQuerySchema,
           response=CaseListSchema, errors=(400,),
           description="最新的在前。过滤：process_model、status、business_key、started_by、overdue=true、"
                       "created_from/created_to（ISO 日期或时间）；分页 limit (1..200)、offset。")
def list_cases(query):
    filters = dict(query)
    filters["process_id"] = filters.pop("process_model", None)
    items, total = engine().list_cases(user=username(), **filters)
    return {"items": items, "total": total}


@bp.get("/api/v1/cases/<case_id>")
@operation("案件详情（含待办任务、事故与运行版本）", tags=TAGS, response=CaseSchema, errors=(404,))
def get_case(case_id):
    return engine().get_case(case_id, username())


@bp.get("/api/v1/cases/<case_id>/events")
@operation("案件历史（最早的在前）", tags=TAGS, response=EventListSchema, errors=(404,))
def events(case_id):
    return {"items": engine().case_events(case_id, username())}


@bp.post("/api/v1/cases/<case_id>/cancel")
@operation("取消案件（MANAGER，或尚无任务完成时的发起人）", tags=TAGS, body=CancelRequestSchema,
           response=CaseSchema, errors=(403, 404, 409, 415, 422))
def cancel(case_id, body):
    return engine().cancel_case(case_id, username(), body["reason"])


@bp.post("/api/v1/cases/<case_id>/retry")
@operation("重试出错的案件（MANAGER；可先合并修正数据）", tags=TAGS, body=RetryRequestSchema, response=CaseSchema,
           errors=(403, 404, 409, 415, 422))
def retry(case_id, body):
    return engine().retry_case(case_id, username(), body["data"])
