"""POST /api/v1/messages: deliver a BPMN message to the case waiting for it (or start one)."""
from __future__ import annotations

from flask import Blueprint

from .operations import engine, operation, username
from .schemas import MessageRequestSchema, MessageResultSchema

bp = Blueprint("messages", __name__)


@bp.post("/api/v1/messages")
@operation("发送消息（按名称与关联值投递给等待中的案件）", tags=["messages"], body=MessageRequestSchema,
           response=MessageResultSchema, errors=(404, 409, 413, 415, 422),
           description="调用者须持有接收事件所在泳道的角色或 ADMIN；没有可见的案件在等待时 404。")
def send(body):
    return {"case_id": engine().send_message(body["name"], body["correlation"], body["data"], username())}
