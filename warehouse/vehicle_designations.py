"""三定点 part 1, designation (DOMAIN §2(d) steps 1-3): a city's vehicle authority defines lots, records the
winners of the tender held outside the platform, and publishes the 定点名录. Publishing is what makes a
winner designated: it writes the `wh_designations` row that every date check reads.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from .access import session_of
from .suppliers import SERVICE_NAMES
from .tables import SERVICES, Designation, Recognition, Supplier
from .vehicle_tables import DesignationAward, VehicleLot
from .vehicles import CITIES, city_of, date_of, iso, local_day


def _city(session: Session, city: str) -> str:
    name = city_of(session, city or "")
    if name not in CITIES:
        raise RefusalError(f"不认识的城市：{city}（应为 {'、'.join(CITIES)} 之一）", code="CITY_UNKNOWN",
                           details={"city": city})
    return name


def _term(start, end, what: str) -> tuple[date, date]:
    begin, finish = date_of(start, f"{what}开始日期"), date_of(end, f"{what}结束日期")
    if finish < begin:
        raise RefusalError(f"{what}结束日期 {finish} 早于开始日期 {begin}", code="TERM_INVALID",
                           details={"termStart": iso(begin), "termEnd": iso(finish)})
    return begin, finish


def lot_dict(lot: VehicleLot) -> dict:
    return {"lotId": lot.id, "city": lot.city, "service": lot.service, "serviceName": SERVICE_NAMES[lot.service],
            "title": lot.title, "region": lot.region, "termStart": iso(lot.term_start), "termEnd": iso(lot.term_end),
            "status": lot.status}


def define_lots(session: Session, *, city: str, lots: list[dict], now: datetime, case_id: str | None = None,
                key: str | None = None) -> list[dict]:
    """Create the lots of one procurement round (same `key` again: the lots made the first time)."""
    if key:
        made = list(session.scalars(select(VehicleLot).where(VehicleLot.idempotency_key == key)
                                    .order_by(VehicleLot.id)))
        if made:
            return [lot_dict(lot) for lot in made]
    name = _city(session, city)
    if not lots:
        raise RefusalError("至少要定义一个采购包", code="NO_LOT")
    rows = []
    for spec in lots:
        service = (spec.get("service") or "").upper()
        if service not in SERVICES:
            raise RefusalError(f"服务类型应为 {'/'.join(SERVICES)}：{spec.get('service')}", code="SERVICE_INVALID",
                               details={"service": spec.get("service")})
        start, end = _term(spec.get("termStart"), spec.get("termEnd"), "服务期")
        row = VehicleLot(case_id=case_id, idempotency_key=key, city=name, service=service,
                         title=spec.get("title") or f"{name}公务用车{SERVICE_NAMES[service]}采购包",
                         region=spec.get("region") or f"{name}市全域", term_start=start, term_end=end,
                         status="OPEN", created_at=now)
        session.add(row)
        rows.append(row)
    session.flush()
    return [lot_dict(lot) for lot in rows]


def award_dict(award: DesignationAward, lot: VehicleLot, supplier: Supplier) -> dict:
    return {"awardId": award.id, "lotId": lot.id, "service": lot.service, "serviceName": SERVICE_NAMES[lot.service],
            "city": lot.city,
            "supplierId": supplier.id, "supplierName": supplier.name, "contractNo": award.contract_no,
            "termStart": iso(award.term_start), "termEnd": iso(award.term_end), "outlets": list(award.outlets),
            "priceTerms": dict(award.price_terms), "status": award.status, "designationId": award.designation_id}


def record_awards(session: Session, *, city: str, lot_ids: list[int], awards: list[dict], now: datetime,
                  case_id: str | None = None) -> list[dict]:
    """Record the winners of the case's lots, replacing what was recorded before and not yet published."""
    name = _city(session, city)
    lots = {lot.id: lot for lot in session.scalars(select(VehicleLot).where(VehicleLot.id.in_(lot_ids or [])))}
    if not awards:
        raise RefusalError("没有登记任何中标供应商", code="NO_AWARD")
    session.execute(delete(DesignationAward).where(DesignationAward.lot_id.in_(list(lots)),
                                                   DesignationAward.status == "PENDING"))
    result, seen = [], set()
    for spec in awards:
        lot = lots.get(_int(spec.get("lotId")))
        if lot is None or lot.city != name:
            raise RefusalError(f"采购包 {spec.get('lotId')} 不属于本次{name}定点采购", code="LOT_UNKNOWN",
                               details={"lotId": spec.get("lotId")})
        supplier = session.get(Supplier, (spec.get("supplier") or "").strip())
        if supplier is None:
            raise RefusalError(f"供应商 {spec.get('supplier')} 未入驻平台，请先完成供应商入驻", code="SUPPLIER_UNKNOWN",
                               details={"supplier": spec.get("supplier")})
        if (lot.id, supplier.id) in seen:
            raise RefusalError(f"{supplier.id} {supplier.name} 在采购包 {lot.id} 中登记了两次", code="AWARD_DUPLICATE")
        seen.add((lot.id, supplier.id))
        start, end = _term(spec.get("termStart") or lot.term_start, spec.get("termEnd") or lot.term_end, "合同期")
        if start < lot.term_start or end > lot.term_end:
            raise RefusalError(f"{supplier.name} 的合同期 {start} 至 {end} 超出采购包服务期 {lot.term_start} 至 "
                               f"{lot.term_end}", code="TERM_INVALID")
        clash = session.scalar(select(Designation).where(
            Designation.supplier_id == supplier.id, Designation.service == lot.service,
            Designation.designated_by == name, Designation.term_start <= end, Designation.term_end >= start))
        if clash is not None:
            raise RefusalError(f"{supplier.id} {supplier.name} 已是{name}{SERVICE_NAMES[lot.service]}供应商（合同期 "
                               f"{clash.term_start} 至 {clash.term_end}），与本次合同期重叠", code="DESIGNATION_EXISTS",
                               details={"supplier": supplier.id, "designationId": clash.id})
        contract_no = (spec.get("contractNo") or "").strip()
        if not contract_no:
            raise RefusalError(f"{supplier.name} 缺少合同编号", code="CONTRACT_NO_REQUIRED")
        award = DesignationAward(lot_id=lot.id, case_id=case_id, supplier_id=supplier.id, contract_no=contract_no,
                                 term_start=start, term_end=end, outlets=list(spec.get("outlets") or []),
                                 price_terms=dict(spec.get("priceTerms") or {}), status="PENDING", recorded_at=now)
        session.add(award)
        session.flush()
        lot.status = "AWARDED"
        result.append(award_dict(award, lot, supplier))
    return result


