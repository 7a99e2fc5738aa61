"""应急物资调拨 (DOMAIN §2(e) steps 5-9): what happens to the reserved lines afterwards.

dispatch (stock leaves, transport recorded) → receipt at the site (a short receipt adds a SHORTAGE follow-up
line) → end of response (unsent lines released) → consumables and transit losses written off → reusables
recovered and inspected back into stock → replenishment: gap = 储备定额 − stock per warehouse and item,
ordered from a supplier and booked into stock on delivery. Every change of a stock quantity appends an
`EmergencyStockMove`. Functions work on the caller's open session and never commit.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import session_of
from .emergency import allocation_view, line_view, open_allocation, quota_of, refuse, reserved_qty
from .emergency_tables import (EmergencyAllocation, EmergencyContractReserve, EmergencyLine, EmergencyQuota,
                               EmergencyReplenishment, EmergencyStockMove)
from .tables import EmergencyItem, EmergencyStock, Region, Warehouse


def _when(value, now: datetime, name: str) -> datetime:
    if value in (None, ""):
        return now
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        refuse(f"{name} 不是有效的时间：{value}", "INVALID_TIME", field=name, value=value)
    if parsed.tzinfo is None:
        refuse(f"{name} 须带时区，如 2026-07-01T16:00:00+08:00", "INVALID_TIME", field=name, value=value)
    return parsed.astimezone(timezone.utc)


def _move(session, warehouse: str, item: str, delta: int, kind: str, *, case_id, line_id, now, note) -> None:
    stock = session.get(EmergencyStock, (warehouse, item), with_for_update=True)
    if stock is None:
        stock = EmergencyStock(warehouse_id=warehouse, item_code=item, qty=0, safety_reserve=0)
        session.add(stock)
    if stock.qty + delta < 0:
        name = session.get(EmergencyItem, item).name
        refuse(f"{warehouse} 的{name}实际库存只有 {stock.qty}，不足 {-delta}", "STOCK_SHORT",
               warehouse=warehouse, code=item, qty=stock.qty, needed=-delta)
    stock.qty += delta
    session.add(EmergencyStockMove(warehouse_id=warehouse, item_code=item, delta=delta, qty_after=stock.qty, kind=kind,
                                   case_id=case_id, line_id=line_id, at=now, note=note))


def _lines(session, allocation_id: int, *states: str) -> list[EmergencyLine]:
    return list(session.scalars(select(EmergencyLine).where(EmergencyLine.allocation_id == allocation_id,
                                                            EmergencyLine.state.in_(states))
                                .order_by(EmergencyLine.id)))


def _entries(rows, key: str, field: str, what: str) -> dict[int, dict]:
    """{lineId: row} from a form's list; refuses a row without a line id or with a bad quantity."""
    result = {}
    for row in rows or []:
        line_id = row.get("lineId") if isinstance(row, dict) else None
        qty = row.get(field) if isinstance(row, dict) else None
        if isinstance(line_id, bool) or not isinstance(line_id, int):
            refuse(f"{what}缺少调拨行号 lineId", key, row=row)
        if qty is not None and (isinstance(qty, bool) or not isinstance(qty, int) or qty < 0):
            refuse(f"第 {line_id} 行的{what}数量必须是非负整数", key, row=row)
        result[line_id] = row
    return result


# ------------------------------------------------------------------ dispatch and receipt
def confirm_dispatch(session: Session, *, allocation_id: int, line_ids: list[int], driver: str | None,
                     vehicle: str | None, departed_at, eta, tracking: str | None, case_id: str | None,
                     now: datetime) -> dict:
    """The lines of one batch leave their source: warehouse stock (or the supplier's contract reserve) goes
    down, the lines become DISPATCHED with the transport record. Refuses LINE_NOT_OPEN when a line is no
    longer reserved (re-allocated or already sent)."""
    allocation = open_allocation(session, allocation_id)
    lines = list(session.scalars(select(EmergencyLine).where(EmergencyLine.allocation_id == allocation.id,
                                                            EmergencyLine.id.in_(line_ids or []))
                                 .order_by(EmergencyLine.id)))
    not_open = sorted(set(line_ids or []) - {x.id for x in lines if x.state == "RESERVED"})
    if not lines or not_open:
        refuse(f"调拨行 {not_open or line_ids} 不是待出库状态", "LINE_NOT_OPEN", lineIds=not_open or line_ids)
    departed = _when(departed_at, now, "departedAt")
    arrival = _when(eta, departed, "eta") if eta else None
    for line in lines:
        if line.source_kind == "WAREHOUSE":
            _move(session, line.warehouse_id, line.item_code, -line.qty, "DISPATCH", case_id=case_id, line_id=line.id,
                  now=now, note=f"应急调拨出库（{line.site}）")
        else:
            reserve = session.get(EmergencyContractReserve, (line.supplier_id, line.item_code), with_for_update=True)
            reserve.qty -= line.qty
        line.state, line.driver, line.vehicle, line.tracking = "DISPATCHED", driver, vehicle, tracking
        line.departed_at, line.eta = departed, arrival
    session.flush()
    return {"allocationId": allocation.id, "dispatched": [line_view(session, x) for x in lines],
            "departedAt": departed.isoformat(), "eta": arrival.isoformat() if arrival else None}


