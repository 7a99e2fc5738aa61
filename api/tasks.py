"""Human tasks: the caller's inbox, task detail with its form, claim, unclaim, complete, assign (ADMIN)."""
from __future__ import annotations

from flask import Blueprint
from marshmallow import fields

from .case_schemas import CaseSchema
from .operations import engine, operation, username
from .schemas import StrictSchema
from .task_schemas import (AssignRequestSchema, CompleteRequestSchema, InboxQuerySchema, TaskDetailSchema,
                           TaskListSchema, TaskSchema)

bp = Blueprint("tasks", __name__)
TAGS = ["tasks"]


class EmptyRequestSchema(StrictSchema):
    """No fields: an empty body or {}."""


class CompleteResultSchema(StrictSchema):
    task = fields.Nested(TaskSchema)
    case = fields.Nested(CaseSchema)


@bp.get("/api/v1/tasks")
@operation("我的待办（候选或已认领的开放任务）", tags=TAGS, query=InboxQuerySchema, response=TaskListSchema,
           errors=(400,), description="过滤：process_model、assigned=me、role、due_before；"
                                      "排序 sort=due|priority|age|-age；分页 limit (1..200)、offset。")
def inbox(query):
    filters = dict(query)
    filters["process_id"] = filters.pop("process_model", None)
    filters["assigned_to_me"] = filters.pop("assigned", None) == "me"
    items, total = engine().inbox(username(), **filters)
    return {"items": items, "total": total}


@bp.get("/api/v1/tasks/<task_id>")
@operation("任务详情（含表单 JSON Schema、UI schema 与数据）", tags=TAGS, response=TaskDetailSchema, errors=(404,))
def get_task(task_id):
    return engine().get_task(task_id, username())


@bp.post("/api/v1/tasks/<task_id>/claim")
@operation("认领任务", tags=TAGS, body=EmptyRequestSchema, response=TaskSchema, errors=(403, 404, 409))
def claim(task_id, body):
    return engine().claim(task_id, username())


@bp.post("/api/v1/tasks/<task_id>/unclaim")
@operation("释放任务（回到候选池）", tags=TAGS, body=EmptyRequestSchema, response=TaskSchema, errors=(404, 409))
def unclaim(task_id, body):
    return engine().unclaim(task_id, username())


@bp.post("/api/v1/tasks/<task_id>/complete")
@operation("完成任务（数据按任务表单校验）", tags=TAGS, body=CompleteRequestSchema, response=CompleteResultSchema,
           errors=(403, 404, 409, 413, 415, 422),
           description="422：数据不符合表单，details 为 [{field, message}]；409：任务已完成或已被他人认领。")
def complete(task_id, body):
    return engine().complete(task_id, username(), body["data"])


@bp.post("/api/v1/tasks/<task_id>/assign")
@operation("转派任务 (ADMIN)；assignee 为 null 时退回候选池", tags=TAGS, body=AssignRequestSchema,
           response=TaskSchema, errors=(403, 404, 409, 415, 422))
def assign(task_id, body):
    return engine().reassign(task_id, username(), body["assignee"])