def publish(session: Session, *, city: str, lot_ids: list[int], now: datetime) -> dict:
    """Publish the 定点名录: every pending award of the lots becomes a designation. Idempotent."""
    name = _city(session, city)
    published, new = [], []
    for lot in session.scalars(select(VehicleLot).where(VehicleLot.id.in_(lot_ids or [])).order_by(VehicleLot.id)):
        awards = list(session.scalars(select(DesignationAward).where(DesignationAward.lot_id == lot.id)
                                      .order_by(DesignationAward.id)))
        for award in awards:
            if award.status == "PENDING":
                designation = Designation(supplier_id=award.supplier_id, service=lot.service, designated_by=lot.city,
                                          term_start=award.term_start, term_end=award.term_end,
                                          outlets=list(award.outlets))
                session.add(designation)
                session.flush()
                award.designation_id, award.status, award.published_at = designation.id, "PUBLISHED", now
                new.append(award.id)
            published.append(award_dict(award, lot, session.get(Supplier, award.supplier_id)))
        if awards:
            lot.status = "PUBLISHED"
    if not published:
        raise RefusalError("没有可发布的中标结果", code="NO_AWARD")
    return {"city": name, "publishedAt": iso(now), "published": published, "newAwardIds": new,
            "list": designated_list(session, name, local_day(now))}


def designated_list(db, city: str, on_date=None) -> list[dict]:
    """The 定点名录 of a city on a date (default: every term): its own designations with their contracts,
    then the suppliers it recognises from partner cities (`recognizedFrom`, at the designating city's terms)."""
    with session_of(db) as session:
        name = city_of(session, city)
        day = date_of(on_date, "日期") if on_date else None
        rows = []
        for d in session.scalars(select(Designation).where(Designation.designated_by == name)
                                 .order_by(Designation.service, Designation.supplier_id)):
            if day is None or d.term_start <= day <= d.term_end:
                rows.append(_entry(session, d, None))
        for r in session.scalars(select(Recognition).where(Recognition.recognized_by == name)
                                 .order_by(Recognition.supplier_id)):
            d = session.get(Designation, r.designation_id)
            if day is None or d.term_start <= day <= min(d.term_end, r.valid_until):
                rows.append(_entry(session, d, r))
        return rows


def _entry(session: Session, d: Designation, r: Recognition | None) -> dict:
    supplier = session.get(Supplier, d.supplier_id)
    award = session.scalar(select(DesignationAward).where(DesignationAward.designation_id == d.id))
    entry = {"supplierId": supplier.id, "supplierName": supplier.name, "service": d.service,
             "serviceName": SERVICE_NAMES[d.service], "designatedBy": d.designated_by,
             "termStart": iso(d.term_start), "termEnd": iso(d.term_end), "outlets": list(d.outlets),
             "contractNo": award.contract_no if award else None,
             "priceTerms": dict(award.price_terms) if award else {"text": supplier.price_terms},
             "recognizedFrom": None, "validUntil": iso(d.term_end)}
    if r is not None:
        entry.update(recognizedFrom=r.from_city, validUntil=iso(min(d.term_end, r.valid_until)))
    return entry


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
