"""Process records people look up while working: a unit's loans and overdue record, transfer requests
and title transfers, an emergency dispatch order, vehicle repairs, invoices, exceptions and the
designated list, service offers and the green / local-specialty purchase report.

Every signed-in user may read them (the 公物仓 is shared across units by design), except the designation
exceptions, which the auditor, managers and vehicle authorities see in full and everybody else only for
the units of their scoped grants."""
from __future__ import annotations

from flask import Blueprint, g

from warehouse import loan_record, purchase_orders, purchases, title_transfers, vehicle_designations
from warehouse import vehicle_invoices, vehicle_repairs
from warehouse.emergency_movements import allocation_of_case

from .domain_schemas import RecordListSchema
from .operations import engine, operation
from .record_schemas import (CaseRefQuerySchema, DesignatedQuerySchema, InvoiceQuerySchema, OfferQuerySchema,
                             PeriodQuerySchema, RecordSchema, TitleQuerySchema, TransferQuerySchema,
                             UnitLoansSchema, VehicleQuerySchema)

bp = Blueprint("records", __name__)
TAGS = ["records"]
SEE_ALL_EXCEPTIONS = ("AUDITOR", "MANAGER", "ADMIN", "VEHICLE_AUTHORITY")


@bp.get("/api/v1/units/<unit_id>/loans")
@operation("单位的借用记录：借用单、逾期限制（含已解除的）和逾期次数", tags=TAGS, response=UnitLoansSchema,
           errors=(404,))
def unit_loans(unit_id):
    return loan_record.unit_record(engine().db, unit_id)


@bp.get("/api/v1/transfer-requests")
@operation("调剂申请及其状态、退回理由", tags=TAGS, query=TransferQuerySchema, response=RecordListSchema,
           errors=(400,))
def transfer_requests(query):
    return {"items": title_transfers.transfer_requests(engine().db, unit=query.get("unit"),
                                                       case_id=query.get("case_id"), status=query.get("status"))}


@bp.get("/api/v1/title-transfers")
@operation("无偿划转（调拨单）：资产、划出与划入单位、财政审批", tags=TAGS, query=TitleQuerySchema,
           response=RecordListSchema, errors=(400,))
def list_title_transfers(query):
    return {"items": title_transfers.title_transfers(engine().db, asset_id=query.get("asset"),
                                                     unit=query.get("unit"))}


@bp.get("/api/v1/emergency-allocations")
@operation("应急调拨单：各仓库的调拨行、出库、签收、短缺、回收和补库", tags=TAGS, query=CaseRefQuerySchema,
           response=RecordSchema, errors=(400,))
def emergency_allocation(query):
    return {"record": allocation_of_case(engine().db, query["case_id"])}


@bp.get("/api/v1/vehicle-repairs")
@operation("公务用车送修单", tags=TAGS, query=VehicleQuerySchema, response=RecordListSchema, errors=(400,))
def list_vehicle_repairs(query):
    return {"items": vehicle_repairs.repairs(engine().db, unit=query.get("unit"), vehicle=query.get("vehicle"))}


@bp.get("/api/v1/vehicle-invoices")
@operation("公务用车发票及定点核验结果", tags=TAGS, query=InvoiceQuerySchema, response=RecordListSchema,
           errors=(400,))
def list_vehicle_invoices(query):
    return {"items": vehicle_invoices.invoices(engine().db, unit=query.get("unit"), flag=query.get("flag"))}


@bp.get("/api/v1/vehicle-exceptions")
@operation("非定点紧急维修例外（审计用）。审计、管理、公务用车主管部门看全部，其他人只看本单位的", tags=TAGS,
           query=VehicleQuerySchema, response=RecordListSchema, errors=(400,))
def list_vehicle_exceptions(query):
    items = vehicle_invoices.exceptions(engine().db, unit=query.get("unit"))
    grants = g.principal.grants
    if not any(role in SEE_ALL_EXCEPTIONS for role, _ in grants):
        units = {scope for _, scope in grants if scope}
        items = [i for i in items if i.get("unit") in units]
    return {"items": items}


@bp.get("/api/v1/designated-suppliers")
@operation("某市某日有效的三定点名录（含互认）", tags=TAGS, query=DesignatedQuerySchema, response=RecordListSchema,
           errors=(400,))
def designated_suppliers(query):
    return {"items": vehicle_designations.designated_list(engine().db, query["city"], query.get("date"))}


@bp.get("/api/v1/service-offers")
@operation("市场服务报价目录（按类别、采购单位所在城市）", tags=TAGS, query=OfferQuerySchema,
           response=RecordListSchema, errors=(400,))
def service_offers(query):
    return {"items": purchases.offers(engine().db, category=query.get("category"), unit=query.get("unit"))}


@bp.get("/api/v1/purchase-flags")
@operation("绿色低碳与名优特产品采购报表（按月份区间）", tags=TAGS, query=PeriodQuerySchema, response=RecordSchema,
           errors=(400,))
def purchase_flags(query):
    return {"record": purchase_orders.flag_report(engine().db, period_from=query.get("period_from"),
                                                  period_to=query.get("period_to"))}
