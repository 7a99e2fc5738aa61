"""市场服务采购 (market service purchase, DOMAIN §2(f)) steps 1-3: a need priced against its reference
(temporary need ≤ 3 months: market rental or service price; permanent: new-purchase price; a need not in
the catalogue: the budget the unit declares), then a supplier ranking: the listed offer for a direct order,
or a quote round (≥ min_quotes quotes from suppliers serving the category and the unit's city, the lowest
compliant one wins). Ordering, acceptance and settlement are in `warehouse.purchase_orders`.

Functions work on the caller's open session and never commit. Refusals a process routes on
(RefusalError): NEED_INVALID, QUOTES_INSUFFICIENT.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFoundError, RefusalError

from .access import money
from .deposit_ledger import add_months
from .order_rules import DEFAULT_PURCHASE_RULES, PurchaseRules
from .order_tables import ServiceOffer, ServicePurchase, ServiceQuote
from .tables import Category, Region, Supplier, Unit

GREEN_CATEGORY, LOCAL_SPECIALTY_CATEGORY = "C10", "C11"


def get(session: Session, purchase_id) -> ServicePurchase:
    purchase = session.get(ServicePurchase, int(purchase_id)) if purchase_id is not None else None
    if purchase is None:
        raise NotFoundError(f"采购单 {purchase_id} 不存在", {"purchase_id": purchase_id})
    return purchase


def city_of(session: Session, unit_id: str) -> str:
    return session.get(Region, session.get(Unit, unit_id).region_code).city


def eligible_suppliers(session: Session, category: str, city: str) -> list[Supplier]:
    """Suppliers admitted for the category whose service region includes the city (the same rule that
    service_orders.create enforces)."""
    return [s for s in session.scalars(select(Supplier).order_by(Supplier.id))
            if category in (s.categories or []) and (not s.regions or city in s.regions)]


def _refuse(message: str, **details):
    raise RefusalError(message, code="NEED_INVALID", details=details)


def _amount(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _refuse(f"{name} 必须是金额（元）", field=name)
    if not amount.is_finite() or amount <= 0:
        _refuse(f"{name} 必须是正数金额（元）", field=name)
    return amount.quantize(Decimal("0.01"))


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _refuse(f"{name} 必须是正整数", field=name)
    return value


def _day(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        _refuse(f"{name} 须为日期（如 2026-03-10）", field=name)


def price_need(session: Session, *, key: str, unit: str, now: datetime, case_id: str | None = None,
               offer_id: str | None = None, category: str | None = None, description: str = "", qty=1, periods=1,
               start_date=None, end_date=None, permanent: bool = False, budget=None, canteen: bool = False,
               rules: PurchaseRules = DEFAULT_PURCHASE_RULES) -> dict:
    """Record the need with its reference price and flags (greenFlag, LocalSpecialty + originRegion)."""
    done = session.scalar(select(ServicePurchase).where(ServicePurchase.idempotency_key == key))
    if done is not None:
        return describe(session, done, rules)
    if session.get(Unit, unit) is None:
        raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
    qty, periods = _count(qty, "数量 qty"), _count(periods or 1, "租期 periods")
    start, end = _day(start_date, "开始日期"), _day(end_date, "结束日期")
    if start and end and end < start:
        _refuse("结束日期不能早于开始日期", field="endDate")
    long_need = bool(start and end and end > add_months(start, rules.temporary_need_max_months))
    need_kind = "PERMANENT" if permanent or long_need else "TEMPORARY"
    offer = None
    if offer_id:
        offer = session.get(ServiceOffer, offer_id)
        if offer is None or not offer.active:
            _refuse(f"市场服务目录中没有 {offer_id}", field="offerId")
        category = offer.category_code
        city = city_of(session, unit)
        if offer.supplier_id not in {s.id for s in eligible_suppliers(session, category, city)}:
            _refuse(f"{offer.name} 的供应商不在{city}提供服务", field="offerId", city=city)
        estimate = offer.unit_price * qty * periods
        if need_kind == "PERMANENT" and offer.new_price is not None:
            basis, reference = "NEW_PURCHASE", offer.new_price * qty
        else:
            basis, reference = "MARKET", offer.market_price * qty * periods
        uom = offer.uom
    else:
        if not category or session.get(Category, category) is None:
            _refuse("目录外需求须选择服务类别", field="category")
        if not str(description or "").strip():
            _refuse("目录外需求须说明需求内容", field="description")
        if budget in (None, ""):
            _refuse("目录外需求须申报预算（作为参考价）", field="budget")
        basis, reference = "BUDGET", _amount(budget, "预算")
        estimate, uom = reference, "项"
    local = category == LOCAL_SPECIALTY_CATEGORY
    if local and not canteen:
        _refuse("名优特产品仅供机关食堂采购，请由食堂单位申报", field="canteen")
    origin = offer.origin_region if offer else None
    purchase = ServicePurchase(
        idempotency_key=key, case_id=case_id, unit_id=unit, offer_id=offer.id if offer else None,
        category_code=category, description=str(description or (offer.name if offer else "")), qty=qty, uom=uom,
        periods=periods, need_kind=need_kind, reference_basis=basis, reference=reference, estimate=estimate,
        status="SUBMITTED", green_flag=bool((offer and offer.green) or category == GREEN_CATEGORY),
        local_specialty=local, origin_region=origin, created_at=now)
    session.add(purchase)
    session.flush()
    return describe(session, purchase, rules)


def describe(session: Session, p: ServicePurchase, rules: PurchaseRules = DEFAULT_PURCHASE_RULES) -> dict:
    offer = session.get(ServiceOffer, p.offer_id) if p.offer_id else None
    return {"purchase_id": p.id, "unit": p.unit_id, "city": city_of(session, p.unit_id),
            "category": p.category_code, "offer_id": p.offer_id,
            "offer_supplier": offer.supplier_id if offer else None, "description": p.description,
            "qty": p.qty, "uom": p.uom, "periods": p.periods, "need_kind": p.need_kind,
            "reference_basis": p.reference_basis, "reference": money(p.reference), "estimate": money(p.estimate),
            "listed": offer is not None, "green_flag": p.green_flag, "local_specialty": p.local_specialty,
            "origin_region": p.origin_region, "status": p.status, "rules": rules.for_case()}


def _ranking(session: Session, purchase: ServicePurchase) -> list[dict]:
    quotes = session.scalars(select(ServiceQuote).where(ServiceQuote.purchase_id == purchase.id)
                             .order_by(ServiceQuote.rank.is_(None), ServiceQuote.rank, ServiceQuote.id))
    return [{"supplierId": q.supplier_id, "name": session.get(Supplier, q.supplier_id).name,
             "amount": money(q.amount), "compliant": q.compliant, "rank": q.rank, "state": q.state}
            for q in quotes]


def _award(session: Session, purchase: ServicePurchase) -> dict:
    first = session.scalar(select(ServiceQuote).where(ServiceQuote.purchase_id == purchase.id,
                                                      ServiceQuote.rank == 1))
    purchase.supplier_id, purchase.agreed_amount = first.supplier_id, first.amount
    session.flush()
    saving = purchase.reference - first.amount
    return {"purchase_id": purchase.id, "route": purchase.route, "supplier_id": first.supplier_id,
            "supplier_name": session.get(Supplier, first.supplier_id).name, "amount": money(first.amount),
            "reference": money(purchase.reference), "expected_saving": money(saving),
            "ranking": _ranking(session, purchase)}


def award_direct(session: Session, *, purchase_id) -> dict:
    """Direct order at the listed price: the chosen offer first, then the other listed offers of the same
    category whose suppliers serve the unit's city, cheapest first (who is asked if a supplier does not
    accept)."""
    purchase = get(session, purchase_id)
    if purchase.offer_id is None:
        raise RefusalError("目录外需求没有挂牌价，须询价", code="QUOTES_REQUIRED", details={"purchase_id": purchase.id})
    if purchase.route == "DIRECT":
        return _award(session, purchase)
    chosen = session.get(ServiceOffer, purchase.offer_id)
    city = city_of(session, purchase.unit_id)
    serving = {s.id for s in eligible_suppliers(session, purchase.category_code, city)}
    others = session.scalars(select(ServiceOffer).where(ServiceOffer.category_code == purchase.category_code,
                                                        ServiceOffer.active.is_(True),
                                                        ServiceOffer.id != chosen.id)
                             .order_by(ServiceOffer.unit_price, ServiceOffer.id))
    ranked, seen = [chosen], {chosen.supplier_id}
    for offer in others:
        if offer.supplier_id in serving and offer.supplier_id not in seen and offer.uom == chosen.uom:
            ranked.append(offer)
            seen.add(offer.supplier_id)
    for rank, offer in enumerate(ranked, start=1):
        session.add(ServiceQuote(purchase_id=purchase.id, supplier_id=offer.supplier_id, rank=rank,
                                 amount=offer.unit_price * purchase.qty * purchase.periods, state="QUOTED",
                                 note=f"目录挂牌价 {offer.id} {money(offer.unit_price)} 元/{offer.uom}"))
    purchase.route = "DIRECT"
    session.flush()
    return _award(session, purchase)


def open_quote_round(session: Session, *, purchase_id, min_quotes: int) -> dict:
    """Start a quote round (询价): refused when fewer suppliers than min_quotes serve the category and city."""
    purchase = get(session, purchase_id)
    city = city_of(session, purchase.unit_id)
    suppliers = eligible_suppliers(session, purchase.category_code, city)
    listed = [{"id": s.id, "name": s.name, "priceTerms": s.price_terms} for s in suppliers]
    if len(suppliers) < int(min_quotes):
        raise RefusalError(f"{city}提供该类服务（{purchase.category_code}）的入驻供应商只有 {len(suppliers)} 家，"
                           f"不足 {min_quotes} 家，无法在平台询价", code="QUOTES_INSUFFICIENT",
                           details={"suppliers": listed, "min_quotes": min_quotes})
    purchase.route, purchase.status = "QUOTES", "QUOTING"
    session.flush()
    return {"purchase_id": purchase.id, "city": city, "suppliers": listed, "min_quotes": int(min_quotes)}


def award_quotes(session: Session, *, purchase_id, quotes, min_quotes: int) -> dict:
    """Rank the round's quotes: compliant ones by amount (ties by supplier id); the lowest wins. Refused
    (QUOTES_INSUFFICIENT) with fewer than min_quotes compliant quotes from eligible suppliers."""
    purchase = get(session, purchase_id)
    city = city_of(session, purchase.unit_id)
    serving = {s.id for s in eligible_suppliers(session, purchase.category_code, city)}
    problems, valid, seen = [], [], set()
    for q in quotes if isinstance(quotes, list) else []:
        supplier = q.get("supplierId") if isinstance(q, dict) else None
        if supplier not in serving:
            problems.append(f"{supplier} 不是{city}该类服务的入驻供应商")
            continue
        if supplier in seen:
            problems.append(f"{supplier} 重复报价")
            continue
        seen.add(supplier)
        try:
            amount = Decimal(str(q.get("amount")))
        except (InvalidOperation, ValueError):
            amount = Decimal(-1)
        if not amount.is_finite() or amount <= 0:
            problems.append(f"{supplier} 的报价金额无效")
            continue
        valid.append((supplier, amount.quantize(Decimal("0.01")), q.get("compliant", True) is not False,
                      str(q.get("note") or "")))
    compliant = sorted((v for v in valid if v[2]), key=lambda v: (v[1], v[0]))
    if len(compliant) < int(min_quotes):
        problems.append(f"有效报价 {len(compliant)} 家，不足 {min_quotes} 家")
    if problems:
        raise RefusalError("询价结果不符合要求：" + "；".join(problems), code="QUOTES_INSUFFICIENT",
                           details={"problems": problems, "min_quotes": min_quotes})
    for old in session.scalars(select(ServiceQuote).where(ServiceQuote.purchase_id == purchase.id)):
        session.delete(old)
    session.flush()
    rank = {v[0]: i for i, v in enumerate(compliant, start=1)}
    for supplier, amount, ok, note in valid:
        session.add(ServiceQuote(purchase_id=purchase.id, supplier_id=supplier, amount=amount, compliant=ok,
                                 rank=rank.get(supplier), state="QUOTED" if ok else "NON_COMPLIANT", note=note))
    purchase.route = "QUOTES"
    session.flush()
    return _award(session, purchase)


def offers(db, *, category: str | None = None, unit: str | None = None) -> list[dict]:
    """The service catalogue (市场服务目录): listed offers, cheapest first within a category; with `unit`,
    only offers whose supplier serves that unit's city (what a direct order can reach)."""
    from .access import session_of
    with session_of(db) as session:
        q = select(ServiceOffer).where(ServiceOffer.active.is_(True)).order_by(
            ServiceOffer.category_code, ServiceOffer.unit_price, ServiceOffer.id)
        if category:
            q = q.where(ServiceOffer.category_code == category)
        serving = None
        if unit:
            if session.get(Unit, unit) is None:
                raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
            city = city_of(session, unit)
            serving = {s.id for c in {o.category_code for o in session.scalars(q)}
                       for s in eligible_suppliers(session, c, city)}
        return [{"offerId": o.id, "supplierId": o.supplier_id, "supplierName": session.get(Supplier, o.supplier_id).name,
                 "category": o.category_code, "name": o.name, "uom": o.uom, "unitPrice": money(o.unit_price),
                 "marketPrice": money(o.market_price),
                 "newPrice": money(o.new_price) if o.new_price is not None else None, "green": o.green,
                 "originRegion": o.origin_region}
                for o in session.scalars(q) if serving is None or o.supplier_id in serving]
