"""Process models: list, upload (DESIGNER), one model with its versions, a version's BPMN XML."""
from __future__ import annotations

from flask import Blueprint, Response

from .auth import require_role
from .model_schemas import (DeployResultSchema, DiffQuerySchema, ModelQuerySchema, ProcessModelListSchema,
                            ProcessModelSchema, UploadSchema, VersionDiffSchema)
from .operations import engine, operation, username
from .parsing import load_upload

bp = Blueprint("process_models", __name__)
TAGS = ["process-models"]


@bp.get("/api/v1/process-models")
@operation("流程模型列表（每个流程的最新版本）", tags=TAGS, response=ProcessModelListSchema)
def list_models():
    return {"items": engine().process_models()}


@bp.post("/api/v1/process-models")
@operation("部署流程模型 (DESIGNER)", tags=TAGS, multipart=UploadSchema, response=DeployResultSchema, status=201,
           also={200: "内容未变：沿用已有版本，回答相同"}, errors=(403, 413, 415, 422),
           description="multipart/form-data，字段 files 可重复（.bpmn、.dmn、.json 表单）。"
                       "有新版本时 201，全部未变时 200；模型无效时 422，details 列出所有问题 "
                       "[{file, line, element_id, message, severity, element_name}]（含警告）；部署成功时 warnings "
                       "列出警告（从不阻止部署）。含 DOCTYPE/实体的 XML 一律拒绝。")
def deploy():
    require_role("DESIGNER")
    items = engine().deploy(files=load_upload("files"), actor=username())
    warnings = list(dict.fromkeys(w for item in items for w in item.warnings))
    return {"items": items, "warnings": warnings}, 201 if any(item.changed for item in items) else 200


@bp.get("/api/v1/process-models/<process_id>")
@operation("流程模型详情（含全部版本与角色）", tags=TAGS, query=ModelQuerySchema, response=ProcessModelSchema,
           errors=(400, 404))
def get_model(process_id, query):
    return engine().process_model(process_id, query.get("version"))


def _xml(process_id: str, version: int | None) -> Response:
    filename, xml = engine().process_model_source(process_id, version)
    name = filename.rsplit("/", 1)[-1]
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"})


def _quote(name: str) -> str:
    from urllib.parse import quote
    return quote(name, safe="")


@bp.get("/api/v1/process-models/<process_id>/xml")
@operation("下载最新版本（或 ?version=N）的 BPMN XML", tags=TAGS, query=ModelQuerySchema, errors=(400, 404),
           produces="application/xml")
def latest_xml(process_id, query):
    return _xml(process_id, query.get("version"))


@bp.get("/api/v1/process-models/<process_id>/versions/<int:version>/diff")
@operation("版本差异：新增、删除、修改的元素（按 BPMN id）与有变化的文件", tags=TAGS, query=DiffQuerySchema,
           response=VersionDiffSchema, errors=(400, 404),
           description="默认与上一版本（N-1）比较，?against=M 与任意版本比较；版本 1 与“无”比较，全部为新增。"
                       "元素有变化指：类型、名称、泳道、扩展属性、脚本、出口条件、定时器、表单（文件或其内容）、"
                       "出口连线或其他定义不同；图形布局与自动生成的子元素 id 不算变化。")
def version_diff(process_id, version, query):
    return engine().version_diff(process_id, version, query.get("against"))


@bp.get("/api/v1/process-models/<process_id>/versions/<int:version>/xml")
@operation("下载指定版本的 BPMN XML", tags=TAGS, errors=(404,), produces="application/xml")
def version_xml(process_id, version):
    return _xml(process_id, version)
