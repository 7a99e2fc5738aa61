"""三定点 part 3, settlement (DOMAIN §2(d) step 11 [V10]): every repair, fuel or insurance invoice of an official
vehicle is checked against the designations and recognitions of the vehicle's home city on the service
date. NON_DESIGNATED invoices are refused, unless the unit head files an 'urgent repair away from home'
exception with a reason, which is kept for audit (`wh_vehicle_exceptions`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from .access import money, session_of
from .suppliers import SERVICE_NAMES, is_designated_or_recognised
from .tables import SERVICES, Supplier, Unit, Vehicle
from .vehicle_repairs import standing
from .vehicle_tables import DesignationException, VehicleInvoice, VehicleRepair
from .vehicles import date_of, find_vehicle, home_city, iso, location_city, money_of


def invoice_dict(session: Session, inv: VehicleInvoice) -> dict:
    vehicle = session.get(Vehicle, inv.vehicle_id)
    unit = session.get(Unit, inv.unit_id)
    exception = session.scalar(select(DesignationException).where(DesignationException.invoice_id == inv.id))
    return {"invoiceId": inv.id, "repairId": inv.repair_id, "vehicle": vehicle.id, "plate": vehicle.plate,
            "unit": unit.id, "unitName": unit.name, "homeCity": inv.home_city, "service": inv.service,
            "supplierId": inv.supplier_id, "supplierName": inv.supplier_name, "amount": money(inv.amount),
            "serviceDate": iso(inv.service_date), "location": inv.location, "locationCity": inv.location_city,
            "awayFromHome": inv.location_city is not None and inv.location_city != inv.home_city,
            "description": inv.description, "designated": inv.flag != "NON_DESIGNATED", "flag": inv.flag,
            "reason": inv.check_reason, "status": inv.status, "caseId": inv.case_id,
            "exception": None if exception is None else _exception_dict(exception)}


def _invoice(session: Session, invoice_id) -> VehicleInvoice:
    inv = session.get(VehicleInvoice, int(invoice_id))
    if inv is None:
        raise RefusalError(f"票据 {invoice_id} 不存在", code="INVOICE_UNKNOWN")
    return inv


def check_invoice(session: Session, *, vehicle: str, amount, service_date, now: datetime, supplier: str | None = None,
                  supplier_name: str | None = None, description: str = "", location: str | None = None,
                  repair_id=None, service: str = "REPAIR", case_id: str | None = None, key: str | None = None) -> dict:
    """Record an invoice and check it: PASSED (DESIGNATED / RECOGNISED) or REFUSED (NON_DESIGNATED).

    `supplier` is a platform supplier id (S04); a shop that is not on the platform (a roadside tyre shop)
    has none and is named in `supplier_name`: it is NON_DESIGNATED."""
    if key:
        done = session.scalar(select(VehicleInvoice).where(VehicleInvoice.idempotency_key == key))
        if done is not None:
            return invoice_dict(session, done)
    service = (service or "REPAIR").upper()
    if service not in SERVICES:
        raise RefusalError(f"服务类型应为 {'/'.join(SERVICES)}：{service}", code="SERVICE_INVALID")
    car = find_vehicle(session, vehicle)
    city = home_city(session, car)
    day = date_of(service_date, "服务日期")
    registered = session.get(Supplier, supplier.strip()) if (supplier or "").strip() else None
    name = registered.name if registered else (supplier_name or supplier or "").strip()
    if not name:
        raise RefusalError("票据须注明开票的维修厂或供应商", code="INVOICE_INCOMPLETE")
    repair = None
    if repair_id is not None:
        repair = session.get(VehicleRepair, int(repair_id))
        if repair is None or repair.vehicle_id != car.id:
            raise RefusalError(f"送修单 {repair_id} 不是车辆 {car.plate} 的", code="REPAIR_UNKNOWN")
    if registered is not None:
        ok, reason = is_designated_or_recognised(session, registered.id, city, service, day)
        flag = standing(session, registered.id, city, service, day) if ok else None
    else:
        ok, reason, flag = False, f"{name} 未在平台登记，不是{city}的{SERVICE_NAMES[service]}供应商", None
    place = (location or (repair.location if repair else "") or "").strip()
    inv = VehicleInvoice(case_id=case_id, idempotency_key=key, repair_id=repair.id if repair else None,
                         vehicle_id=car.id, unit_id=car.unit_id, home_city=city, service=service,
                         supplier_id=registered.id if registered else None, supplier_name=name,
                         amount=money_of(amount, "票据金额"), service_date=day, location=place,
                         location_city=location_city(session, place), description=(description or "").strip(),
                         flag=flag or "NON_DESIGNATED", check_reason=reason,
                         status="PASSED" if ok else "REFUSED", checked_at=now)
    session.add(inv)
    session.flush()
    return invoice_dict(session, inv)


def file_exception(session: Session, *, invoice_id, reason: str, approved_by: str, now: datetime,
                   case_id: str | None = None) -> dict:
    """The unit head's 'urgent repair away from home' exception for a refused invoice (kept for audit).

    Refused when the invoice was not refused (INVOICE_NOT_REFUSED), when the service was in the vehicle's
    home city (EXCEPTION_NOT_ALLOWED) or without a reason (REASON_REQUIRED)."""
    inv = _invoice(session, invoice_id)
    done = session.scalar(select(DesignationException).where(DesignationException.invoice_id == inv.id))
    if done is not None:
        return _exception_dict(done)
    if inv.status != "REFUSED":
        raise RefusalError(f"票据 {inv.id} 为 {inv.status}，无需例外备案", code="INVOICE_NOT_REFUSED")
    if inv.location_city is None or inv.location_city == inv.home_city:
        raise RefusalError(f"维修地点“{inv.location or '未填写'}”不在{inv.home_city}以外，不属于异地紧急维修，不能例外报销",
                           code="EXCEPTION_NOT_ALLOWED", details={"location": inv.location})
    text = (reason or "").strip()
    if len(text) < 4:
        raise RefusalError("异地紧急维修例外须写明理由", code="REASON_REQUIRED")
    row = DesignationException(invoice_id=inv.id, case_id=case_id, unit_id=inv.unit_id, kind="URGENT_AWAY_FROM_HOME",
                               reason=text, approved_by=approved_by, filed_at=now)
    session.add(row)
    inv.status = "EXCEPTION"
    session.flush()
    return _exception_dict(row)


def settle(session: Session, *, invoice_id, now: datetime) -> dict:
    """Reimburse a PASSED invoice or one with an exception; a refused one is refused again (INVOICE_REFUSED)."""
    inv = _invoice(session, invoice_id)
    if inv.status == "REFUSED" or inv.status == "NOT_REIMBURSED":
        raise RefusalError(f"非定点票据不予报销：{inv.check_reason}", code="INVOICE_REFUSED",
                           details={"invoiceId": inv.id, "flag": inv.flag})
    via = "EXCEPTION" if inv.status == "EXCEPTION" else "CHECK"
    if inv.status != "SETTLED":
        inv.status, inv.closed_at = "SETTLED", now
        _close_repair(session, inv, "SETTLED", now)
    session.flush()
    return {**invoice_dict(session, inv), "settledVia": via}


def refuse(session: Session, *, invoice_id, now: datetime) -> dict:
    """The unit head let the refusal stand: the invoice is not reimbursed."""
    inv = _invoice(session, invoice_id)
    if inv.status not in ("REFUSED", "NOT_REIMBURSED"):
        raise RefusalError(f"票据 {inv.id} 为 {inv.status}，不能改为不予报销", code="INVOICE_STATE")
    inv.status, inv.closed_at = "NOT_REIMBURSED", now
    _close_repair(session, inv, "NOT_REIMBURSED", now)
    session.flush()
    return invoice_dict(session, inv)


def _close_repair(session: Session, inv: VehicleInvoice, status: str, now: datetime) -> None:
    if inv.repair_id is not None:
        repair = session.get(VehicleRepair, inv.repair_id)
        repair.status, repair.closed_at = status, now


def _exception_dict(row: DesignationException) -> dict:
    return {"exceptionId": row.id, "invoiceId": row.invoice_id, "caseId": row.case_id, "unit": row.unit_id,
            "kind": row.kind, "reason": row.reason, "approvedBy": row.approved_by, "filedAt": iso(row.filed_at)}


def invoices(db, *, unit: str | None = None, flag: str | None = None) -> list[dict]:
    """Checked invoices, newest first (read model; filter by unit and flag, e.g. NON_DESIGNATED)."""
    with session_of(db) as session:
        q = select(VehicleInvoice).order_by(VehicleInvoice.id.desc())
        if unit:
            q = q.where(VehicleInvoice.unit_id == unit)
        if flag:
            q = q.where(VehicleInvoice.flag == flag)
        return [invoice_dict(session, inv) for inv in session.scalars(q)]


def exceptions(db, *, unit: str | None = None) -> list[dict]:
    """The designation exceptions on record, newest first, with their invoices (for auditors)."""
    with session_of(db) as session:
        q = select(DesignationException).order_by(DesignationException.id.desc())
        if unit:
            q = q.where(DesignationException.unit_id == unit)
        result = []
        for row in session.scalars(q):
            inv = session.get(VehicleInvoice, row.invoice_id)
            result.append({**_exception_dict(row), "invoice": invoice_dict(session, inv)})
        return result
