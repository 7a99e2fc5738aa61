"""三定点 part 3, repair (DOMAIN §2(d) steps 7-10): the 送修单 (repair request), the shops a vehicle may use,
quotes, the approval tier and the repair result. The tier itself comes from the DMN table
vehicle_repair_tiers.dmn (rule vehicleRepairTiers); settlement is in vehicle_invoices.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from .access import money, session_of
from .suppliers import is_designated_or_recognised
from .tables import Designation, Recognition, Supplier, Unit, Vehicle
from .vehicle_tables import REPAIR_KINDS, RepairQuote, VehicleRepair
from .vehicles import date_of, find_vehicle, home_city, iso, local_day, location_city, money_of, near

TIER_APPROVER = {"FLEET": "FLEET_MANAGER", "UNIT": "UNIT_HEAD", "AUTHORITY": "VEHICLE_AUTHORITY"}


def repair_dict(session: Session, repair: VehicleRepair) -> dict:
    vehicle = session.get(Vehicle, repair.vehicle_id)
    unit = session.get(Unit, repair.unit_id)
    supplier = session.get(Supplier, repair.supplier_id) if repair.supplier_id else None
    return {"id": repair.id, "vehicle": vehicle.id, "plate": vehicle.plate, "model": vehicle.model,
            "vehicleType": vehicle.type, "unit": unit.id, "unitName": unit.name, "homeCity": repair.home_city,
            "location": repair.location, "locationCity": repair.location_city,
            "awayFromHome": repair.location_city is not None and repair.location_city != repair.home_city,
            "mileage": repair.mileage, "fault": repair.fault, "kind": repair.kind, "status": repair.status,
            "supplierId": repair.supplier_id, "supplierName": supplier.name if supplier else None,
            "quotedAmount": None if repair.quoted_amount is None else money(repair.quoted_amount),
            "tier": repair.tier, "serviceOrderId": repair.service_order_id,
            "actualAmount": None if repair.actual_amount is None else money(repair.actual_amount),
            "serviceDate": iso(repair.service_date), "workItems": repair.work_items or [],
            "replacedParts": repair.replaced_parts or [], "openedAt": iso(repair.opened_at),
            "insurer": designated_insurer(session, repair.home_city, local_day(repair.opened_at))}


def _repair(session: Session, repair_id) -> VehicleRepair:
    repair = session.get(VehicleRepair, int(repair_id))
    if repair is None:
        raise RefusalError(f"送修单 {repair_id} 不存在", code="REPAIR_UNKNOWN")
    return repair


def open_repair(session: Session, *, vehicle: str, mileage, fault: str, location: str, now: datetime,
                kind: str = "ROUTINE", case_id: str | None = None, key: str | None = None) -> dict:
    """Open a 送修单 for a vehicle of the ledger; the mileage also updates the ledger's km."""
    if key:
        done = session.scalar(select(VehicleRepair).where(VehicleRepair.idempotency_key == key))
        if done is not None:
            return repair_dict(session, done)
    car = find_vehicle(session, vehicle)
    kind = (kind or "ROUTINE").upper()
    if kind not in REPAIR_KINDS:
        raise RefusalError(f"维修类别应为 {'/'.join(REPAIR_KINDS)}：{kind}", code="KIND_INVALID")
    try:
        km = int(mileage)
    except (TypeError, ValueError):
        km = -1
    if km < car.km:
        raise RefusalError(f"里程 {mileage} 小于台账记录的 {car.km} 公里", code="MILEAGE_INVALID",
                           details={"mileage": mileage, "ledgerKm": car.km})
    if not (fault or "").strip() or not (location or "").strip():
        raise RefusalError("送修单须填写故障描述和车辆所在地点", code="REPAIR_INCOMPLETE")
    car.km = km
    repair = VehicleRepair(case_id=case_id, idempotency_key=key, vehicle_id=car.id, unit_id=car.unit_id,
                           home_city=home_city(session, car), location=location.strip(),
                           location_city=location_city(session, location), mileage=km, fault=fault.strip(),
                           kind=kind, status="OPEN", opened_at=now)
    session.add(repair)
    session.flush()
    return repair_dict(session, repair)


def designated_insurer(session: Session, city: str, day) -> str | None:
    """The insurer designated by the city on that day (for accident loss assessment), if any."""
    found = session.scalar(select(Designation.supplier_id).where(
        Designation.service == "INSURANCE", Designation.designated_by == city,
        Designation.term_start <= day, Designation.term_end >= day).order_by(Designation.supplier_id))
    return found


