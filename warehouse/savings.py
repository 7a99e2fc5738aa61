"""The savings ledger (节支): record a saving for a case, and report Σsaving ÷ Σreference by unit,
warehouse, category, region (district), city or period. A saving is counted in its district's report and
in its city's: the S1 loan of 武侯区民政局 shows under 武侯区 and under 成都."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.errors import InvalidInputError, NotFoundError

from .access import money, session_of
from .tables import Region, Saving, Unit

GROUPS = {"unit": Saving.unit_id, "warehouse": Saving.warehouse_id, "category": Saving.category_code,
          "region": Saving.region_code, "city": Saving.city, "period": Saving.period}


def _amount(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInputError(f"{name} 必须是金额（元）", {name: value}) from exc
    if not amount.is_finite() or amount < 0:
        raise InvalidInputError(f"{name} 必须是非负金额（元）", {name: value})
    return amount.quantize(Decimal("0.01"))


def record(session, *, key: str, unit: str, reference, actual, now: datetime, case_id: str | None = None,
           warehouse: str | None = None, category: str | None = None, note: str | None = None) -> dict:
    """One ledger line; recording again under the same key (a retried step) returns the first line."""
    existing = session.scalar(select(Saving).where(Saving.idempotency_key == key))
    if existing is None:
        unit_row = session.get(Unit, unit)
        if unit_row is None:
            raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
        region = session.get(Region, unit_row.region_code)
        existing = Saving(idempotency_key=key, case_id=case_id, unit_id=unit, region_code=region.code,
                          city=region.city, warehouse_id=warehouse, category_code=category,
                          period=now.strftime("%Y-%m"), reference=_amount(reference, "reference"),
                          actual=_amount(actual, "actual"), note=note, recorded_at=now)
        nested = session.begin_nested()
        try:
            session.add(existing)
            session.flush()
            nested.commit()
        except IntegrityError as exc:
            nested.rollback()
            raise InvalidInputError("节支记录引用了不存在的仓库或类别", {"warehouse": warehouse,
                                                                     "category": category}) from exc
    saving = existing.reference - existing.actual
    return {"reference": money(existing.reference), "actual": money(existing.actual), "saving": money(saving),
            "rate": _rate(saving, existing.reference)}


def _rate(saving: Decimal, reference: Decimal) -> float | None:
    return None if not reference else round(float(saving / reference), 4)


def report(db, *, by: str = "unit", period_from: str | None = None, period_to: str | None = None) -> list[dict]:
    """Rows {key, reference, actual, saving, rate} per group, rate = Σsaving ÷ Σreference."""
    if by not in GROUPS:
        raise InvalidInputError(f"未知的汇总维度 {by!r}，可用: {', '.join(GROUPS)}")
    key = GROUPS[by]
    with session_of(db) as session:
        q = select(key, func.sum(Saving.reference), func.sum(Saving.actual), func.count()).group_by(key)
        if period_from:
            q = q.where(Saving.period >= period_from)
        if period_to:
            q = q.where(Saving.period <= period_to)
        rows = []
        for k, reference, actual, count in session.execute(q.order_by(key)).all():
            # sum() keeps the column's Money type, so the fen of SQLite come back as 元 already
            reference, actual = Decimal(str(reference or 0)), Decimal(str(actual or 0))
            saving = reference - actual
            rows.append({"key": k, "lines": count, "reference": money(reference), "actual": money(actual),
                         "saving": money(saving), "rate": _rate(saving, reference)})
        return rows