def record_receipt(session: Session, *, allocation_id: int, receipts, received_at, now: datetime) -> dict:
    """签收: receivedQty per dispatched line (a line not listed was received in full). A short line adds a
    SHORTAGE follow-up line for the difference; more than was sent is refused (RECEIPT_EXCEEDS)."""
    allocation = open_allocation(session, allocation_id)
    sent = {x.id: x for x in _lines(session, allocation.id, "DISPATCHED")}
    rows = _entries(receipts, "INVALID_RECEIPT", "receivedQty", "签收")
    unknown = sorted(set(rows) - set(sent))
    if unknown:
        refuse(f"调拨行 {unknown} 未出库或不属于本调拨单，不能签收", "LINE_NOT_DISPATCHED", lineIds=unknown)
    if not sent:
        refuse("没有待签收的调拨行", "LINE_NOT_DISPATCHED")
    at = _when(received_at, now, "receivedAt")
    shortages = []
    for line in sent.values():
        row = rows.get(line.id, {})
        got = row.get("receivedQty", line.qty)
        got = line.qty if got is None else got
        if got > line.qty:
            refuse(f"第 {line.id} 行签收 {got}，多于发出的 {line.qty}", "RECEIPT_EXCEEDS", lineId=line.id)
        line.state, line.received_qty, line.received_at = "RECEIVED", got, at
        line.note = row.get("note") or line.note
        if got < line.qty:
            short = EmergencyLine(allocation_id=allocation.id, site=line.site, item_code=line.item_code,
                                  qty=line.qty - got, source_kind=line.source_kind, warehouse_id=line.warehouse_id,
                                  supplier_id=line.supplier_id, tier=line.tier, round=line.round, parent_id=line.id,
                                  state="SHORTAGE", created_at=now, note=row.get("note") or "签收短少")
            session.add(short)
            shortages.append(short)
    session.flush()
    return {"allocationId": allocation.id, "received": len(sent),
            "receivedQty": sum(x.received_qty for x in sent.values()),
            "shortages": [line_view(session, x) for x in shortages],
            "shortageSummary": "、".join(f"{v['name']}短少{v['qty']}{v['uom']}"
                                         for v in (line_view(session, x) for x in shortages))}


# ------------------------------------------------------------------ end of response
def _recovery_target(allocation: EmergencyAllocation, line: EmergencyLine) -> str:
    """Reusables go back to their warehouse; a supplier's go to the requesting district's own warehouse."""
    if line.warehouse_id:
        return line.warehouse_id
    own = [c for c in allocation.candidates if c["kind"] == "WAREHOUSE" and c["tier"] in ("OWN", "MAIN")]
    return own[0]["id"]


def end_response(session: Session, *, allocation_id: int, now: datetime) -> dict:
    """响应终止: lines never sent are released (CANCELLED). Returns the recovery batches (reusables received,
    one per warehouse that takes them back) and the consumables and shortages to write off."""
    allocation = open_allocation(session, allocation_id)
    for line in _lines(session, allocation.id, "RESERVED"):
        line.state, line.closed_at = "CANCELLED", now
    allocation.state, allocation.ended_at = "ENDED", now
    session.flush()
    received = _lines(session, allocation.id, "RECEIVED")
    items = {x.item_code: session.get(EmergencyItem, x.item_code) for x in received}
    reusable = [x for x in received if items[x.item_code].reusable]
    by_target: dict[str, list[EmergencyLine]] = {}
    for line in reusable:
        by_target.setdefault(_recovery_target(allocation, line), []).append(line)
    recovery = []
    for target, lines in by_target.items():
        wh = session.get(Warehouse, target)
        views = [line_view(session, x) for x in lines]
        recovery.append({"warehouse": target, "name": wh.name, "scope": session.get(Region, wh.region_code).name,
                         "lineIds": [v["lineId"] for v in views],
                         "lines": [{**v, "recoverQty": v["receivedQty"]} for v in views],
                         "summary": "、".join(f"{v['name']}{v['receivedQty']}{v['uom']}" for v in views)})
    consumables = [line_view(session, x) for x in received if not items[x.item_code].reusable]
    return {"allocationId": allocation.id, "recovery": recovery, "consumables": consumables,
            "shortages": [line_view(session, x) for x in _lines(session, allocation.id, "SHORTAGE")]}


