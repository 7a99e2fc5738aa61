"""Diagrams: a process model's drawing, and a case's drawing with its progress marked (SVG).

Both answer `image/svg+xml; charset=utf-8`. The SVG holds no script and every name in it is escaped;
the Content-Security-Policy below also forbids scripts should a browser open it directly.
"""
from __future__ import annotations

from flask import Blueprint, Response

from .model_schemas import ModelQuerySchema
from .operations import engine, operation, username

bp = Blueprint("diagrams", __name__)
SVG = "image/svg+xml"
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
           "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
STATES = ("标记：gwc-completed 已完成（绿）、gwc-active 进行中（橙：待办任务、等待中的定时器与消息、运行中的服务调用）、"
          "gwc-failed 失败（红：未解决的事故），图下方有图例。每个元素是 "
          '<g class="gwc-element gwc-<类型> [gwc-<状态>]" data-element-id="<BPMN id>" data-element-type="<类型>">。')


def _svg(text: str) -> Response:
    return Response(text, content_type=f"{SVG}; charset=utf-8", headers=HEADERS)


@bp.get("/api/v1/process-models/<process_id>/diagram.svg")
@operation("流程图（SVG，按 BPMN 图形信息绘制；?version=N）", tags=["process-models"], query=ModelQuerySchema,
           errors=(400, 404), produces=SVG,
           description="按模型文件中的 BPMN DI（bpmndi 形状与连线）绘制最新版本或指定版本；多文件的模型画定义该流程的文件。"
                       "没有图形信息的模型回答 404，error 为 diagram_not_found（请在建模工具中保存后重新部署）。"
                       "每个元素是 <g data-element-id=\"<BPMN id>\">，名称已转义，中文使用 CJK 字体。")
def model_diagram(process_id, query):
    return _svg(engine().process_model_diagram(process_id, query.get("version")))


@bp.get("/api/v1/cases/<case_id>/diagram.svg")
@operation("案件流程图（SVG，标出已完成、进行中与失败的元素）", tags=["cases"], errors=(404,), produces=SVG,
           description="画案件所运行的版本。可见性与 GET /api/v1/cases/{id} 相同：看不到的案件回答 404。" + STATES +
                       " 状态来自案件的事件记录、待办任务、定时器与消息等待、服务作业和事故；开始事件、脚本与网关等"
                       "记录中没有的元素由流程图推断（位于到达某元素的每条路径上即视为已完成），无法确定的不标记。")
def case_diagram(case_id):
    return _svg(engine().case_diagram(case_id, username()))
