"""公务用车 (official vehicles): finding a vehicle, its home city, where a place lies, and the rule numbers of
三定点 (DOMAIN §2(d)). The three parts live in their own modules: vehicle_designations (part 1),
vehicle_recognitions (part 2), vehicle_repairs and vehicle_invoices (part 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import RefusalError
from engine.sandbox_helpers import add_working_days

from .suppliers import resolve_city
from .tables import Region, Unit, Vehicle

CST = timezone(timedelta(hours=8))       # 北京时间: deadlines and lapse times are local days
CITIES = ("成都", "德阳", "眉山", "资阳")   # the fiscal cities of the metro (DOMAIN §3 regions)


@dataclass(frozen=True)
class VehicleRules:
    """[A] numbers of DOMAIN §2(d) that are not in the repair-tier DMN table (vehicle_repair_tiers.dmn)."""
    # §2(d) step 5: the partner city's authority decides a recognition proposal within this many working days;
    # then a reminder goes out and the proposal stays pending (no auto-accept).
    recognition_review_working_days: int = 10
    # §2(d) step 6: a recognition lapses at the end of its last valid day (local time): 00:00 of the next day.
    lapse_hour: int = 0


DEFAULT_VEHICLE_RULES = VehicleRules()


def find_vehicle(session: Session, vehicle: str) -> Vehicle:
    """A vehicle by id (V02) or plate (川A·5K627); refuses VEHICLE_UNKNOWN."""
    key = (vehicle or "").strip()
    found = session.get(Vehicle, key) or session.scalar(select(Vehicle).where(Vehicle.plate == key))
    if found is None:
        raise RefusalError(f"车辆 {vehicle} 不在公务用车台账中", code="VEHICLE_UNKNOWN", details={"vehicle": vehicle})
    return found


def home_city(session: Session, vehicle: Vehicle) -> str:
    """The fiscal city of the vehicle's unit (成都 for a 武侯区 unit)."""
    unit = session.get(Unit, vehicle.unit_id)
    return session.get(Region, unit.region_code).city


def city_of(session: Session, value: str) -> str:
    """A city as written by people (成都市, 武侯区, CD) to the fiscal city (成都); unknown names are kept."""
    return resolve_city(session, value.strip())


def location_city(session: Session, location: str | None) -> str | None:
    """The city a free-text place lies in: 眉山东坡区 / 眉山市东坡区xx路 -> 眉山, 武侯区 -> 成都; None if unknown."""
    text = _plain(location or "")
    if not text:
        return None
    regions = sorted(session.scalars(select(Region)), key=lambda r: -len(r.name))
    for region in regions:
        if _plain(region.name) and _plain(region.name) in text:
            return region.city
    for city in CITIES:
        if city in text:
            return city
    return None


def near(outlet: str, location: str | None) -> bool:
    """Is an outlet (眉山东坡区, 成德眉资) at or around the place?"""
    a, b = _plain(outlet), _plain(location or "")
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    if a == "成德眉资":
        return any(city in b for city in CITIES)
    return False


def _plain(text: str) -> str:
    return text.replace("市", "").replace(" ", "").strip()


def money_of(value, what: str) -> Decimal:
    """A non-negative amount of 元 from a form or an operator parameter; refuses AMOUNT_INVALID."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise RefusalError(f"{what}不是有效金额：{value}", code="AMOUNT_INVALID", details={"value": value})
    return amount


def date_of(value, what: str) -> date:
    """A date from an ISO text (or a date); refuses DATE_INVALID."""
    if isinstance(value, datetime):
        return value.astimezone(CST).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RefusalError(f"{what}不是有效日期：{value}", code="DATE_INVALID", details={"value": value}) from None


def local_day(now: datetime) -> date:
    return now.astimezone(CST).date()


def working_deadline(now: datetime, working_days: int) -> datetime:
    """`now` plus n working days, same local time of day (public holidays are not known)."""
    local = now.astimezone(CST)
    day = add_working_days(local.date(), working_days)
    return datetime.combine(day, local.timetz())


def start_of_day_after(day: date, rules: VehicleRules = DEFAULT_VEHICLE_RULES) -> datetime:
    """When something valid through `day` (inclusive) ends: the next local day at `lapse_hour`."""
    return datetime.combine(day + timedelta(days=1), time(rules.lapse_hour), tzinfo=CST)


def iso(value) -> str | None:
    """A date as ISO text; a time as local (北京时间) ISO text, however the database handed it back."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(CST).isoformat()
    return value.isoformat()