def standing(session: Session, supplier_id: str | None, city: str, service: str, day) -> str | None:
    """DESIGNATED (by the city), RECOGNISED (for it) or None, on that day."""
    if not supplier_id:
        return None
    own = session.scalar(select(Designation.id).where(
        Designation.supplier_id == supplier_id, Designation.service == service, Designation.designated_by == city,
        Designation.term_start <= day, Designation.term_end >= day))
    if own is not None:
        return "DESIGNATED"
    for r, d in session.execute(select(Recognition, Designation).join(
            Designation, Designation.id == Recognition.designation_id).where(
            Recognition.supplier_id == supplier_id, Recognition.recognized_by == city,
            Designation.service == service)).all():
        if d.term_start <= day <= min(d.term_end, r.valid_until):
            return "RECOGNISED"
    return None


def shops(db, *, vehicle: str, location: str | None, on_date, service: str = "REPAIR") -> list[dict]:
    """The shops a vehicle may use on a date: designated by or recognised for its home city (eligible), near
    the current location first; then shops of the location's city that the home city does not recognise
    (listed so people see them, marked not eligible: their invoices would be refused)."""
    with session_of(db) as session:
        car = find_vehicle(session, vehicle)
        city = home_city(session, car)
        day = date_of(on_date, "日期")
        here = location_city(session, location)
        rows = []
        for supplier in session.scalars(select(Supplier).order_by(Supplier.id)):
            status = standing(session, supplier.id, city, service, day)
            local = here is not None and here != city and standing(session, supplier.id, here, service, day)
            if status is None and not local:
                continue
            outlets = sorted({o for d in session.scalars(select(Designation).where(
                Designation.supplier_id == supplier.id, Designation.service == service)) for o in d.outlets})
            close_by = any(near(o, location) for o in outlets) or bool(local)
            ok, reason = is_designated_or_recognised(session, supplier.id, city, service, day)
            rows.append({"supplierId": supplier.id, "name": supplier.name, "status": status or "NOT_FOR_HOME_CITY",
                         "eligible": ok, "reason": reason, "nearLocation": close_by, "outlets": outlets,
                         "priceTerms": supplier.price_terms})
        rows.sort(key=lambda r: (not r["eligible"], not r["nearLocation"], r["supplierId"]))
        return rows


def record_quotes(session: Session, *, repair_id, quotes: list[dict], chosen: str, now: datetime) -> dict:
    """Record the quotes (replacing earlier ones) and the chosen shop, which must be designated or recognised
    for the vehicle's home city today (else SUPPLIER_NOT_DESIGNATED)."""
    repair = _repair(session, repair_id)
    if repair.status not in ("OPEN", "QUOTED"):
        raise RefusalError(f"送修单 {repair.id} 已是 {repair.status}，不能再改报价", code="REPAIR_STATE")
    if not quotes:
        raise RefusalError("请至少登记一家维修厂的报价", code="QUOTES_SHORT")
    day = local_day(now)
    session.execute(delete(RepairQuote).where(RepairQuote.repair_id == repair.id))
    rows, chosen_row = [], None
    for spec in quotes:
        supplier = session.get(Supplier, (spec.get("supplier") or "").strip()) if spec.get("supplier") else None
        name = supplier.name if supplier else (spec.get("supplierName") or spec.get("supplier") or "").strip()
        if not name:
            raise RefusalError("报价须注明维修厂", code="QUOTE_INCOMPLETE")
        if supplier is not None:
            ok, reason = is_designated_or_recognised(session, supplier.id, repair.home_city, "REPAIR", day)
        else:
            ok, reason = False, f"{name} 未在平台登记，不是{repair.home_city}的定点维修供应商"
        row = RepairQuote(repair_id=repair.id, supplier_id=supplier.id if supplier else None, supplier_name=name,
                          amount=money_of(spec.get("amount"), f"{name} 的报价"), work_items=list(spec.get("items") or []),
                          eligible=ok, eligibility=reason, chosen=False, recorded_at=now)
        session.add(row)
        rows.append(row)
        if chosen and (supplier.id if supplier else name) == chosen.strip():
            chosen_row = row
    if chosen_row is None:
        raise RefusalError(f"选定的维修厂 {chosen} 没有报价", code="CHOSEN_NOT_QUOTED", details={"chosen": chosen})
    if not chosen_row.eligible:
        raise RefusalError(f"不能选定 {chosen_row.supplier_name}：{chosen_row.eligibility}", code="SUPPLIER_NOT_DESIGNATED",
                           details={"chosen": chosen, "reason": chosen_row.eligibility})
    chosen_row.chosen = True
    repair.status, repair.supplier_id, repair.quoted_amount = "QUOTED", chosen_row.supplier_id, chosen_row.amount
    session.flush()
    return {"repairId": repair.id, "chosenSupplier": chosen_row.supplier_id, "chosenName": chosen_row.supplier_name,
            "amount": money(chosen_row.amount), "eligibleQuotes": sum(1 for r in rows if r.eligible),
            "quotes": [{"supplierId": r.supplier_id, "supplierName": r.supplier_name, "amount": money(r.amount),
                        "eligible": r.eligible, "reason": r.eligibility, "chosen": r.chosen} for r in rows]}