def write_off_consumables(session: Session, *, allocation_id: int, now: datetime) -> dict:
    """Consumables received at the site are written off as consumed, SHORTAGE lines as lost in transit."""
    allocation = session.get(EmergencyAllocation, allocation_id)
    if allocation is None:
        refuse(f"应急调拨单 {allocation_id} 不存在", "UNKNOWN_ALLOCATION", allocationId=allocation_id)
    totals: dict[str, int] = {}
    for line in _lines(session, allocation.id, "RECEIVED", "SHORTAGE"):
        item = session.get(EmergencyItem, line.item_code)
        if line.state == "RECEIVED" and item.reusable:
            continue
        qty = line.received_qty if line.state == "RECEIVED" else line.qty
        line.written_off_qty, line.closed_at = qty, now
        line.note = line.note if line.state == "RECEIVED" else f"{line.note or '签收短少'}：途中短少核销"
        line.state = "WRITTEN_OFF"
        totals[line.item_code] = totals.get(line.item_code, 0) + qty
    session.flush()
    items = {c: session.get(EmergencyItem, c) for c in totals}
    rows = [{"code": c, "name": items[c].name, "uom": items[c].uom, "qty": q} for c, q in sorted(totals.items())]
    return {"allocationId": allocation.id, "writtenOff": rows,
            "summary": "、".join(f"{r['name']}{r['qty']}{r['uom']}" for r in rows)}


def record_recovery(session: Session, *, allocation_id: int, line_ids: list[int], recoveries, case_id: str | None,
                    now: datetime) -> dict:
    """回收入库 of one warehouse's lines `line_ids`: recoveredQty per reusable line (a line not listed came back
    in full) goes back into that warehouse's stock after inspection; what did not come back is written off."""
    allocation = session.get(EmergencyAllocation, allocation_id)
    if allocation is None:
        refuse(f"应急调拨单 {allocation_id} 不存在", "UNKNOWN_ALLOCATION", allocationId=allocation_id)
    open_lines = {x.id: x for x in _lines(session, allocation.id, "RECEIVED")
                  if x.id in set(line_ids or []) and session.get(EmergencyItem, x.item_code).reusable}
    if not open_lines:
        refuse(f"调拨行 {line_ids} 没有待回收的可复用物资", "LINE_NOT_RECOVERABLE", lineIds=line_ids)
    rows = _entries(recoveries, "INVALID_RECOVERY", "recoveredQty", "回收")
    unknown = sorted(set(rows) - set(open_lines))
    if unknown:
        refuse(f"调拨行 {unknown} 不是待回收的可复用物资", "LINE_NOT_RECOVERABLE", lineIds=unknown)
    back, lost = 0, 0
    for line in open_lines.values():
        row = rows.get(line.id, {})
        qty = row.get("recoveredQty")
        qty = line.received_qty if qty is None else qty
        if qty > line.received_qty:
            refuse(f"第 {line.id} 行回收 {qty}，多于签收的 {line.received_qty}", "RECOVERY_EXCEEDS", lineId=line.id)
        if qty:
            _move(session, _recovery_target(allocation, line), line.item_code, qty, "RECOVER", case_id=case_id,
                  line_id=line.id, now=now, note="应急响应结束，回收检验入库")
        line.state, line.recovered_qty, line.closed_at = "RECOVERED", qty, now
        line.written_off_qty = line.received_qty - qty
        line.note = row.get("note") or line.note
        back, lost = back + qty, lost + line.written_off_qty
    session.flush()
    return {"allocationId": allocation.id, "recovered": back, "lost": lost, "lines": len(open_lines)}


