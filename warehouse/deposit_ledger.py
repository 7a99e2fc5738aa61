"""The units' asset ledger (资产卡片, as synced from the 预算管理一体化系统) and the duty to deposit:
idle ≥ idleDepositTrigger months [V4], and a dissolved temporary body's assets due back within
tempBodyReturnDeadline days. Also loads the demo rows of this area (cards, dissolutions, service offers).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFoundError

from .access import money, session_of
from .order_rules import DEFAULT_DEPOSIT_RULES, DepositRules
from .order_tables import ServiceOffer, UnitAssetCard, UnitDissolution
from .tables import Unit


def load_demo(db) -> dict[str, int]:
    """Insert this area's demo rows (DOMAIN §3 plus the lists in warehouse/data/chengdu.py) that are
    missing; idempotent. Takes a Database (own unit of work) or an open Session."""
    from .data import chengdu as D
    if isinstance(db, Session):
        return _load(db, D)
    with db.unit_of_work() as session:
        return _load(session, D)


def _load(session: Session, D) -> dict[str, int]:
    added = {"cards": 0, "dissolutions": 0, "offers": 0}
    for (unit, card_no, cat, name, spec, qty, uom, original, net, bought, location, secret,
         idle) in getattr(D, "UNIT_ASSET_CARDS", []):
        if session.scalar(select(UnitAssetCard.id).where(UnitAssetCard.unit_id == unit,
                                                         UnitAssetCard.card_no == card_no)) is None:
            session.add(UnitAssetCard(unit_id=unit, card_no=card_no, category_code=cat, name=name, spec=spec,
                                      qty=qty, uom=uom, original_value=Decimal(original), net_value=Decimal(net),
                                      purchase_date=date.fromisoformat(bought), location=location,
                                      secret_flag=secret, on_books=True,
                                      idle_since=date.fromisoformat(idle) if idle else None,
                                      status="IDLE" if idle else "IN_USE"))
            added["cards"] += 1
    for unit, day, reason in getattr(D, "UNIT_DISSOLUTIONS", []):
        if session.get(UnitDissolution, unit) is None:
            session.add(UnitDissolution(unit_id=unit, dissolved_on=date.fromisoformat(day), reason=reason))
            added["dissolutions"] += 1
    for oid, supplier, cat, name, uom, price, market, new, green, origin in getattr(D, "SERVICE_OFFERS", []):
        if session.get(ServiceOffer, oid) is None:
            session.add(ServiceOffer(id=oid, supplier_id=supplier, category_code=cat, name=name, uom=uom,
                                     unit_price=Decimal(price), market_price=Decimal(market),
                                     new_price=Decimal(new) if new is not None else None, green=green,
                                     origin_region=origin))
            added["offers"] += 1
    session.flush()
    return added


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (2025-08-31 + 6 = 2026-02-28)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def return_deadline(session: Session, unit: str, rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> date | None:
    """The day a dissolved temporary body must have handed its assets in by (None: no such duty)."""
    dissolution = session.get(UnitDissolution, unit)
    if dissolution is None:
        return None
    return dissolution.dissolved_on + timedelta(days=rules.temp_body_return_days)


def card(session: Session, unit: str, card_no: str) -> UnitAssetCard | None:
    return session.scalar(select(UnitAssetCard).where(UnitAssetCard.unit_id == unit,
                                                      UnitAssetCard.card_no == card_no))


def idle_due(card_row: UnitAssetCard, today: date, rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> bool:
    return card_row.idle_since is not None and add_months(card_row.idle_since,
                                                          rules.idle_deposit_trigger_months) <= today


def deposit_duties(db, *, today: date, unit: str | None = None,
                   rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> list[dict]:
    """Per unit, the cards it must hand in (idle ≥ idleDepositTrigger, or every idle card of a dissolved
    temporary body) and by when. Cards already declared or deposited are not listed."""
    with session_of(db) as session:
        q = select(UnitAssetCard).where(UnitAssetCard.status == "IDLE", UnitAssetCard.on_books.is_(True))
        if unit:
            if session.get(Unit, unit) is None:
                raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
            q = q.where(UnitAssetCard.unit_id == unit)
        by_unit: dict[str, dict] = {}
        for c in session.scalars(q.order_by(UnitAssetCard.unit_id, UnitAssetCard.card_no)):
            deadline = return_deadline(session, c.unit_id, rules)
            if deadline is None and not idle_due(c, today, rules):
                continue
            entry = by_unit.setdefault(c.unit_id, {
                "unit": c.unit_id, "unitName": session.get(Unit, c.unit_id).name,
                "returnDeadline": deadline.isoformat() if deadline else None,
                "overdue": bool(deadline and deadline < today), "cards": []})
            due_by = deadline or add_months(c.idle_since, rules.idle_deposit_trigger_months)
            entry["cards"].append({"cardNo": c.card_no, "name": c.name, "qty": c.qty,
                                   "originalValue": money(c.original_value),
                                   "idleSince": c.idle_since.isoformat() if c.idle_since else None,
                                   "trigger": "TEMP_BODY_DISSOLVED" if deadline else "IDLE_6_MONTHS",
                                   "dueBy": due_by.isoformat()})
        return list(by_unit.values())


def ledger(db, unit: str) -> list[dict]:
    """The unit's cards as the clerk picks them for a declaration."""
    with session_of(db) as session:
        if session.get(Unit, unit) is None:
            raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
        rows = session.scalars(select(UnitAssetCard).where(UnitAssetCard.unit_id == unit)
                               .order_by(UnitAssetCard.card_no))
        return [card_dict(c) for c in rows]


def card_dict(c: UnitAssetCard) -> dict:
    return {"cardNo": c.card_no, "categoryCode": c.category_code, "name": c.name, "spec": c.spec, "qty": c.qty,
            "uom": c.uom, "originalValue": money(c.original_value), "netValue": money(c.net_value),
            "purchaseDate": c.purchase_date.isoformat(), "location": c.location, "secretFlag": c.secret_flag,
            "onBooks": c.on_books, "status": c.status,
            "idleSince": c.idle_since.isoformat() if c.idle_since else None}
