"""Load the Chengdu-metro demo (DOMAIN.md §3) in one unit of work.

Idempotent: a row whose key already exists is left as it is (so a second run changes nothing, and a
reload never resets assets that processes have since moved). Users and roles are not loaded here: they
live in the engine's users/grants tables.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .data import chengdu as D
from .rules import DEFAULT_RULES, WarehouseRules
from .tables import (Asset, Category, Designation, EmergencyItem, EmergencyStock, Recognition, Region,
                     Supplier, TravelTime, Unit, Vehicle, Warehouse)

COUNTED = {"regions": Region, "warehouses": Warehouse, "travel_times": TravelTime, "units": Unit,
           "categories": Category, "assets": Asset, "vehicles": Vehicle, "suppliers": Supplier,
           "designations": Designation, "recognitions": Recognition, "emergency_items": EmergencyItem,
           "emergency_stock": EmergencyStock}


def load_demo_data(db, rules: WarehouseRules = DEFAULT_RULES) -> dict[str, int]:
    """Insert what is missing; return the number of rows per table afterwards."""
    with db.unit_of_work() as session:
        load_into(session, rules)
        session.flush()
        return {name: session.scalar(select(func.count()).select_from(table)) for name, table in COUNTED.items()}


def load_into(session: Session, rules: WarehouseRules = DEFAULT_RULES) -> None:
    def add(cls, key, **values):
        if session.get(cls, key) is None:
            session.add(cls(**values))

    for code, name, level, parent, city in D.REGIONS:
        add(Region, code, code=code, name=name, level=level, parent_code=parent, city=city)
    session.flush()
    for w in sorted(D.WAREHOUSES, key=lambda w: w.get("parent") is not None):   # main before branches
        kinds = w.get("kinds", ["PHYSICAL"])
        add(Warehouse, w["id"], id=w["id"], name=w["name"], level=w["level"], region_code=w["region"],
            parent_id=w.get("parent"), operator=w.get("operator"), finance_bureau=w["finance"],
            physical="PHYSICAL" in kinds, virtual="VIRTUAL" in kinds,
            travel_min_to_main=w.get("travelMinToMain"), agreement=w.get("agreement"))
    session.flush()
    for a, b, minutes in D.TRAVEL_MIN:
        add(TravelTime, (a, b), from_wh=a, to_wh=b, minutes=minutes)
    for uid, name, region, temporary, parent in sorted(D.UNITS, key=lambda u: u[4] is not None):
        add(Unit, uid, id=uid, name=name, region_code=region, temporary=temporary, supervising_dept=parent)
    for code, name, en, kind in D.CATEGORIES:
        add(Category, code, code=code, name=name, en=en, type=kind)
    session.flush()
    for aid, name, cat, qty, value, year, cond, wh, status, source in D.ASSETS:
        add(Asset, aid, id=aid, name=name, category_code=cat, qty=qty, unit_value=Decimal(value), year=year,
            condition=cond, warehouse_id=wh, status=status, source=source, low_value=aid in D.LOW_VALUE_ASSETS)
    for v in D.VEHICLES:
        end = v.get("insuranceEnd")
        add(Vehicle, v["id"], id=v["id"], plate=v["plate"], model=v["model"], type=v["type"], unit_id=v["unit"],
            year=v["year"], value=Decimal(v["value"]), km=v["km"],
            insurance_end=date.fromisoformat(end) if end else None)
    _load_suppliers(session, add)
    _load_emergency(session, add, rules)
    session.flush()
    from . import deposit_ledger
    deposit_ledger.load_demo(session)      # unit asset cards, a dissolved body, the service price list


def _load_suppliers(session: Session, add) -> None:
    for s in D.SUPPLIERS:
        # Designated suppliers list no regions in DOMAIN: they serve their own and the recognising cities.
        regions = s.get("regions") or [s["by"], *s.get("recognizedBy", [])]
        add(Supplier, s["id"], id=s["id"], name=s["name"], categories=s["cat"], regions=regions,
            price_terms=s.get("price", ""), contract_reserve=s.get("contractReserve", False),
            product=s.get("product"), canteen_delivery=s.get("canteenDelivery", False))
    session.flush()
    for s in D.SUPPLIERS:
        if "designated" not in s:
            continue
        start, end = (date.fromisoformat(d) for d in s["term"])
        designation = session.scalar(select(Designation).filter_by(
            supplier_id=s["id"], service=s["designated"], designated_by=s["by"], term_start=start))
        if designation is None:
            designation = Designation(supplier_id=s["id"], service=s["designated"], designated_by=s["by"],
                                      term_start=start, term_end=end, outlets=s.get("outlets", []))
            session.add(designation)
            session.flush()
        for city in s.get("recognizedBy", []):
            exists = session.scalar(select(Recognition).filter_by(designation_id=designation.id,
                                                                  recognized_by=city))
            if exists is None:
                # The recognition agreement's end is unknown (DOMAIN gaps): valid as long as the contract.
                session.add(Recognition(supplier_id=s["id"], designation_id=designation.id, recognized_by=city,
                                        from_city=s["by"], valid_until=end))


def _load_emergency(session: Session, add, rules: WarehouseRules) -> None:
    for item_class, groups in D.EMERGENCY_CATALOGUE.items():
        for subclass, items in groups.items():
            for code, name, uom, reusable in items:
                add(EmergencyItem, code, code=code, name=name, uom=uom, item_class=item_class, subclass=subclass,
                    reusable=reusable)
    session.flush()
    for wh, stock in D.EMERGENCY_STOCK.items():
        for code, qty in stock.items():
            add(EmergencyStock, (wh, code), warehouse_id=wh, item_code=code, qty=qty,
                safety_reserve=safety_reserve(qty, rules))


def safety_reserve(qty: int, rules: WarehouseRules = DEFAULT_RULES) -> int:
    """The protected share of a listed stock, rounded up (never reserve less than the ratio says)."""
    return int((Decimal(qty) * rules.emergency_safety_reserve_ratio).to_integral_value(ROUND_CEILING))
