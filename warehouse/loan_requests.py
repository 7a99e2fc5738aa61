"""A loan request before anything leaves the warehouse (DOMAIN §2(b) steps 1-5): check the request and plan
its approval route, and cut a request down to what the holder approved (PARTIAL).

`plan` is what the process routes on (`loan_plan`): who holds the items (main warehouse or a branch, in
which district), whether the unit has a supervising department, the total 原值 and the due date. The
values come from the warehouse's own records, not from the form (the form's unitValue is only shown).
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError, RefusalError

from .access import money
from .loan_rules import DEFAULT_LOAN_RULES, LoanRules
from .reservations import change_status, held_qty, record
from .tables import Asset, Region, Reservation, Unit, Warehouse


def as_date(value, name: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise RefusalError(f"{name}不是有效日期：{value}", code="INVALID_PERIOD", details={name: value}) from exc


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_period(start, end, rules: LoanRules = DEFAULT_LOAN_RULES) -> tuple[date, date]:
    """(start, end) of a loan, or a RefusalError INVALID_PERIOD / PERIOD_TOO_LONG (loan.maxPeriod)."""
    start_day, end_day = as_date(start, "借用开始日期"), as_date(end, "借用结束日期")
    if end_day < start_day:
        raise RefusalError(f"借用结束日期 {end_day} 早于开始日期 {start_day}", code="INVALID_PERIOD",
                           details={"startDate": str(start_day), "endDate": str(end_day)})
    latest = add_months(start_day, rules.max_period_months)
    if end_day > latest:
        raise RefusalError(f"借用期限超过 {rules.max_period_months} 个月：自 {start_day} 起最晚至 {latest}",
                           code="PERIOD_TOO_LONG",
                           details={"startDate": str(start_day), "endDate": str(end_day), "latest": str(latest),
                                    "maxPeriodMonths": rules.max_period_months})
    return start_day, end_day


def _items(items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise RefusalError("申请须至少包含一项资产", code="NO_ITEMS", details={"items": items})
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("assetId"), str) \
                or isinstance(item.get("qty"), bool) or not isinstance(item.get("qty"), int) or item["qty"] < 1:
            raise RefusalError("每项资产须有资产编号和正整数数量", code="NO_ITEMS", details={"item": item})
    return items


def plan(session: Session, *, unit: str, items, start_date, end_date, holder_warehouse: str | None = None,
         reference_price=None, rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """Check a request and describe its route. Refusals (RefusalError): INVALID_PERIOD, PERIOD_TOO_LONG,
    NO_ITEMS, UNKNOWN_ASSET, HOLDER_MISMATCH (items of several warehouses, or not of the named one)."""
    unit_row = session.get(Unit, unit)
    if unit_row is None:
        raise NotFoundError(f"使用单位不存在：{unit}", {"unit": unit})
    start, end = check_period(start_date, end_date, rules)
    items = _items(items)
    ids = sorted({i["assetId"] for i in items})
    assets = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_(ids)))}
    unknown = [i for i in ids if i not in assets]
    if unknown:
        raise RefusalError(f"资产不存在：{'、'.join(unknown)}", code="UNKNOWN_ASSET", details={"assetIds": unknown})
    holders = sorted({a.warehouse_id for a in assets.values()})
    if len(holders) > 1 or (holder_warehouse and holders[0] != holder_warehouse):
        raise RefusalError(f"一份申请只能借用同一仓库的资产：所选资产在 {'、'.join(holders)}"
                           + (f"，申请填写的保管仓库为 {holder_warehouse}" if holder_warehouse else ""),
                           code="HOLDER_MISMATCH", details={"warehouses": holders, "holder": holder_warehouse})
    warehouse = session.get(Warehouse, holders[0])
    region = session.get(Region, warehouse.region_code)
    unit_region = session.get(Region, unit_row.region_code)
    lines, total = [], Decimal(0)
    for item in items:
        asset = assets[item["assetId"]]
        total += asset.unit_value * item["qty"]
        lines.append({"assetId": asset.id, "name": asset.name, "qty": item["qty"],
                      "unitValue": money(asset.unit_value), "category": asset.category_code})
    top = max(lines, key=lambda line: line["unitValue"] * line["qty"])
    due = end + timedelta(days=rules.return_grace_days)
    return {"totalValue": money(total),
            "precisionInstrument": any(bool(i.get("precisionInstrument")) for i in items),
            "loanDays": (end - start).days + 1, "startDate": start.isoformat(), "endDate": end.isoformat(),
            "dueDate": due.isoformat(), "holderWarehouse": warehouse.id, "holderName": warehouse.name,
            "holderLevel": warehouse.level, "holderRegion": region.name, "unit": unit_row.id,
            "unitName": unit_row.name, "unitRegion": unit_region.name,
            "supervisingDept": unit_row.supervising_dept, "category": top["category"],
            "referencePrice": _reference(reference_price), "items": lines, "sla": rules.sla()}


def _reference(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise InvalidInputError("参考价必须是金额（元）", {"referencePrice": value}) from exc
    return money(amount) if amount.is_finite() and amount > 0 else None


def reduce_items(session: Session, *, case_id: str, items, now: datetime) -> dict:
    """The holder approved less (PARTIAL) and the unit accepted: cut this case's held reservations down to
    `items` ([{assetId, qty}], qty 0 or a missing asset drops the line; never more than was reserved).
    Returns the remaining items and their total 原值."""
    approved = {i["assetId"]: int(i.get("qty", 0)) for i in (items or []) if isinstance(i, dict)}
    held = list(session.scalars(select(Reservation).where(Reservation.case_id == case_id,
                                                          Reservation.state == "HELD").order_by(Reservation.id)))
    if not held:
        raise RefusalError("本申请没有仍在保留中的预留", code="NOTHING_RESERVED")
    too_many = [a for a, q in approved.items() if q > sum(r.qty for r in held if r.asset_id == a)]
    if too_many or sum(approved.values()) < 1:
        raise RefusalError("部分同意的数量须大于零且不超过已预留数量", code="PARTIAL_INVALID",
                           details={"items": items, "exceeding": too_many})
    remaining, total = [], Decimal(0)
    for r in held:
        asset = session.get(Asset, r.asset_id)
        keep = min(r.qty, approved.get(r.asset_id, 0))
        approved[r.asset_id] = approved.get(r.asset_id, 0) - keep
        cut = r.qty - keep
        if cut:
            r.qty = keep if keep else r.qty
            if not keep:
                r.state, r.ended_at = "RELEASED", now
            session.flush()
            note = f"部分同意，减少预留 {cut} 件"
            if asset.status == "RESERVED" and held_qty(session, asset.id) < asset.qty:
                change_status(session, asset, "AVAILABLE", qty=cut, case_id=case_id, note=note, now=now)
            else:
                record(session, asset, asset.status, asset.status, cut, case_id, note, now)
        if keep:
            total += asset.unit_value * keep
            remaining.append({"assetId": asset.id, "name": asset.name, "qty": keep,
                              "unitValue": money(asset.unit_value)})
    return {"items": remaining, "totalValue": money(total)}
