"""The read side people look up while working: catalogue search across warehouses, warehouses, units,
emergency stock and an asset's history. Suppliers and designations are in `warehouse.suppliers`
(re-exported here). Every function takes a `Database` or an open `Session` (see `access.session_of`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError

from .access import money, session_of
from .rules import DEFAULT_RULES, WarehouseRules
from .suppliers import is_designated_or_recognised, resolve_city, suppliers  # noqa: F401  (re-exported)
from .tables import (Asset, AssetHistory, Category, EmergencyItem, EmergencyStock, Region, Reservation,
                     TravelTime, Unit, Warehouse)

FAR = 10 ** 6   # sorts warehouses with no known travel time last within their tier


@dataclass(frozen=True)
class RankedWarehouse:
    warehouse: Warehouse
    tier: str          # OWN, MAIN, BRANCH, PARTNER
    minutes: int | None


def resolve_region(session: Session, region: str) -> Region:
    """A region by code (WH) or name (武侯区)."""
    found = session.get(Region, region) or session.scalar(select(Region).where(Region.name == region))
    if found is None:
        raise NotFoundError(f"未知的行政区划：{region}", {"region": region})
    return found


def travel_minutes(session: Session) -> dict[tuple[str, str], int]:
    """Known travel times between warehouses, both directions."""
    pairs: dict[tuple[str, str], int] = {}
    for t in session.scalars(select(TravelTime)):
        pairs[(t.from_wh, t.to_wh)] = pairs[(t.to_wh, t.from_wh)] = t.minutes
    return pairs


def rank_warehouses(session: Session, requester_region: str | None,
                    rules: WarehouseRules = DEFAULT_RULES) -> list[RankedWarehouse]:
    """DOMAIN §2(b) step 1: the requester's own warehouse, the main warehouse, the other branches, then
    partner warehouses. Within a tier: travel time from the requester's warehouse when known, else the
    travel time to the main warehouse; ties by warehouse id."""
    all_wh = list(session.scalars(select(Warehouse).order_by(Warehouse.id)))
    own = None
    if requester_region:
        region = resolve_region(session, requester_region)
        own = next((w for w in all_wh if w.region_code == region.code), None)
    pairs = travel_minutes(session)

    def minutes(w: Warehouse) -> int | None:
        if own is not None and (own.id, w.id) in pairs:
            return pairs[(own.id, w.id)]
        return 0 if w.level == "MAIN" else w.travel_min_to_main

    def tier(w: Warehouse) -> str:
        if w is own:
            return "OWN"
        return {"MAIN": "MAIN", "BRANCH": "BRANCH"}.get(w.level, "PARTNER")

    ranked = [RankedWarehouse(w, tier(w), 0 if w is own else minutes(w)) for w in all_wh]
    order = rules.catalogue_tier_order
    ranked.sort(key=lambda r: (order.index(r.tier), FAR if r.minutes is None else r.minutes, r.warehouse.id))
    return ranked


def held_qty_subquery():
    return (select(Reservation.asset_id, func.sum(Reservation.qty).label("held"))
            .where(Reservation.state == "HELD").group_by(Reservation.asset_id).subquery())


def search(db, *, requester_region: str | None, category: str | None = None, warehouse: str | None = None,
           status: str | None = "AVAILABLE", text: str | None = None, limit: int = 50, offset: int = 0,
           rules: WarehouseRules = DEFAULT_RULES) -> tuple[list[dict], int]:
    """Catalogue search, ranked by warehouse (see `rank_warehouses`), then asset id.

    `category` is a code (C04) or name; `status=None` lists every status; `text` matches the asset's name or
    id. `qtyAvailable` = qty minus HELD reservations; `unitValue` is a number of 元 (168000.0).
    `rank` is the 1-based position in the whole ranked result (so pages continue it)."""
    if limit < 1 or offset < 0:
        raise InvalidInputError("limit 必须大于0，offset 不能为负数", {"limit": limit, "offset": offset})
    with session_of(db) as session:
        ranked = rank_warehouses(session, requester_region, rules)
        position = {r.warehouse.id: i for i, r in enumerate(ranked)}
        tiers = {r.warehouse.id: r for r in ranked}
        held = held_qty_subquery()
        available = (Asset.qty - func.coalesce(held.c.held, 0)).label("available")
        stmt = (select(Asset, Category.name, available).join(Category, Category.code == Asset.category_code)
                .outerjoin(held, held.c.asset_id == Asset.id))
        if status is not None:
            stmt = stmt.where(Asset.status == status)
            if status == "AVAILABLE":
                stmt = stmt.where(available > 0)
        if category:
            stmt = stmt.where(or_(Asset.category_code == category, Category.name == category))
        if warehouse:
            stmt = stmt.where(Asset.warehouse_id == warehouse)
        if text:
            needle = text.strip().lower()
            stmt = stmt.where(or_(func.lower(Asset.name).contains(needle, autoescape=True),
                                  func.lower(Asset.id).contains(needle, autoescape=True)))
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        by_rank = [case(position, value=Asset.warehouse_id, else_=len(position))] if position else []
        stmt = stmt.order_by(*by_rank, Asset.id)
        rows = session.execute(stmt.limit(limit).offset(offset)).all()
        items = []
        for i, (asset, category_name, qty_available) in enumerate(rows):
            r = tiers[asset.warehouse_id]
            items.append({"assetId": asset.id, "name": asset.name, "category": asset.category_code,
                          "categoryName": category_name, "qty": asset.qty, "qtyAvailable": int(qty_available),
                          "unitValue": money(asset.unit_value), "condition": asset.condition,
                          "status": asset.status, "lowValue": asset.low_value,
                          "warehouseId": r.warehouse.id, "warehouseName": r.warehouse.name,
                          "warehouseLevel": r.warehouse.level, "tier": r.tier, "travelMinutes": r.minutes,
                          "rank": offset + i + 1})
        return items, total


def warehouses(db) -> list[dict]:
    with session_of(db) as session:
        pairs = travel_minutes(session)
        result = []
        for w in session.scalars(select(Warehouse).order_by(Warehouse.id)):
            result.append({"id": w.id, "name": w.name, "level": w.level, "region": w.region_code,
                           "parent": w.parent_id, "operator": w.operator, "financeBureau": w.finance_bureau,
                           "kinds": [k for k, on in (("PHYSICAL", w.physical), ("VIRTUAL", w.virtual)) if on],
                           "travelMinToMain": w.travel_min_to_main, "agreement": w.agreement,
                           "travelMin": {b: m for (a, b), m in sorted(pairs.items()) if a == w.id}})
        return result


def units(db) -> list[dict]:
    with session_of(db) as session:
        rows = session.execute(select(Unit, Region.name).join(Region, Region.code == Unit.region_code)
                               .order_by(Unit.id))
        return [{"id": u.id, "name": u.name, "region": u.region_code, "regionName": region_name,
                 "temporary": u.temporary, "supervisingDept": u.supervising_dept} for u, region_name in rows]


def emergency_stock(db, warehouse: str | None = None) -> list[dict]:
    """Stock per warehouse and item, with the safety reserve and what lies above it."""
    with session_of(db) as session:
        stmt = (select(EmergencyStock, EmergencyItem, Warehouse.name)
                .join(EmergencyItem, EmergencyItem.code == EmergencyStock.item_code)
                .join(Warehouse, Warehouse.id == EmergencyStock.warehouse_id)
                .order_by(EmergencyStock.warehouse_id, EmergencyStock.item_code))
        if warehouse:
            stmt = stmt.where(EmergencyStock.warehouse_id == warehouse)
        return [{"warehouseId": s.warehouse_id, "warehouseName": wh_name, "code": item.code, "name": item.name,
                 "uom": item.uom, "class": item.item_class, "subclass": item.subclass, "reusable": item.reusable,
                 "qty": s.qty, "safetyReserve": s.safety_reserve,
                 "aboveReserve": max(s.qty - s.safety_reserve, 0)}
                for s, item, wh_name in session.execute(stmt)]


def asset_history(db, asset_id: str) -> list[dict]:
    with session_of(db) as session:
        if session.get(Asset, asset_id) is None:
            raise NotFoundError(f"资产 {asset_id} 不存在", {"assetId": asset_id})
        rows = session.scalars(select(AssetHistory).where(AssetHistory.asset_id == asset_id)
                               .order_by(AssetHistory.at, AssetHistory.id))
        return [{"at": h.at.isoformat(), "fromStatus": h.from_status, "toStatus": h.to_status, "qty": h.qty,
                 "caseId": h.case_id, "note": h.note} for h in rows]
