"""Query and answer schemas of the process records (loans, transfers, dispatch, vehicles, purchases)."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import StrictSchema, text


class UnitLoansSchema(StrictSchema):
    unit = fields.String()
    name = fields.String()
    blocked = fields.Boolean(metadata={"description": "有未解除的逾期限制时为 true：新申请会被拒绝"})
    loans = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "借用单，旧的在前"})
    blocks = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "逾期限制记录（解除后仍保留）"})
    overdueEpisodes = fields.Integer(metadata={"description": "逾期次数"})


class TransferQuerySchema(StrictSchema):
    unit = text(20, metadata={"description": "申请单位（U10）"})
    case_id = text(36)
    status = text(30)


class TitleQuerySchema(StrictSchema):
    asset = text(30, metadata={"description": "资产编号（含拆分出的批次，如 A002-1）"})
    unit = text(20, metadata={"description": "接收单位"})


class CaseRefQuerySchema(StrictSchema):
    case_id = text(36, min_length=1, required=True, metadata={"description": "应急调拨案件编号"})


class VehicleQuerySchema(StrictSchema):
    unit = text(20)
    vehicle = text(20, metadata={"description": "车辆编号或车牌"})


class InvoiceQuerySchema(StrictSchema):
    unit = text(20)
    flag = fields.String(validate=validate.OneOf(("DESIGNATED", "RECOGNISED", "NON_DESIGNATED")),
                         metadata={"description": "核验结果"})


class DesignatedQuerySchema(StrictSchema):
    city = text(20, min_length=1, required=True, metadata={"description": "城市：成都、德阳、眉山、资阳"})
    date = fields.Date(metadata={"description": "某日有效的名录（不填：所有期限）"})


class OfferQuerySchema(StrictSchema):
    category = text(10, metadata={"description": "类别代码 C01..C11"})
    unit = text(20, metadata={"description": "采购单位（按其所在城市筛选供应商）"})


class PeriodQuerySchema(StrictSchema):
    period_from = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "起始月 YYYY-MM"})
    period_to = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "截止月 YYYY-MM"})


class RecordSchema(StrictSchema):
    """One record whose fields are documented in the endpoint's description."""
    record = fields.Dict(keys=fields.String(), allow_none=True)