# ------------------------------------------------------------------ replenishment
def plan_replenishment(session: Session, *, allocation_id: int, now: datetime) -> dict:
    """补库: gap = 储备定额 − stock for every warehouse and item this allocation drew on or returned to."""
    allocation = session.get(EmergencyAllocation, allocation_id)
    if allocation is None:
        refuse(f"应急调拨单 {allocation_id} 不存在", "UNKNOWN_ALLOCATION", allocationId=allocation_id)
    existing = list(session.scalars(select(EmergencyReplenishment)
                                    .where(EmergencyReplenishment.allocation_id == allocation.id)))
    if not existing:
        pairs = sorted({(x.warehouse_id, x.item_code) for x in session.scalars(
            select(EmergencyLine).where(EmergencyLine.allocation_id == allocation.id,
                                        EmergencyLine.warehouse_id.is_not(None),
                                        EmergencyLine.state.not_in(("REALLOCATED", "CANCELLED"))))})
        for wh, code in pairs:
            stock = session.get(EmergencyStock, (wh, code))
            gap = quota_of(session, wh, code, now) - (stock.qty if stock else 0)
            if gap > 0:
                row = EmergencyReplenishment(allocation_id=allocation.id, warehouse_id=wh, item_code=code, qty=gap,
                                             state="PLANNED", created_at=now)
                session.add(row)
                existing.append(row)
        session.flush()
    return replenishment_view(session, allocation.id)


def replenishment_view(session: Session, allocation_id: int) -> dict:
    rows = list(session.scalars(select(EmergencyReplenishment)
                                .where(EmergencyReplenishment.allocation_id == allocation_id)
                                .order_by(EmergencyReplenishment.id)))
    lines = []
    for r in rows:
        item, wh = session.get(EmergencyItem, r.item_code), session.get(Warehouse, r.warehouse_id)
        stock = session.get(EmergencyStock, (r.warehouse_id, r.item_code))
        lines.append({"warehouse": r.warehouse_id, "warehouseName": wh.name, "code": r.item_code, "name": item.name,
                      "uom": item.uom, "quota": quota_of(session, r.warehouse_id, r.item_code, r.created_at),
                      "stock": stock.qty if stock else 0, "gap": r.qty, "state": r.state, "orderId": r.order_id})
    return {"allocationId": allocation_id, "lines": lines, "totalQty": sum(x["gap"] for x in lines),
            "description": "应急物资补库：" + "；".join(f"{x['warehouseName']}{x['name']}{x['gap']}{x['uom']}"
                                                   for x in lines)}


def mark_replenishment_ordered(session: Session, *, allocation_id: int, order_id) -> dict:
    for r in session.scalars(select(EmergencyReplenishment).where(EmergencyReplenishment.allocation_id == allocation_id,
                                                                  EmergencyReplenishment.state == "PLANNED")):
        r.state, r.order_id = "ORDERED", str(order_id)
    session.flush()
    return replenishment_view(session, allocation_id)


def receive_replenishment(session: Session, *, allocation_id: int, case_id: str | None, now: datetime) -> dict:
    """The ordered goods arrive: each gap goes into its warehouse's stock."""
    rows = list(session.scalars(select(EmergencyReplenishment)
                                .where(EmergencyReplenishment.allocation_id == allocation_id,
                                       EmergencyReplenishment.state.in_(("PLANNED", "ORDERED")))
                                .order_by(EmergencyReplenishment.id)))
    if not rows:
        refuse("没有待入库的补库物资", "NOTHING_TO_RECEIVE", allocationId=allocation_id)
    for r in rows:
        _move(session, r.warehouse_id, r.item_code, r.qty, "REPLENISH", case_id=case_id, line_id=None, now=now,
              note=f"补库入库（订单 {r.order_id or '—'}）")
        r.state, r.received_at = "RECEIVED", now
    session.flush()
    return replenishment_view(session, allocation_id)


# ------------------------------------------------------------------ read side
def stock_view(session: Session, warehouse: str | None = None) -> list[dict]:
    """Emergency stock with what open incidents hold (RESERVED), what is free, and the 储备定额."""
    stmt = select(EmergencyStock).order_by(EmergencyStock.warehouse_id, EmergencyStock.item_code)
    if warehouse:
        stmt = stmt.where(EmergencyStock.warehouse_id == warehouse)
    rows = []
    for s in session.scalars(stmt):
        held = reserved_qty(session, warehouse=s.warehouse_id, item=s.item_code)
        quota = session.get(EmergencyQuota, (s.warehouse_id, s.item_code))
        rows.append({"warehouseId": s.warehouse_id, "code": s.item_code, "qty": s.qty, "reserved": held,
                     "free": s.qty - held, "safetyReserve": s.safety_reserve,
                     "quota": quota.quota if quota else s.qty})
    return rows


def allocation_of_case(db, case_id: str) -> dict | None:
    """The 应急调拨单 of a case, with every line (GET /api/v1/emergency-allocations?case_id=); takes a
    Database or an open Session."""
    with session_of(db) as session:
        allocation = session.scalar(select(EmergencyAllocation).where(EmergencyAllocation.case_id == case_id)
                                    .order_by(EmergencyAllocation.id.desc()))
        return allocation_view(session, allocation.id) if allocation else None

