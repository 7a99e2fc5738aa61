"""服务订单 (service orders, DOMAIN §(f)): what a process orders from a supplier — logistics and
installation for a loan, a repair charged to a borrower, moving for a deposit, replenishment of
emergency stock. An order is refused (RefusalError SUPPLIER_NOT_ELIGIBLE) when the supplier does not
serve the order's category or the unit's city; its status moves SUBMITTED → ACCEPTED → DELIVERED →
SETTLED, or CANCELLED before settlement. Writing is idempotent per step run."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from engine.errors import InvalidInputError, NotFoundError, RefusalError

from .access import money, session_of
from .tables import ORDER_KINDS, ORDER_STATUSES, Region, ServiceOrder, Supplier, Unit

# The catalogue column (专栏) an order of each kind belongs to, unless the step names one.
KIND_CATEGORY = {"LOGISTICS": "C08", "MOVING": "C08", "INSTALL": "C04", "REPAIR": "C07", "REPLENISH": "C09"}
NEXT = {"SUBMITTED": {"ACCEPTED", "CANCELLED"}, "ACCEPTED": {"DELIVERED", "CANCELLED"},
        "DELIVERED": {"SETTLED"}, "SETTLED": set(), "CANCELLED": set()}


def _money(value, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInputError(f"{name} 必须是金额（元）", {name: value}) from exc
    if not amount.is_finite() or amount < 0:
        raise InvalidInputError(f"{name} 必须是非负金额（元）", {name: value})
    return amount.quantize(Decimal("0.01"))


def create(session, *, key: str, supplier: str, unit: str, kind: str, now: datetime, case_id: str | None = None,
           description: str = "", amount=None, unit_price=None, qty: int = 1, reference=None,
           charged_to: str | None = None, category: str | None = None, due_in_hours: float | None = None) -> dict:
    existing = session.scalar(select(ServiceOrder).where(ServiceOrder.idempotency_key == key))
    if existing is not None:
        return _row(existing)
    if kind not in ORDER_KINDS:
        raise InvalidInputError(f"订单类型 {kind!r} 无效，可选 {', '.join(ORDER_KINDS)}", {"kind": kind})
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise InvalidInputError("数量必须是正整数", {"qty": qty})
    supplier_row = session.get(Supplier, supplier)
    unit_row = session.get(Unit, unit)
    if unit_row is None:
        raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
    if charged_to is not None and session.get(Unit, charged_to) is None:
        raise NotFoundError(f"承担费用的单位 {charged_to} 不存在", {"charged_to": charged_to})
    category = category or KIND_CATEGORY.get(kind)
    city = session.get(Region, unit_row.region_code).city
    if supplier_row is None:
        raise RefusalError(f"供应商 {supplier} 未入驻公物仓平台", code="SUPPLIER_NOT_ELIGIBLE",
                           details={"supplier": supplier})
    if category and category not in (supplier_row.categories or []):
        raise RefusalError(f"{supplier_row.name} 不提供该类服务（{category}）", code="SUPPLIER_NOT_ELIGIBLE",
                           details={"supplier": supplier, "category": category})
    if supplier_row.regions and city not in supplier_row.regions:
        raise RefusalError(f"{supplier_row.name} 的服务区域不含{city}", code="SUPPLIER_NOT_ELIGIBLE",
                           details={"supplier": supplier, "city": city})
    price = _money(unit_price, "unit_price")
    total = _money(amount, "amount")
    if total is None and price is not None:
        total = price * qty
    order = ServiceOrder(idempotency_key=key, case_id=case_id, unit_id=unit, supplier_id=supplier, kind=kind,
                         category_code=category, description=str(description or ""), qty=qty, unit_price=price,
                         amount=total, reference=_money(reference, "reference"), charged_to=charged_to,
                         status="SUBMITTED", created_at=now, updated_at=now,
                         due_at=now + timedelta(hours=float(due_in_hours)) if due_in_hours else None)
    session.add(order)
    session.flush()
    return _row(order)


def update(session, *, order_id: int, status: str, now: datetime, amount=None, note: str | None = None) -> dict:
    """Move an order on. Repeating the current status is a no-op (a retried step); SETTLED records the
    settled amount (default: the agreed amount)."""
    order = session.get(ServiceOrder, int(order_id))
    if order is None:
        raise NotFoundError(f"服务订单 {order_id} 不存在", {"order_id": order_id})
    if status not in ORDER_STATUSES:
        raise InvalidInputError(f"订单状态 {status!r} 无效，可选 {', '.join(ORDER_STATUSES)}", {"status": status})
    if status != order.status:
        if status not in NEXT[order.status]:
            raise RefusalError(f"订单 {order.id} 当前为 {order.status}，不能改为 {status}", code="ORDER_STATE",
                               details={"order_id": order.id, "status": order.status, "wanted": status})
        order.status = status
        if status == "SETTLED":
            order.settled_amount = _money(amount, "amount") if amount is not None else order.amount
        elif amount is not None:
            order.amount = _money(amount, "amount")
        order.updated_at = now
    if note:
        order.note = (order.note + "\n" if order.note else "") + str(note)
    session.flush()
    return _row(order)


def orders(db, *, case_id: str | None = None, unit: str | None = None, supplier: str | None = None,
           units: set[str] | None = None, suppliers: set[str] | None = None) -> list[dict]:
    """Orders, oldest first; `units`/`suppliers` (when given) restrict to what the reader may see."""
    q = select(ServiceOrder).order_by(ServiceOrder.id)
    if case_id:
        q = q.where(ServiceOrder.case_id == case_id)
    if unit:
        q = q.where((ServiceOrder.unit_id == unit) | (ServiceOrder.charged_to == unit))
    if supplier:
        q = q.where(ServiceOrder.supplier_id == supplier)
    if units is not None or suppliers is not None:
        units, suppliers = sorted(units or ()), sorted(suppliers or ())
        q = q.where(ServiceOrder.unit_id.in_(units) | ServiceOrder.charged_to.in_(units)
                    | ServiceOrder.supplier_id.in_(suppliers))
    with session_of(db) as s:
        return [_row(o) for o in s.scalars(q)]


def _opt(value):
    return None if value is None else money(value)


def _row(o: ServiceOrder) -> dict:
    return {"order_id": o.id, "case_id": o.case_id, "unit": o.unit_id, "supplier": o.supplier_id, "kind": o.kind,
            "category": o.category_code, "description": o.description, "qty": o.qty,
            "unit_price": _opt(o.unit_price), "amount": _opt(o.amount), "reference": _opt(o.reference),
            "settled_amount": _opt(o.settled_amount), "charged_to": o.charged_to, "status": o.status,
            "created_at": o.created_at.isoformat(), "updated_at": o.updated_at.isoformat(),
            "due_at": o.due_at.isoformat() if o.due_at else None, "note": o.note}


SEE_ALL = ("MANAGER", "ADMIN", "AUDITOR", "CENTER_OPERATOR")


def visible_to(principal) -> tuple[set[str] | None, set[str] | None]:
    """(units, suppliers) whose orders this user may read; (None, None) means every order. A supplier's
    user (SUPPLIER@S07) sees that supplier's orders; other scoped grants (UNIT_CLERK@U07) their unit's."""
    if any(role in SEE_ALL and scope is None for role, scope in principal.grants):
        return None, None
    units = {scope for role, scope in principal.grants if scope and role != "SUPPLIER"}
    suppliers = {scope for role, scope in principal.grants if scope and role == "SUPPLIER"}
    return units, suppliers
