"""调剂匹配 (DOMAIN §2(c) C2 steps 2-3): the assets that could satisfy a transfer request, ranked.

LOCAL: only the applicant's own warehouse (branch A searches its own stock). REMOTE: the city center
matches across the main warehouse, the other branches and, if the rules allow, partner warehouses.
Ranking [A]: condition grade (A first), then travel time to the applicant's warehouse, then the longest
idle first (the asset that became AVAILABLE earliest; an asset with no such history has been idle
since before the platform's records and counts as the longest idle), then asset id.

An asset this request held before and let go (its holder refused, or the center chose 另行匹配 after the
consultation timed out) is not offered again: it is listed apart as `declined`, with when it was let go,
so that the center sees why it is missing. The center may still name it explicitly (`plan_transfer`):
the holder is then consulted again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError

from .access import money
from .catalogue import held_qty_subquery, travel_minutes
from .tables import Asset, AssetHistory, Region, Reservation, Warehouse
from .transfers import DEFAULT_TRANSFER_RULES, TransferRules, region_of, request_of, unit_of, warehouse_of_region

SCOPES = ("LOCAL", "REMOTE")


def travel_to(session: Session, own: Warehouse | None, other: Warehouse) -> int | None:
    """Minutes from `other` to the applicant's warehouse: a known pair, else both legs via the main
    warehouse (a warehouse's travelMinToMain; the main warehouse is 0)."""
    if own is None:
        return None
    if own.id == other.id:
        return 0
    pairs = travel_minutes(session)
    if (own.id, other.id) in pairs:
        return pairs[(own.id, other.id)]

    def to_main(w: Warehouse) -> int | None:
        return 0 if w.level == "MAIN" else w.travel_min_to_main

    a, b = to_main(own), to_main(other)
    return None if a is None or b is None else a + b


def idle_since(session: Session, asset_id: str) -> datetime | None:
    return session.scalar(select(func.max(AssetHistory.at)).where(
        AssetHistory.asset_id == asset_id, AssetHistory.to_status == "AVAILABLE",
        or_(AssetHistory.from_status.is_(None), AssetHistory.from_status != "AVAILABLE")))


def candidates(session: Session, *, request_no: str, scope: str = "REMOTE", limit: int = 20,
               rules: TransferRules = DEFAULT_TRANSFER_RULES) -> dict:
    """{"items": ranked candidates, "count"}: AVAILABLE assets of the request's category (and keyword)
    with at least the requested quantity free."""
    if scope not in SCOPES:
        raise InvalidInputError(f"匹配范围 {scope!r} 无效，可选 LOCAL、REMOTE", {"scope": scope})
    request = request_of(session, request_no)
    unit = unit_of(session, request.applicant_unit)
    own = warehouse_of_region(session, unit.region_code)
    applicant_city = region_of(session, unit.region_code).city
    held = held_qty_subquery()
    free = (Asset.qty - func.coalesce(held.c.held, 0)).label("free")
    stmt = (select(Asset, Warehouse, Region, free).join(Warehouse, Warehouse.id == Asset.warehouse_id)
            .join(Region, Region.code == Warehouse.region_code).outerjoin(held, held.c.asset_id == Asset.id)
            .where(Asset.status == "AVAILABLE", free >= request.qty,
                   Asset.condition.in_(rules.condition_order)))
    if request.category_code:
        stmt = stmt.where(Asset.category_code == request.category_code)
    if request.keyword:
        stmt = stmt.where(func.lower(Asset.name).contains(request.keyword.strip().lower(), autoescape=True))
    declined = _declined(session, request.case_id)
    if declined:
        stmt = stmt.where(Asset.id.not_in(list(declined)))
    if scope == "LOCAL":
        stmt = stmt.where(Warehouse.id == (own.id if own else None))
    else:
        if own is not None:
            stmt = stmt.where(Warehouse.id != own.id)
        if not rules.match_partner_warehouses:
            stmt = stmt.where(Region.city == applicant_city)
    found = []
    for asset, wh, region, qty_free in session.execute(stmt):
        minutes = travel_to(session, own, wh)
        since = idle_since(session, asset.id)
        found.append((asset, wh, region, int(qty_free), minutes, since))
    found.sort(key=lambda f: (rules.condition_order.index(f[0].condition),
                              f[4] if f[4] is not None else 10 ** 6,
                              f[5] is not None, f[5] or datetime.min, f[0].id))
    items = [{"rank": i + 1, "assetId": a.id, "name": a.name, "category": a.category_code, "qty": a.qty,
              "qtyAvailable": free_qty, "unitValue": money(a.unit_value), "condition": a.condition,
              "year": a.year, "warehouseId": wh.id, "warehouseName": wh.name, "warehouseLevel": wh.level,
              "region": region.name, "travelMinutes": minutes,
              "idleSince": since.isoformat() if since else None}
             for i, (a, wh, region, free_qty, minutes, since) in enumerate(found[:limit])]
    return {"items": items, "count": len(found), "scope": scope,
            "applicantWarehouse": own.id if own else None,
            "declined": [{"assetId": asset_id, "releasedAt": at.isoformat() if at else None}
                         for asset_id, at in declined.items()]}


def _declined(session: Session, case_id: str | None) -> dict[str, datetime | None]:
    """{asset id: when it was let go} for the assets this request's case held and released, in that order."""
    if case_id is None:
        return {}
    rows = session.execute(select(Reservation.asset_id, func.max(Reservation.ended_at))
                           .where(Reservation.case_id == case_id, Reservation.state == "RELEASED")
                           .group_by(Reservation.asset_id).order_by(func.max(Reservation.ended_at), Reservation.asset_id))
    return {asset_id: at for asset_id, at in rows}
