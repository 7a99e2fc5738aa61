"""Emergency catalogue and stock with the 50% safety reserve (DOMAIN §3, scenario S5)."""
from __future__ import annotations

from decimal import Decimal

from warehouse import catalogue
from warehouse.demo_data import safety_reserve
from warehouse.rules import WarehouseRules


def test_jianyang_stock_and_safety_reserve_match_domain(demo):
    rows = catalogue.emergency_stock(demo.db, "WH-JY")
    assert [(r["code"], r["qty"], r["safetyReserve"], r["aboveReserve"]) for r in rows] == [
        ("E101", 3000, 1500, 1500), ("E301", 60, 30, 30), ("E302", 120, 60, 60), ("E303", 200, 100, 100),
        ("E306", 150, 75, 75)]
    tent = rows[1]
    assert (tent["name"], tent["uom"], tent["class"], tent["reusable"], tent["warehouseName"]) == (
        "救灾帐篷12㎡", "顶", "BASIC_LIVING", True, "简阳市分仓")


def test_all_stock_and_catalogue_classes(demo):
    rows = catalogue.emergency_stock(demo.db)
    assert len(rows) == 29 and sum(r["qty"] for r in rows if r["code"] == "E301") == 520
    sandbags = next(r for r in rows if r["code"] == "E101")
    assert (sandbags["class"], sandbags["subclass"], sandbags["reusable"]) == ("RESCUE_OPS", "FLOOD", False)


def test_safety_reserve_ratio_is_configurable():
    assert safety_reserve(75) == 38                               # rounded up
    assert safety_reserve(100, WarehouseRules(emergency_safety_reserve_ratio=Decimal("0.3"))) == 30
