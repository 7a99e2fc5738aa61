"""Schemas of the 公物仓 read endpoints: catalogue, warehouses, units, suppliers, emergency stock, history."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import PagingQuerySchema, StrictSchema, text

ASSET_STATUSES = ("DECLARED", "IN_TRANSIT_IN", "INSPECTING", "AVAILABLE", "RESERVED", "ON_LOAN", "ON_RENT",
                  "IN_TRANSIT", "UNDER_REPAIR", "STOCKTAKE_FROZEN", "PENDING_DISPOSAL", "DISPOSED",
                  "TRANSFERRED_OUT", "MISSING")


class CatalogueQuerySchema(PagingQuerySchema):
    region = text(100, metadata={"description": "申请方所在区域（名称或代码，如 武侯区 / WH），决定排序：本区分仓、主仓、"
                                                "其他分仓（按路程）、协作仓"})
    category = text(40, metadata={"description": "类别代码（C04）或名称"})
    warehouse = text(40, metadata={"description": "仓库编号，如 WH-CD-MAIN"})
    status = fields.String(load_default="AVAILABLE", validate=validate.OneOf(ASSET_STATUSES + ("ANY",)),
                           metadata={"description": "资产状态；ANY 表示不限"})
    text = text(100, metadata={"description": "名称或编号包含的文字"})


class CatalogueItemSchema(StrictSchema):
    assetId = fields.String()
    name = fields.String()
    category = fields.String()
    categoryName = fields.String()
    qty = fields.Integer()
    qtyAvailable = fields.Integer()
    unitValue = fields.Float(metadata={"description": "原值（元）"})
    condition = fields.String(allow_none=True)
    status = fields.String()
    lowValue = fields.Boolean()
    warehouseId = fields.String()
    warehouseName = fields.String()
    warehouseLevel = fields.String()
    tier = fields.String()
    travelMinutes = fields.Integer(allow_none=True)
    rank = fields.Integer()


class CatalogueSchema(StrictSchema):
    items = fields.List(fields.Nested(CatalogueItemSchema))
    total = fields.Integer()


class RecordListSchema(StrictSchema):
    """A list of records whose fields are documented in the endpoint's description."""
    items = fields.List(fields.Dict(keys=fields.String()))


class SupplierQuerySchema(StrictSchema):
    city = text(40, metadata={"description": "城市（成都、德阳、眉山、资阳，或区县名）：只列该市定点或互认的供应商"})


class StockQuerySchema(StrictSchema):
    warehouse = text(40, metadata={"description": "仓库编号"})


class SavingsQuerySchema(StrictSchema):
    by = fields.String(load_default="unit", validate=validate.OneOf(("unit", "warehouse", "category", "region",
                                                                       "city", "period")),
                       metadata={"description": "汇总维度：单位、仓库、类别、区县、城市或月份"})
    period_from = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "起始月 YYYY-MM"})
    period_to = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "截止月 YYYY-MM"})


class SavingsRowSchema(StrictSchema):
    key = fields.String(allow_none=True)
    lines = fields.Integer()
    reference = fields.Float()
    actual = fields.Float()
    saving = fields.Float()
    rate = fields.Float(allow_none=True, metadata={"description": "Σ节支 ÷ Σ参考价"})


class SavingsReportSchema(StrictSchema):
    items = fields.List(fields.Nested(SavingsRowSchema))


class NoticeQuerySchema(PagingQuerySchema):
    case_id = text(36, metadata={"description": "只看某个案件的通知"})


class NoticeSchema(StrictSchema):
    id = fields.Integer()
    case_id = fields.String(allow_none=True)
    task = fields.String(allow_none=True, metadata={"description": "发出通知的流程步骤（BPMN id）"})
    kind = fields.String(metadata={"description": "INFO 一般 / REMINDER 提醒 / OVERDUE 逾期 / ALERT 预警 / ESCALATION 升级"})
    title = fields.String()
    body = fields.String()
    to_user = fields.String(allow_none=True)
    to_role = fields.String(allow_none=True)
    to_scope = fields.String(allow_none=True)
    to_unit = fields.String(allow_none=True)
    created_at = fields.String()


class NoticeListSchema(StrictSchema):
    items = fields.List(fields.Nested(NoticeSchema))
    total = fields.Integer()


class OrderQuerySchema(StrictSchema):
    case_id = text(36, metadata={"description": "案件编号"})
    unit = text(20, metadata={"description": "下单或承担费用的单位（U07）"})
    supplier = text(20, metadata={"description": "供应商编号（S07）"})