def check_quotes(session: Session, *, repair_id, tier: str, min_quotes: int) -> dict:
    """The tier needs `min_quotes` quotes from designated or recognised shops (QUOTES_SHORT otherwise)."""
    repair = _repair(session, repair_id)
    if tier not in TIER_APPROVER:
        raise RefusalError(f"审批层级应为 {'/'.join(TIER_APPROVER)}：{tier}", code="TIER_INVALID")
    eligible = len(list(session.scalars(select(RepairQuote.id).where(RepairQuote.repair_id == repair.id,
                                                                       RepairQuote.eligible.is_(True)))))
    if eligible < int(min_quotes):
        raise RefusalError(f"本次维修报价 {money(repair.quoted_amount):,.0f} 元，须至少 {min_quotes} 家定点或互认维修厂报价，"
                           f"现有 {eligible} 家", code="QUOTES_SHORT",
                           details={"minQuotes": min_quotes, "eligibleQuotes": eligible})
    repair.tier = tier
    session.flush()
    return {"repairId": repair.id, "tier": tier, "approverRole": TIER_APPROVER[tier], "minQuotes": int(min_quotes),
            "eligibleQuotes": eligible}


def decide(session: Session, *, repair_id, approved: bool, order_id=None) -> dict:
    """The tier's approver decided: APPROVED (with its service order) or REJECTED."""
    repair = _repair(session, repair_id)
    if approved:
        repair.status, repair.service_order_id = "APPROVED", int(order_id) if order_id is not None else None
    else:
        repair.status = "REJECTED"
    session.flush()
    return repair_dict(session, repair)


def record_result(session: Session, *, repair_id, actual_amount, service_date, work_items=None,
                  replaced_parts=None, now: datetime) -> dict:
    """The shop's actual items and amount, confirmed by the fleet manager."""
    repair = _repair(session, repair_id)
    if repair.status not in ("APPROVED", "REPAIRED"):
        raise RefusalError(f"送修单 {repair.id} 为 {repair.status}，不能登记维修结果", code="REPAIR_STATE")
    day = date_of(service_date, "维修日期")
    if day < local_day(repair.opened_at):
        raise RefusalError(f"维修日期 {day} 早于送修日期", code="DATE_INVALID")
    repair.actual_amount = money_of(actual_amount, "实际维修金额")
    repair.service_date, repair.status = day, "REPAIRED"
    repair.work_items, repair.replaced_parts = list(work_items or []), list(replaced_parts or [])
    session.flush()
    return repair_dict(session, repair)


def repairs(db, *, unit: str | None = None, vehicle: str | None = None) -> list[dict]:
    """送修单 with their quotes, newest first (read model for fleet managers, unit heads and auditors)."""
    with session_of(db) as session:
        q = select(VehicleRepair).order_by(VehicleRepair.id.desc())
        if unit:
            q = q.where(VehicleRepair.unit_id == unit)
        if vehicle:
            q = q.where(VehicleRepair.vehicle_id == find_vehicle(session, vehicle).id)
        result = []
        for repair in session.scalars(q):
            row = repair_dict(session, repair)
            row["quotes"] = [{"supplierId": r.supplier_id, "supplierName": r.supplier_name, "amount": money(r.amount),
                              "eligible": r.eligible, "chosen": r.chosen}
                             for r in session.scalars(select(RepairQuote).where(RepairQuote.repair_id == repair.id)
                                                      .order_by(RepairQuote.id))]
            result.append(row)
        return result
