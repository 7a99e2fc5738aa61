"""Suppliers, their 三定点 designations and the partner cities' recognitions (DOMAIN §2(d)).

Cities are the fiscal cities 成都/德阳/眉山/资阳; `resolve_city` also accepts 成都市, a region code (CD, WH)
or a region name (武侯区 -> 成都).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError

from .access import session_of
from .tables import SERVICES, Designation, Recognition, Region, Supplier

SERVICE_NAMES = {"REPAIR": "定点维修", "FUEL": "定点加油", "INSURANCE": "定点保险"}


def resolve_city(session: Session, city: str) -> str:
    region = session.get(Region, city) or session.scalar(select(Region).where(Region.name == city))
    if region is not None:
        return region.city
    return city.removesuffix("市")


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InvalidInputError(f"日期格式不正确：{value}", {"date": value}) from exc


def suppliers(db, city: str | None = None) -> list[dict]:
    """Suppliers (all, or those serving `city`), each with its designations and recognitions.

    With a city, `cityStatus` says how the supplier stands there: DESIGNATED (designated by the city),
    RECOGNISED (designated elsewhere, recognised by the city) or LISTED (serves the city's region only).
    Terms are not checked against a date here: use `is_designated_or_recognised` for that."""
    with session_of(db) as session:
        designations: dict[str, list[Designation]] = {}
        for d in session.scalars(select(Designation).order_by(Designation.id)):
            designations.setdefault(d.supplier_id, []).append(d)
        recognitions: dict[str, list[Recognition]] = {}
        for r in session.scalars(select(Recognition).order_by(Recognition.id)):
            recognitions.setdefault(r.supplier_id, []).append(r)
        wanted = resolve_city(session, city) if city else None
        result = []
        for s in session.scalars(select(Supplier).order_by(Supplier.id)):
            own = designations.get(s.id, [])
            recs = recognitions.get(s.id, [])
            status = None
            if wanted:
                if any(d.designated_by == wanted for d in own):
                    status = "DESIGNATED"
                elif any(r.recognized_by == wanted for r in recs):
                    status = "RECOGNISED"
                elif wanted in s.regions:
                    status = "LISTED"
                else:
                    continue
            result.append({
                "id": s.id, "name": s.name, "categories": s.categories, "regions": s.regions,
                "priceTerms": s.price_terms, "contractReserve": s.contract_reserve, "product": s.product,
                "canteenDelivery": s.canteen_delivery,
                "designations": [{"service": d.service, "designatedBy": d.designated_by,
                                  "termStart": d.term_start.isoformat(), "termEnd": d.term_end.isoformat(),
                                  "outlets": d.outlets} for d in own],
                "recognisedBy": [{"city": r.recognized_by, "fromCity": r.from_city,
                                  "validUntil": r.valid_until.isoformat()} for r in recs],
                **({"cityStatus": status} if wanted else {})})
        return result


def is_designated_or_recognised(db, supplier_id: str, city: str, service: str, on_date) -> tuple[bool, str]:
    """Was the supplier designated by, or recognised for, `city` for `service` on `on_date`?

    An unknown supplier (a roadside shop) is simply not designated: (False, reason)."""
    if service not in SERVICES:
        raise InvalidInputError(f"服务类型应为 {'/'.join(SERVICES)}：{service}", {"service": service})
    day = _as_date(on_date)
    label = SERVICE_NAMES[service]
    with session_of(db) as session:
        city_name = resolve_city(session, city)
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            return False, f"供应商 {supplier_id} 未在平台登记，不是{city_name}的{label}供应商"
        name = f"{supplier.id} {supplier.name}"
        own = list(session.scalars(select(Designation).where(
            Designation.supplier_id == supplier.id, Designation.service == service,
            Designation.designated_by == city_name).order_by(Designation.term_start)))
        for d in own:
            if d.term_start <= day <= d.term_end:
                return True, (f"{name} 为{city_name}{label}供应商"
                              f"（合同期 {d.term_start.isoformat()} 至 {d.term_end.isoformat()}）")
        recognised = session.execute(
            select(Recognition, Designation).join(Designation, Designation.id == Recognition.designation_id)
            .where(Recognition.supplier_id == supplier.id, Recognition.recognized_by == city_name,
                   Designation.service == service)).all()
        for r, d in recognised:
            if d.term_start <= day <= min(d.term_end, r.valid_until):
                return True, (f"{name} 为{r.from_city}{label}供应商，经{city_name}互认"
                              f"（有效期至 {min(d.term_end, r.valid_until).isoformat()}）")
        if own:
            last = own[-1]
            if day > last.term_end:
                return False, f"{name} 的{city_name}{label}合同已于 {last.term_end.isoformat()} 到期"
            return False, f"{name} 的{city_name}{label}合同自 {last.term_start.isoformat()} 起生效，当日尚未生效"
        if recognised:
            end = max(min(d.term_end, r.valid_until) for r, d in recognised)
            return False, f"{name} 在{city_name}的{label}互认有效期至 {end.isoformat()}，当日不在有效期内"
        return False, f"{name} 不是{city_name}的{label}定点或互认供应商"
