"""市场服务采购 (DOMAIN §2(f)) steps 4-8: the order to the best-ranked supplier (a wh_service_orders row),
the supplier's answer within serviceOrder.supplierAccept (else the order is cancelled and offered to the
next-ranked supplier), delivery with proof, the unit's acceptance and rating, settlement at the deal price.
Savings are recorded by the `record_savings` operator from the settlement's figures; the purchase keeps
the greenFlag and LocalSpecialty (originRegion) flags for the reports below.

Functions work on the caller's open session and never commit. Refusal a process routes on:
NO_SUPPLIER_LEFT (nobody left to offer the order to).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, RefusalError

from . import service_orders
from .access import money, session_of
from .order_rules import DEFAULT_PURCHASE_RULES, PurchaseRules
from .order_tables import ServiceOffer, ServicePurchase, ServiceQuote
from .purchases import get
from .tables import ServiceOrder, Supplier

# The kind of service order a purchase of each catalogue column places.
ORDER_KIND = {"C07": "REPAIR", "C08": "LOGISTICS", "C09": "REPLENISH", "C10": "PURCHASE", "C11": "PURCHASE"}
CLOSING = ("REJECTED", "CANCELLED", "FORMAL_PROCUREMENT")


def _kind(session: Session, purchase: ServicePurchase) -> str:
    if purchase.category_code in ORDER_KIND:
        return ORDER_KIND[purchase.category_code]
    offer = session.get(ServiceOffer, purchase.offer_id) if purchase.offer_id else None
    return "RENTAL" if offer is not None and offer.new_price is not None else "OTHER"


def _quote(session: Session, purchase: ServicePurchase, state: str) -> ServiceQuote | None:
    return session.scalars(select(ServiceQuote).where(ServiceQuote.purchase_id == purchase.id,
                                                      ServiceQuote.state == state, ServiceQuote.rank.is_not(None))
                           .order_by(ServiceQuote.rank)).first()


def place_order(session: Session, *, key: str, purchase_id, now: datetime, case_id: str | None = None,
                rules: PurchaseRules = DEFAULT_PURCHASE_RULES) -> dict:
    """Order from the best-ranked supplier not yet asked; it has supplierAccept hours to accept."""
    purchase = get(session, purchase_id)
    offered = _quote(session, purchase, "OFFERED")
    attempts = session.scalar(select(func.count()).select_from(ServiceQuote).where(
        ServiceQuote.purchase_id == purchase.id, ServiceQuote.order_id.is_not(None)))
    while offered is None:
        candidate = _quote(session, purchase, "QUOTED")
        if candidate is None:
            raise RefusalError("没有可以接单的供应商了：排名内的供应商均未接单", code="NO_SUPPLIER_LEFT",
                               details={"purchase_id": purchase.id})
        try:
            order = service_orders.create(
                session, key=f"{key}:{candidate.supplier_id}", supplier=candidate.supplier_id, unit=purchase.unit_id,
                kind=_kind(session, purchase), category=purchase.category_code, now=now, case_id=case_id,
                description=f"市场服务采购 {purchase.id}：{purchase.description}", amount=candidate.amount,
                qty=purchase.qty, reference=purchase.reference, due_in_hours=rules.supplier_accept_hours)
        except RefusalError as exc:
            if exc.error_code != "SUPPLIER_NOT_ELIGIBLE":
                raise
            candidate.state, candidate.note = "NOT_ELIGIBLE", exc.message
            session.flush()
            continue
        candidate.state, candidate.order_id = "OFFERED", order["order_id"]
        offered = candidate
        attempts += 1
    row = session.get(ServiceOrder, offered.order_id)
    purchase.supplier_id, purchase.agreed_amount, purchase.order_id = offered.supplier_id, offered.amount, row.id
    purchase.status = "APPROVED"
    session.flush()
    deadline = row.due_at or (now + timedelta(hours=rules.supplier_accept_hours))
    return {"purchase_id": purchase.id, "order_id": row.id, "supplier_id": offered.supplier_id,
            "supplier_name": session.get(Supplier, offered.supplier_id).name, "amount": money(offered.amount),
            "rank": offered.rank, "attempt": attempts, "accept_deadline": deadline.isoformat()}


def supplier_response(session: Session, *, purchase_id, response: str, note: str = "", now: datetime) -> dict:
    """ACCEPT: the order is accepted and the purchase is being fulfilled. DECLINE or TIMED_OUT (no answer
    within the deadline): the order is cancelled; the next-ranked supplier is asked by place_order."""
    if response not in ("ACCEPT", "DECLINE", "TIMED_OUT"):
        raise InvalidInputError("供应商答复须为 ACCEPT、DECLINE 或 TIMED_OUT", {"response": response})
    purchase = get(session, purchase_id)
    quote = _quote(session, purchase, "OFFERED")
    if quote is None:                                        # a retried step: the answer is recorded
        done = session.scalars(select(ServiceQuote).where(ServiceQuote.purchase_id == purchase.id,
                                                          ServiceQuote.order_id.is_not(None))
                               .order_by(ServiceQuote.id.desc())).first()
        return _response(session, purchase, done)
    if response == "ACCEPT":
        service_orders.update(session, order_id=quote.order_id, status="ACCEPTED", now=now, note=note or None)
        quote.state, purchase.status = "ACCEPTED", "FULFILLING"
    else:
        reason = "供应商拒绝接单" if response == "DECLINE" else "供应商超时未接单，自动取消"
        service_orders.update(session, order_id=quote.order_id, status="CANCELLED", now=now,
                              note=f"{reason}{'：' + note if note else ''}")
        quote.state = "DECLINED" if response == "DECLINE" else "TIMED_OUT"
        purchase.order_id = None
    session.flush()
    return _response(session, purchase, quote)


def _response(session: Session, purchase: ServicePurchase, quote: ServiceQuote) -> dict:
    nxt = _quote(session, purchase, "QUOTED")
    return {"purchase_id": purchase.id, "supplier_id": quote.supplier_id, "order_id": quote.order_id,
            "state": quote.state, "next_supplier": nxt.supplier_id if nxt else None}


def record_delivery(session: Session, *, purchase_id, proof: str, amount=None, now: datetime) -> dict:
    """The supplier performed and uploaded proof (履约凭证): the order is DELIVERED."""
    purchase = get(session, purchase_id)
    if not str(proof or "").strip():
        raise InvalidInputError("须上传履约凭证")
    if purchase.order_id is None or purchase.status not in ("FULFILLING", "DELIVERED"):
        raise InvalidInputError(f"采购单 {purchase.id} 当前没有履行中的订单（{purchase.status}）")
    order = service_orders.update(session, order_id=purchase.order_id, status="DELIVERED", now=now, amount=amount,
                                  note="供应商已履约并上传凭证")
    purchase.proof, purchase.status = str(proof), "DELIVERED"
    if amount is not None:
        purchase.agreed_amount = session.get(ServiceOrder, purchase.order_id).amount
    session.flush()
    return {"purchase_id": purchase.id, "order_id": order["order_id"], "amount": order["amount"]}


def acceptance(session: Session, *, purchase_id, decision: str, rating=None, comment: str = "",
               auto: bool = False) -> dict:
    """The unit accepts and rates (1-5), or sends the work back (REWORK); automatic acceptance has no rating."""
    purchase = get(session, purchase_id)
    if decision not in ("ACCEPT", "REWORK"):
        raise InvalidInputError("验收结论须为 ACCEPT 或 REWORK", {"decision": decision})
    if decision == "REWORK":
        purchase.status = "FULFILLING"
    else:
        if not auto and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
            raise InvalidInputError("验收须评分 1-5 分", {"rating": rating})
        purchase.rating = None if auto else rating
        purchase.auto_accepted = bool(auto)
        purchase.status = "DELIVERED"
    purchase.rating_comment = str(comment or "")
    session.flush()
    return {"purchase_id": purchase.id, "decision": decision, "rating": purchase.rating,
            "auto_accepted": purchase.auto_accepted}


def settle(session: Session, *, purchase_id, deal_price, invoice_no: str, now: datetime) -> dict:
    """Settlement at the deal price (成交价): the order is SETTLED; the figures for the savings ledger."""
    purchase = get(session, purchase_id)
    if purchase.status not in ("DELIVERED", "CLOSED"):
        raise InvalidInputError(f"采购单 {purchase.id} 尚未验收（{purchase.status}）")
    if purchase.status == "DELIVERED":
        order = service_orders.update(session, order_id=purchase.order_id, status="SETTLED", now=now,
                                      amount=deal_price, note=f"发票 {invoice_no}")
        purchase.deal_price = session.get(ServiceOrder, order["order_id"]).settled_amount
        purchase.invoice_no, purchase.settled_at, purchase.status = str(invoice_no), now, "CLOSED"
        session.flush()
    saving = purchase.reference - purchase.deal_price
    return {"purchase_id": purchase.id, "unit": purchase.unit_id, "supplier_id": purchase.supplier_id,
            "category": purchase.category_code, "reference": money(purchase.reference),
            "deal_price": money(purchase.deal_price), "saving": money(saving),
            "rate": round(float(saving / purchase.reference), 4) if purchase.reference else None,
            "green_flag": purchase.green_flag, "local_specialty": purchase.local_specialty,
            "origin_region": purchase.origin_region,
            "note": f"市场服务采购 {purchase.id}：{purchase.description}"[:500]}


def close(session: Session, *, purchase_id, status: str, note: str = "", now: datetime) -> dict:
    """End a purchase without settlement: REJECTED (unit head), CANCELLED (no quotes or no supplier left),
    FORMAL_PROCUREMENT (above the government-procurement limit: procured outside the platform)."""
    if status not in CLOSING:
        raise InvalidInputError(f"只能以 {'/'.join(CLOSING)} 结束采购单", {"status": status})
    purchase = get(session, purchase_id)
    if purchase.order_id is not None:
        row = session.get(ServiceOrder, purchase.order_id)
        if row.status in ("SUBMITTED", "ACCEPTED"):
            service_orders.update(session, order_id=row.id, status="CANCELLED", now=now, note=note or None)
    if status == "FORMAL_PROCUREMENT":
        purchase.route = "FORMAL_PROCUREMENT"
    purchase.status = status
    purchase.note = str(note or "")
    session.flush()
    return {"purchase_id": purchase.id, "status": purchase.status}


# ------------------------------------------------------------------ read side
def purchase_view(db, purchase_id) -> dict:
    from .purchases import _ranking, describe
    with session_of(db) as session:
        p = get(session, purchase_id)
        view = describe(session, p)
        view.pop("rules")
        view.update({"route": p.route, "supplier_id": p.supplier_id, "order_id": p.order_id,
                     "agreed_amount": money(p.agreed_amount) if p.agreed_amount is not None else None,
                     "deal_price": money(p.deal_price) if p.deal_price is not None else None,
                     "rating": p.rating, "auto_accepted": p.auto_accepted, "proof": p.proof,
                     "invoice_no": p.invoice_no, "note": p.note, "ranking": _ranking(session, p)})
        return view


def flag_report(db, *, period_from: str | None = None, period_to: str | None = None) -> dict:
    """Settled purchases flagged green (节约型机关 green report) and LocalSpecialty by originRegion (乡村振兴):
    count, Σ deal price, Σ reference, Σ saving; periods are YYYY-MM of settlement."""
    with session_of(db) as session:
        q = select(ServicePurchase).where(ServicePurchase.status == "CLOSED").order_by(ServicePurchase.id)
        rows = [p for p in session.scalars(q)
                if (not period_from or p.settled_at.strftime("%Y-%m") >= period_from)
                and (not period_to or p.settled_at.strftime("%Y-%m") <= period_to)]

        def total(items):
            deal = sum((p.deal_price for p in items), start=0)
            ref = sum((p.reference for p in items), start=0)
            return {"count": len(items), "dealPrice": money(deal), "reference": money(ref),
                    "saving": money(ref - deal)}
        by_origin: dict[str, list] = {}
        for p in rows:
            if p.local_specialty:
                by_origin.setdefault(p.origin_region or "未注明", []).append(p)
        return {"green": total([p for p in rows if p.green_flag]),
                "localSpecialty": [{"originRegion": k, **total(v)} for k, v in sorted(by_origin.items())]}


def supplier_ratings(db) -> list[dict]:
    """Average rating per supplier over accepted purchases (for the yearly dynamic management)."""
    with session_of(db) as session:
        q = (select(ServicePurchase.supplier_id, func.avg(ServicePurchase.rating), func.count())
             .where(ServicePurchase.rating.is_not(None)).group_by(ServicePurchase.supplier_id)
             .order_by(ServicePurchase.supplier_id))
        return [{"supplier": s, "averageRating": round(float(avg), 2), "ratings": n}
                for s, avg, n in session.execute(q)]
