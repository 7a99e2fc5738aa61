"""Schemas of process models: the list, one model with its versions, the deploy result."""
from __future__ import annotations

from marshmallow import fields, post_dump, validate

from .schemas import ModelProblemSchema, StrictSchema, Timestamp


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
    start_form = fields.Raw(allow_none=True, metadata={"description": "发起时填写的表单 (JSON Schema)；无：不检查发起数据"})
    files = fields.List(fields.Nested(ModelFileSchema))
    versions = fields.List(fields.Nested(VersionSchema))


class ModelQuerySchema(StrictSchema):
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "版本号（默认最新）"})


class ElementRefSchema(StrictSchema):
    id = fields.String(metadata={"description": "BPMN 元素 id"})
    type = fields.String(metadata={"description": "元素类型，例如 userTask、exclusiveGateway"})
    name = fields.String(metadata={"description": "元素名称"})


class ChangedElementSchema(ElementRefSchema):
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields",
                          metadata={"description": "有变化的方面：type、name、lane、properties、script、conditions、"
                                                   "timer、form、outgoing、definition"})
    from_ = fields.Dict(attribute="from", data_key="from", metadata={"description": "旧值（name、type、lane、timer、form）"})
    to = fields.Dict(metadata={"description": "新值（同上）"})


class FileChangeSchema(StrictSchema):
    file = fields.String()
    kind = fields.String(metadata={"enum": ["bpmn", "dmn", "form"]})
    change = fields.String(metadata={"enum": ["added", "changed", "removed"]})


class ChangeSummarySchema(StrictSchema):
    added = fields.Integer()
    changed = fields.Integer()
    removed = fields.Integer()


class VersionDiffSchema(StrictSchema):
    """What changed between two versions of a process, element by element (by BPMN id)."""
    process_id = fields.String()
    from_version = fields.Integer(allow_none=True, metadata={"description": "比较的基准版本（无：第一个版本）"})
    to_version = fields.Integer()
    summary = fields.Nested(ChangeSummarySchema)
    added = fields.List(fields.Nested(ElementRefSchema))
    changed = fields.List(fields.Nested(ChangedElementSchema))
    removed = fields.List(fields.Nested(ElementRefSchema))
    files = fields.List(fields.Nested(FileChangeSchema), metadata={"description": "有变化的表单、DMN 及其他 BPMN 文件"})


class DiffQuerySchema(StrictSchema):
    against = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "与哪个版本比较（默认上一个版本）"})


class DeployedItemSchema(StrictSchema):
    """The contract's {"id", "version"}: whether anything changed is the status (201 or 200). A new version
    of a process deployed before also carries `changes` against the previous version."""
    id = fields.String(metadata={"description": "流程 id"})
    version = fields.Integer(metadata={"description": "部署后的版本号（内容未变时为已有版本）"})
    changes = fields.Nested(VersionDiffSchema, allow_none=True,
                            metadata={"description": "与上一版本相比的变化；第一个版本和内容未变时没有此字段"})

    @post_dump
    def _only_real_changes(self, data, **kwargs):
        if not data.get("changes") or data["changes"].get("from_version") is None:
            data.pop("changes", None)
        return data


class DeployResultSchema(StrictSchema):
    items = fields.List(fields.Nested(DeployedItemSchema))
    warnings = fields.List(fields.Nested(ModelProblemSchema),
                           metadata={"description": "部署成功但值得注意的问题（severity=warning），例如没有用户持有的角色；"
                                                    "没有警告时没有此字段"})

    @post_dump
    def _only_real_warnings(self, data, **kwargs):
        if not data.get("warnings"):
            data.pop("warnings", None)
        return data


class UploadSchema(StrictSchema):
    """Documentation of the multipart body (parsed by api/process_models.py)."""
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True,
                        metadata={"description": ".bpmn、.dmn 和 .json（表单）文件，字段 files 可重复"})
