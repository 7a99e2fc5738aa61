"""A loan from approval to hand-over (DOMAIN §2(b) steps 6-7): the release note (出仓单) with its logistics and
installation orders, the hand-over and sign-off (签收), the pickup deadline; `describe` gives the moments
the in-use timers wait for (reminders, due date, daily notices, escalation; see loan_use.py).

Asset statuses: a delivered loan's lots are IN_TRANSIT from the release note to the sign-off, then ON_LOAN;
a self-pickup loan's lots stay RESERVED until the unit signs at pickup, then ON_LOAN. A part of a lot is
split off first (warehouse/lots.py). Every function works in the caller's session and never commits.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFoundError, RefusalError
from engine.sandbox_helpers import add_working_days

from . import lots, reservations, service_orders
from .access import money
from .loan_rules import DEFAULT_LOAN_RULES, LoanRules
from .loan_tables import Loan, LoanLine
from .reservations import held_qty
from .tables import Asset, Reservation, ServiceOrder, Supplier

PRICE_PER_TRIP = re.compile(r"(\d+(?:\.\d+)?)\s*元/趟")


def loan_of(session: Session, case_id: str) -> Loan:
    loan = session.scalar(select(Loan).where(Loan.case_id == case_id))
    if loan is None:
        raise NotFoundError(f"案件 {case_id} 没有借用单", {"case_id": case_id})
    return loan


def lines_of(session: Session, loan: Loan) -> list[LoanLine]:
    return list(session.scalars(select(LoanLine).where(LoanLine.loan_id == loan.id).order_by(LoanLine.id)))


def local_day(now: datetime, rules: LoanRules) -> date:
    return now.astimezone(rules.tz).date()


def at_local(day: date, rules: LoanRules, hour: int = 0) -> str:
    return datetime.combine(day, time(hour), rules.tz).isoformat()


def describe(session: Session, loan: Loan, rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """What the process keeps as `loan`: the note, the lots out, the due date and the timers' moments."""
    due = loan.due_date
    first, last = max(rules.reminder_days_before), min(rules.reminder_days_before)
    escalate = add_working_days(due, rules.overdue_escalation_working_days) + timedelta(days=1)
    return {"releaseNo": loan.release_no, "status": loan.status, "deliveryMode": loan.delivery_mode,
            "unit": loan.unit_id, "warehouse": loan.warehouse_id, "dueDate": due.isoformat(),
            "pickupDeadline": loan.pickup_deadline.isoformat() if loan.pickup_deadline else None,
            "pickupDeadlineAt": at_local(loan.pickup_deadline + timedelta(days=1), rules)
            if loan.pickup_deadline else None,
            # the moments the BPMN timers of the in-use phase read
            "remindFirstAt": at_local(due - timedelta(days=first), rules, rules.reminder_hour),
            "remindLastAt": at_local(due - timedelta(days=last), rules, rules.reminder_hour),
            "remindFirstDays": first, "remindLastDays": last,
            "dueAt": at_local(due + timedelta(days=1), rules),
            "overdueDailyCycle": f"R/{at_local(due + timedelta(days=2), rules)}/P1D",
            "escalateAt": at_local(escalate, rules),
            "receiptAuto": loan.receipt_auto, "endDate": loan.end_date.isoformat(), "extensions": loan.extensions,
            "lines": [{"assetId": line.asset_id or line.source_asset_id, "sourceAssetId": line.source_asset_id,
                       "name": session.get(Asset, line.source_asset_id).name, "qty": line.qty,
                       "unitValue": money(line.unit_value)} for line in lines_of(session, loan)]}


# ------------------------------------------------------------------------------------------ release
def trip_price(session: Session, supplier: str, given) -> Decimal:
    """The price of one trip: the form's, else the one in the supplier's price terms (S07: 800元/趟)."""
    if given not in (None, "", 0):
        return Decimal(str(given))
    row = session.get(Supplier, supplier)
    found = PRICE_PER_TRIP.search(row.price_terms or "") if row else None
    if found is None:
        raise RefusalError(f"供应商 {supplier} 没有按趟计价的价格条款，请填写每趟单价", code="PRICE_MISSING",
                           details={"supplier": supplier})
    return Decimal(found.group(1))


