"""Schemas of process models: the list, one model with its versions, the deploy result."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import StrictSchema, Timestamp


class ProcessModelSummarySchema(StrictSchema):
    id = fields.String(attribute="process_id", metadata={"description": "流程 id"})
    name = fields.String()
    version = fields.Integer(metadata={"description": "最新版本号"})
    deployed_at = Timestamp()
    start_role = fields.String(allow_none=True, metadata={"description": "可发起的角色（无：任何人）"})


class ProcessModelListSchema(StrictSchema):
    items = fields.List(fields.Nested(ProcessModelSummarySchema))


class VersionSchema(StrictSchema):
    version = fields.Integer()
    deployed_at = Timestamp()
    deployed_by = fields.String(allow_none=True)


class ModelFileSchema(StrictSchema):
    filename = fields.String()
    kind = fields.String(metadata={"enum": ["bpmn", "dmn", "form"]})


class ProcessModelSchema(StrictSchema):
    id = fields.String()
    name = fields.String()
    version = fields.Integer(metadata={"description": "所示版本（默认最新）"})
    deployed_at = Timestamp()
    deployed_by = fields.String(allow_none=True)
    roles = fields.List(fields.String(), metadata={"description": "流程用到的角色（泳道名）"})
    start_role = fields.String(allow_none=True)
    files = fields.List(fields.Nested(ModelFileSchema))
    versions = fields.List(fields.Nested(VersionSchema))


class ModelQuerySchema(StrictSchema):
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "版本号（默认最新）"})


class DeployedItemSchema(StrictSchema):
    """Exactly the contract's {"id", "version"}: whether anything changed is the status (201 or 200)."""
    id = fields.String(metadata={"description": "流程 id"})
    version = fields.Integer(metadata={"description": "部署后的版本号（内容未变时为已有版本）"})


class DeployResultSchema(StrictSchema):
    items = fields.List(fields.Nested(DeployedItemSchema))


class UploadSchema(StrictSchema):
    """Documentation of the multipart body (parsed by api/process_models.py)."""
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True,
                        metadata={"description": ".bpmn、.dmn 和 .json（表单）文件，字段 files 可重复"})
