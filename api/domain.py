"""What people look up while working: the catalogue, warehouses, units, suppliers, emergency stock and
an asset's history. Every signed-in user may read them (the catalogue is shared across districts by
design: a unit is meant to find idle assets anywhere before buying new)."""
from __future__ import annotations

from flask import Blueprint, g

from warehouse import catalogue, notices, savings, service_orders, suppliers

from .domain_schemas import (CatalogueQuerySchema, CatalogueSchema, NoticeListSchema, NoticeQuerySchema,
                             OrderQuerySchema, RecordListSchema, SavingsQuerySchema, SavingsReportSchema,
                             StockQuerySchema, SupplierQuerySchema)
from .operations import engine, operation

bp = Blueprint("domain", __name__)
TAGS = ["catalogue"]


@bp.get("/api/v1/catalogue")
@operation("公物仓目录检索（按本区分仓、主仓、其他分仓、协作仓排序）", tags=TAGS, query=CatalogueQuerySchema,
           response=CatalogueSchema, errors=(400,))
def search_catalogue(query):
    status = None if query["status"] == "ANY" else query["status"]
    items, total = catalogue.search(engine().db, requester_region=query.get("region"),
                                    category=query.get("category"), warehouse=query.get("warehouse"),
                                    status=status, text=query.get("text"), limit=query["limit"],
                                    offset=query["offset"])
    return {"items": items, "total": total}


@bp.get("/api/v1/warehouses")
@operation("仓库（主仓、分仓、协作仓）", tags=TAGS, response=RecordListSchema)
def list_warehouses():
    return {"items": catalogue.warehouses(engine().db)}


@bp.get("/api/v1/units")
@operation("使用单位", tags=TAGS, response=RecordListSchema)
def list_units():
    return {"items": catalogue.units(engine().db)}


@bp.get("/api/v1/suppliers")
@operation("供应商，含定点与互认名单", tags=TAGS, query=SupplierQuerySchema, response=RecordListSchema,
           errors=(400,))
def list_suppliers(query):
    return {"items": suppliers.suppliers(engine().db, query.get("city"))}


@bp.get("/api/v1/emergency-stock")
@operation("应急物资库存与安全储备（按仓库）", tags=TAGS, query=StockQuerySchema, response=RecordListSchema,
           errors=(400,))
def list_emergency_stock(query):
    return {"items": catalogue.emergency_stock(engine().db, query.get("warehouse"))}


@bp.get("/api/v1/assets/<asset_id>/history")
@operation("资产状态变更记录", tags=TAGS, response=RecordListSchema, errors=(404,))
def asset_history(asset_id):
    return {"items": catalogue.asset_history(engine().db, asset_id)}


@bp.get("/api/v1/savings")
@operation("节支报表：按单位、仓库、类别、区县、城市或月份汇总（节支率 = Σ节支 ÷ Σ参考价）", tags=TAGS,
           query=SavingsQuerySchema, response=SavingsReportSchema, errors=(400,))
def savings_report(query):
    return {"items": savings.report(engine().db, by=query["by"], period_from=query.get("period_from"),
                                    period_to=query.get("period_to"))}


@bp.get("/api/v1/notices")
@operation("我的通知：发给我、发给我的角色（在我的范围内）或我的单位的提醒、逾期通知、预警和升级，新的在前",
           tags=TAGS, query=NoticeQuerySchema, response=NoticeListSchema, errors=(400,))
def my_notices(query):
    items, total = notices.for_principal(engine().db, g.principal, case_id=query.get("case_id"),
                                         limit=query["limit"], offset=query["offset"])
    return {"items": items, "total": total}


@bp.get("/api/v1/service-orders")
@operation("服务订单（物流、安装、维修、搬运、补库）。MANAGER、ADMIN、AUDITOR 和 CENTER_OPERATOR 看全部；"
           "其他人只看本单位下的或由本单位承担费用的订单，供应商只看自己的订单", tags=TAGS, query=OrderQuerySchema,
           response=RecordListSchema, errors=(400,))
def list_service_orders(query):
    units, suppliers_ = service_orders.visible_to(g.principal)
    return {"items": service_orders.orders(engine().db, case_id=query.get("case_id"), unit=query.get("unit"),
                                           supplier=query.get("supplier"), units=units, suppliers=suppliers_)}