def _orders(session, *, key, plan, unit, now, logistics_supplier, trips, price, install_supplier,
            install_amount, delivery: bool, install: bool) -> list[dict]:
    made = []
    if delivery:
        if not logistics_supplier or not isinstance(trips, int) or trips < 1:
            raise RefusalError("需要送货：请选择物流供应商并填写趟数", code="LOGISTICS_MISSING")
        made.append(service_orders.create(
            session, key=f"{key}:logistics", supplier=logistics_supplier, unit=unit, kind="LOGISTICS", now=now,
            case_id=plan["case_id"], description=f"{plan['releaseNo']} 借用物资配送（送达及收回）",
            unit_price=trip_price(session, logistics_supplier, price), qty=trips))
    if install:
        if not install_supplier or install_amount in (None, ""):
            raise RefusalError("需要安装：请选择安装供应商并填写安装费用", code="INSTALL_MISSING")
        made.append(service_orders.create(
            session, key=f"{key}:install", supplier=install_supplier, unit=unit, kind="INSTALL", now=now,
            case_id=plan["case_id"], description=f"{plan['releaseNo']} 借用物资安装调试", amount=install_amount))
    return [{"orderId": o["order_id"], "kind": o["kind"], "supplier": o["supplier"], "qty": o["qty"],
             "unitPrice": o["unit_price"], "amount": o["amount"]} for o in made]


