"""Schemas of the migration of running cases to another version of their process."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import StrictSchema, text

VERSION = validate.Range(min=1, max=2**31 - 1)


class MigrationRequestSchema(StrictSchema):
    to_version = fields.Integer(required=True, strict=True, validate=VERSION,
                                metadata={"description": "目标版本"})
    from_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=VERSION,
                                  metadata={"description": "只迁移这个版本上的案件（默认：比目标版本旧的全部；迁回旧版本须指定）"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "true：只检查，不做任何改动"})
    case_ids = fields.List(text(max_length=36, min_length=1), load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=1000),
                           metadata={"description": "只迁移这些案件（1..1000 个）；默认该流程所有进行中的案件"})


class BlockerSchema(StrictSchema):
    element_id = fields.String(allow_none=True, metadata={"description": "阻止迁移的 BPMN 元素"})
    name = fields.String(allow_none=True)
    reason = fields.String()


class MigrationItemSchema(StrictSchema):
    case_id = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "迁移检查时案件的状态"})
    from_version = fields.Integer(allow_none=True, metadata={"description": "案件原来所在的版本"})
    movable = fields.Boolean(metadata={"description": "能否迁移（正式迁移时：已迁移）"})
    moved = fields.Boolean(metadata={"description": "正式迁移时：是否已迁移"})
    reason = fields.String(metadata={"description": "不能迁移的原因（只在 movable 为 false 时）"})
    blockers = fields.List(fields.Nested(BlockerSchema))
    notes = fields.List(fields.String(), metadata={"description": "迁移时值得知道的事，例如表单已更新、认领已释放"})


class MigrationResultSchema(StrictSchema):
    process_id = fields.String()
    to_version = fields.Integer()
    from_version = fields.Integer(allow_none=True)
    dry_run = fields.Boolean()
    items = fields.List(fields.Nested(MigrationItemSchema))
    moved = fields.Integer(metadata={"description": "已迁移的案件数（试运行时为 0）"})
