"""Schemas of human tasks: inbox query, task items and details, claim/complete/assign bodies."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import DayOrMoment, PagingQuerySchema, StrictSchema, Timestamp, json_object, text


class TaskSchema(StrictSchema):
    id = fields.String(metadata={"format": "uuid"})
    case_id = fields.String(metadata={"format": "uuid"})
    process_model = fields.String()
    name = fields.String(metadata={"description": "BPMN 元素 id，例如 unit_head_signoff"})
    title = fields.String(metadata={"description": "任务名称，例如 单位负责人签批"})
    role = fields.String(allow_none=True, metadata={"description": "候选角色（泳道名）"})
    scope = fields.String(allow_none=True, metadata={"description": "范围，例如 武侯区、U07"})
    assignee = fields.String(allow_none=True)
    priority = fields.Integer(metadata={"description": "0..100，越大越优先"})
    state = fields.String(metadata={"description": "open、completed 或 cancelled"})
    created_at = Timestamp()
    due_at = Timestamp(allow_none=True)
    completed_at = Timestamp(allow_none=True)
    completed_by = fields.String(allow_none=True)


class FormSchema(StrictSchema):
    schema = fields.Dict(metadata={"description": "JSON Schema，提交的数据按它校验"})
    ui_schema = fields.Dict(metadata={"description": "UI schema（可为空对象）"})


class TaskDetailSchema(TaskSchema):
    form = fields.Nested(FormSchema)
    data = fields.Dict(metadata={"description": "表单可显示的案件数据"})


class TaskListSchema(StrictSchema):
    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer(metadata={"description": "符合条件的总数（不受分页影响）"})


class InboxQuerySchema(PagingQuerySchema):
    process_model = text(metadata={"description": "流程 id"})
    assigned = fields.String(validate=validate.OneOf(["me"]),
                             metadata={"description": "me：只看已由我认领的任务"})
    role = text(max_length=80, metadata={"description": "候选角色"})
    due_before = DayOrMoment(metadata={"description": "截止时间早于此时刻：ISO 日期（当天零点 UTC）或时间"})
    sort = fields.String(load_default="due", validate=validate.OneOf(["due", "priority", "age", "-age"]),
                         metadata={"description": "due（截止时间，默认）、priority（优先级）、age（最早创建）、-age"})


class CompleteRequestSchema(StrictSchema):
    data = json_object(load_default=dict, metadata={"description": "按任务表单 (JSON Schema) 校验的数据"})


class AssignRequestSchema(StrictSchema):
    assignee = text(max_length=80, min_length=1, required=True, allow_none=True,
                    metadata={"description": "用户名；null 表示退回候选池"})