def issue_release(session: Session, *, case_id: str, key: str, unit: str, start_date, end_date, delivery: bool,
                  install: bool = False, purpose: str = "", reference_price=None, logistics_supplier=None,
                  trips=None, trip_price_=None, install_supplier=None, install_amount=None, now: datetime,
                  rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """出仓: the release note of this case's held reservations, and the logistics/installation orders.
    Refusals: NOTHING_RESERVED, LOGISTICS_MISSING, INSTALL_MISSING, PRICE_MISSING, SUPPLIER_NOT_ELIGIBLE."""
    existing = session.scalar(select(Loan).where(Loan.case_id == case_id))
    if existing is not None:
        return {**describe(session, existing, rules), "orders": _case_orders(session, case_id)}
    held = list(session.scalars(select(Reservation).where(Reservation.case_id == case_id,
                                                          Reservation.state == "HELD").order_by(Reservation.id)))
    if not held:
        raise RefusalError("本申请没有仍在保留中的预留，无法出仓", code="NOTHING_RESERVED")
    first = session.get(Asset, held[0].asset_id)
    year = local_day(now, rules).year
    seq = session.scalar(select(func.count()).select_from(Loan)) + 1
    end = date.fromisoformat(str(end_date)[:10])
    loan = Loan(case_id=case_id, release_no=f"CK-{year}-{seq:06d}", unit_id=unit, warehouse_id=first.warehouse_id,
                purpose=str(purpose or "")[:200], start_date=date.fromisoformat(str(start_date)[:10]), end_date=end,
                due_date=end + timedelta(days=rules.return_grace_days),
                delivery_mode="DELIVERY" if delivery else "PICKUP", status="RELEASED",
                total_value=sum((session.get(Asset, r.asset_id).unit_value * r.qty for r in held), Decimal(0)),
                reference_price=Decimal(str(reference_price)) if reference_price else None, released_at=now)
    if not delivery:
        loan.pickup_deadline = add_working_days(local_day(now, rules), rules.pickup_deadline_working_days)
    session.add(loan)
    session.flush()
    for r in held:
        asset = session.get(Asset, r.asset_id)
        session.add(LoanLine(loan_id=loan.id, source_asset_id=r.asset_id, reservation_id=r.id, qty=r.qty,
                             unit_value=asset.unit_value, condition=asset.condition))
        if loan.pickup_deadline:   # the hold lasts until the pickup deadline
            r.expires_at = max(r.expires_at, datetime.fromisoformat(at_local(loan.pickup_deadline
                                                                              + timedelta(days=1), rules)))
    session.flush()
    orders = _orders(session, key=key, plan={"case_id": case_id, "releaseNo": loan.release_no}, unit=unit, now=now,
                     logistics_supplier=logistics_supplier, trips=trips, price=trip_price_,
                     install_supplier=install_supplier, install_amount=install_amount, delivery=delivery,
                     install=install)
    if delivery:
        _hand_over(session, loan, "IN_TRANSIT", now, f"{loan.release_no} 出仓配送")
    return {**describe(session, loan, rules), "orders": orders}


def _case_orders(session: Session, case_id: str) -> list[dict]:
    return [{"orderId": o.id, "kind": o.kind, "supplier": o.supplier_id, "qty": o.qty,
             "unitPrice": money(o.unit_price) if o.unit_price is not None else None,
             "amount": money(o.amount) if o.amount is not None else None}
            for o in session.scalars(select(ServiceOrder).where(ServiceOrder.case_id == case_id)
                                     .order_by(ServiceOrder.id))]


def _hand_over(session: Session, loan: Loan, to_status: str, now: datetime, note: str) -> None:
    """The reserved items leave the warehouse: reservations CONVERTED, lots (split when partial) moved."""
    for line in lines_of(session, loan):
        if line.asset_id is not None:
            lot = session.get(Asset, line.asset_id)
            reservations.change_status(session, lot, to_status, qty=line.qty, case_id=loan.case_id, note=note,
                                       now=now)
            continue
        r = session.get(Reservation, line.reservation_id)
        r.state, r.ended_at = "CONVERTED", now
        session.flush()
        source = session.get(Asset, line.source_asset_id)
        lot = lots.take(session, source, line.qty, to_status, case_id=loan.case_id, note=note, now=now)
        line.asset_id = lot.id
        if lot is not source and source.status == "RESERVED" and held_qty(session, source.id) < source.qty:
            reservations.change_status(session, source, "AVAILABLE", qty=source.qty, case_id=loan.case_id,
                                       note="借出后剩余数量恢复可用", now=now)
    session.flush()


def confirm_receipt(session: Session, *, case_id: str, auto: bool, now: datetime,
                    rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """签收: the lots become ON_LOAN; delivery and installation orders are DELIVERED."""
    loan = loan_of(session, case_id)
    if loan.status == "RELEASED":
        how = "逾期未签收，系统自动确认" if auto else "使用单位签收"
        _hand_over(session, loan, "ON_LOAN", now, f"{loan.release_no} {how}，借出至 {loan.due_date}")
        loan.status, loan.received_at, loan.receipt_auto = "ON_LOAN", now, bool(auto)
        for order in session.scalars(select(ServiceOrder).where(ServiceOrder.case_id == case_id,
                                                                 ServiceOrder.kind.in_(("LOGISTICS", "INSTALL")))):
            for step in ("ACCEPTED", "DELIVERED"):
                if order.status in ("SUBMITTED", "ACCEPTED") and order.status != step:
                    service_orders.update(session, order_id=order.id, status=step, now=now)
        session.flush()
    return describe(session, loan, rules)


def cancel_release(session: Session, *, case_id: str, now: datetime) -> dict:
    """Self-pickup deadline passed: the reservation is released and the loan cancelled."""
    loan = loan_of(session, case_id)
    released = reservations.release(session, case_id=case_id, now=now, note=f"{loan.release_no} 逾期未提货")
    if loan.status == "RELEASED":
        loan.status = "CANCELLED"
    session.flush()
    return {"releaseNo": loan.release_no, "status": loan.status, "released": released["count"]}
