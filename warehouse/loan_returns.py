"""A loan coming back (DOMAIN §2(b) steps 9-10): the return, the holder's inspection line by line, the
repair order for what came back damaged (charged to the borrowing unit), and the closing figures.

Inspection outcomes per lot: intact → AVAILABLE; damaged → UNDER_REPAIR (condition C) with a REPAIR order;
lost → MISSING with compensation at 原值 (照价赔偿, written off later through disposal). A part of a lot
that fares differently from the rest is split off (warehouse/lots.py). The unit's block raised by this
loan is lifted when the loan closes, i.e. after the repair is settled; the block row and the loan row
keep the overdue episode for the unit's record.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from . import lots, reservations, service_orders
from .access import money
from .loan_rules import DEFAULT_LOAN_RULES, LoanRules
from .loans import lines_of, loan_of, local_day
from .tables import Asset, ServiceOrder


def register_return(session: Session, *, case_id: str, now: datetime, rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    loan = loan_of(session, case_id)
    if loan.returned_at is None:
        loan.returned_at = now
        loan.status = "RETURNED"
        session.flush()
    late = (local_day(loan.returned_at, rules) - loan.due_date).days
    return {"returnedAt": loan.returned_at.isoformat(), "daysLate": max(late, 0),
            "wasOverdue": loan.overdue_since is not None}


def _counts(line, given: dict | None) -> tuple[int, int, int]:
    if given is None:                      # a line the inspector did not list came back intact
        return line.qty, 0, 0
    try:
        counts = tuple(int(given.get(k) or 0) for k in ("qtyIntact", "qtyDamaged", "qtyLost"))
    except (TypeError, ValueError) as exc:
        raise RefusalError("验收数量必须是整数", code="INSPECTION_MISMATCH", details={"line": given}) from exc
    if min(counts) < 0 or sum(counts) != line.qty:
        raise RefusalError(f"{line.asset_id} 借出 {line.qty} 件，验收完好、损坏、丢失合计须等于 {line.qty}",
                           code="INSPECTION_MISMATCH", details={"assetId": line.asset_id, "qty": line.qty,
                                                                "given": given})
    return counts


def inspect(session: Session, *, case_id: str, key: str, lines, repair_supplier=None, repair_estimate=None,
            now: datetime) -> dict:
    """Record the return inspection. Refusals (nothing written): INSPECTION_MISMATCH (a line of another
    asset, or counts that do not add up), REPAIR_SUPPLIER_MISSING, SUPPLIER_NOT_ELIGIBLE."""
    loan = loan_of(session, case_id)
    loan_lines = lines_of(session, loan)
    if loan.inspected_at is not None:
        return _inspection(session, loan, loan_lines)
    given = {}
    for item in lines or []:
        if not isinstance(item, dict) or item.get("assetId") not in {ln.asset_id for ln in loan_lines}:
            raise RefusalError(f"验收行不属于本借用单：{item}", code="INSPECTION_MISMATCH",
                               details={"line": item, "lent": [ln.asset_id for ln in loan_lines]})
        given[item["assetId"]] = item
    counts = {ln.id: _counts(ln, given.get(ln.asset_id)) for ln in loan_lines}
    damaged = sum(c[1] for c in counts.values())
    if damaged and not repair_supplier:
        raise RefusalError("有损坏资产：请选择维修供应商", code="REPAIR_SUPPLIER_MISSING")
    if damaged:
        names = "、".join(f"{ln.asset_id}×{counts[ln.id][1]}" for ln in loan_lines if counts[ln.id][1])
        service_orders.create(session, key=f"{key}:repair", supplier=repair_supplier, unit=loan.unit_id,
                              kind="REPAIR", now=now, case_id=case_id, charged_to=loan.unit_id,
                              amount=repair_estimate, description=f"{loan.release_no} 归还损坏资产维修：{names}")
    for ln in loan_lines:
        intact, broken, lost = counts[ln.id]
        lot = session.get(Asset, ln.asset_id)
        note = given.get(ln.asset_id, {}).get("note") or ""
        ln.qty_intact, ln.qty_damaged, ln.qty_lost, ln.note = intact, broken, lost, note
        if broken:
            part = lots.take(session, lot, broken, "UNDER_REPAIR", case_id=case_id, now=now,
                             note=f"{loan.release_no} 归还验收：损坏待修 {note}".strip())
            part.condition = "C"
            ln.damaged_asset_id = part.id
        if lost:
            part = lots.take(session, lot, lost, "MISSING", case_id=case_id, now=now,
                             note=f"{loan.release_no} 归还验收：丢失，照价赔偿")
            ln.lost_asset_id = part.id
            loan.compensation += ln.unit_value * lost
        if intact:
            reservations.change_status(session, lot, "AVAILABLE", qty=intact, case_id=case_id, now=now,
                                       note=f"{loan.release_no} 归还验收：完好入库")
    loan.inspected_at = now
    session.flush()
    return _inspection(session, loan, loan_lines)


def _inspection(session: Session, loan, loan_lines) -> dict:
    repair = session.scalar(select(ServiceOrder).where(ServiceOrder.case_id == loan.case_id,
                                                       ServiceOrder.kind == "REPAIR"))
    return {"intact": sum(ln.qty_intact or 0 for ln in loan_lines),
            "damaged": sum(ln.qty_damaged or 0 for ln in loan_lines),
            "lost": sum(ln.qty_lost or 0 for ln in loan_lines),
            "repairLots": [{"assetId": ln.damaged_asset_id, "qty": ln.qty_damaged} for ln in loan_lines
                           if ln.damaged_asset_id],
            "lostLots": [{"assetId": ln.lost_asset_id, "qty": ln.qty_lost} for ln in loan_lines if ln.lost_asset_id],
            "compensation": money(loan.compensation),
            "repairOrder": None if repair is None else {"orderId": repair.id, "supplier": repair.supplier_id,
                                                         "amount": money(repair.amount) if repair.amount else None,
                                                         "chargedTo": repair.charged_to}}


def settle_repair(session: Session, *, case_id: str, amount, note: str | None = None, now: datetime) -> dict:
    """The repair is done and settled: the order SETTLED at `amount` (charged to the unit), the repaired
    lots AVAILABLE again in their condition at release."""
    loan = loan_of(session, case_id)
    order = session.scalar(select(ServiceOrder).where(ServiceOrder.case_id == case_id, ServiceOrder.kind == "REPAIR"))
    if order is None:
        raise RefusalError("本借用单没有维修订单", code="NO_REPAIR_ORDER")
    for status in ("ACCEPTED", "DELIVERED", "SETTLED"):
        if order.status != "SETTLED" and order.status != status:
            service_orders.update(session, order_id=order.id, status=status, now=now,
                                  amount=amount if status == "SETTLED" else None,
                                  note=note if status == "SETTLED" else None)
    repaired = []
    for ln in lines_of(session, loan):
        if ln.damaged_asset_id and ln.repaired_at is None:
            lot = session.get(Asset, ln.damaged_asset_id)
            reservations.change_status(session, lot, "AVAILABLE", qty=lot.qty, case_id=case_id, now=now,
                                       note=f"{loan.release_no} 维修完成（订单 {order.id}）")
            lot.condition = ln.condition
            ln.repaired_at = now
            repaired.append(lot.id)
    session.flush()
    return {"orderId": order.id, "settledAmount": money(order.settled_amount), "chargedTo": order.charged_to,
            "repaired": repaired}


def close(session: Session, *, case_id: str, now: datetime) -> dict:
    """结案: settle the delivered orders, add up the actual cost (logistics, installation, repair), lift the
    unit block this loan raised. Savings are recorded by the process (record_savings) from the result."""
    loan = loan_of(session, case_id)
    costs: dict[str, Decimal] = {}
    for order in session.scalars(select(ServiceOrder).where(ServiceOrder.case_id == case_id)
                                 .order_by(ServiceOrder.id)):
        if order.status == "CANCELLED":
            continue
        if order.status == "DELIVERED":
            service_orders.update(session, order_id=order.id, status="SETTLED", now=now)
        amount = order.settled_amount if order.settled_amount is not None else (order.amount or Decimal(0))
        costs[order.kind] = costs.get(order.kind, Decimal(0)) + amount
    actual = sum(costs.values(), Decimal(0))
    lifted = reservations.lift_unit_blocks(session, unit=loan.unit_id, case_id=case_id, now=now)
    if loan.status != "CLOSED":
        loan.status, loan.closed_at, loan.actual_cost = "CLOSED", now, actual
    session.flush()
    reference = loan.reference_price or Decimal(0)
    return {"releaseNo": loan.release_no, "reference": money(reference), "actual": money(actual),
            "saving": money(reference - actual) if reference else None,
            "costs": {k: money(v) for k, v in sorted(costs.items())}, "compensation": money(loan.compensation),
            "warehouse": loan.warehouse_id, "wasOverdue": loan.overdue_since is not None,
            "blockLifted": lifted["lifted"] > 0, "unitBlocked": lifted["blocked"]}


def return_unmanaged(db, *, asset_id: str, now: datetime, note: str = "借用（平台上线前登记）已归还") -> dict:
    """An asset ON_LOAN with no loan case behind it (the demo's A010 at WH-PD, lent before the platform)
    comes back: AVAILABLE again, with a history row. Refused while a platform loan holds the lot."""
    from .access import session_of
    from .loan_tables import LoanLine
    with session_of(db) as session:
        lot = session.get(Asset, asset_id)
        if lot is None or lot.status != "ON_LOAN":
            raise RefusalError(f"资产 {asset_id} 不在借出状态", code="NOT_ON_LOAN", details={"assetId": asset_id})
        if session.scalar(select(LoanLine).where(LoanLine.asset_id == asset_id, LoanLine.qty_intact.is_(None))):
            raise RefusalError(f"资产 {asset_id} 属于平台上的借用单，请走归还流程", code="MANAGED_LOAN")
        reservations.change_status(session, lot, "AVAILABLE", qty=lot.qty, case_id=None, note=note, now=now)
        session.flush()
        return {"assetId": lot.id, "status": lot.status, "qty": lot.qty}
