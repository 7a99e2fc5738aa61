"""三定点 part 3: repair requests, the shops a vehicle may use, quotes and tiers (DOMAIN §2(d) steps 7-10)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warehouse.vehicle_repairs import repairs, shops
from tests.warehouse.support import refused

CST = timezone(timedelta(hours=8))
V02_IN_MEISHAN = {"vehicle": "川A·5K627", "mileage": 112350, "fault": "发动机故障灯亮，无法加速", "location": "眉山市东坡区"}
S4_QUOTES = [{"supplier": "S04", "amount": 6800, "items": [{"name": "更换点火线圈", "labourHours": 2}]},
             {"supplier": "S01", "amount": 7300}]


@pytest.fixture(autouse=True)
def on_2025_09_15(clock):
    clock.set(datetime(2025, 9, 15, 9, 0, tzinfo=CST))


def test_opening_a_repair_finds_the_vehicle_its_unit_and_where_it_is(demo, call):
    repair = call("open_vehicle_repair", **V02_IN_MEISHAN)
    assert (repair["vehicle"], repair["unit"], repair["unitName"]) == ("V02", "U03", "成都市应急管理局")
    assert (repair["homeCity"], repair["locationCity"], repair["awayFromHome"]) == ("成都", "眉山", True)
    assert repair["kind"] == "ROUTINE" and repair["status"] == "OPEN" and repair["insurer"] == "S03"
    assert call("open_vehicle_repair", **V02_IN_MEISHAN) == repair            # a retried step run
    local = call("open_vehicle_repair", vehicle="V01", mileage=90000, fault="刹车异响", location="武侯区", kind="accident")
    assert (local["homeCity"], local["locationCity"], local["awayFromHome"], local["kind"]) == ("成都", "成都", False,
                                                                                                "ACCIDENT")
    deyang = call("open_vehicle_repair", vehicle="V05", mileage=23000, fault="空调不制冷", location="眉山东坡区")
    assert deyang["homeCity"] == "德阳" and deyang["insurer"] is None
    assert [r["id"] for r in repairs(demo.db, unit="U03")] == [repair["id"]]
    assert repairs(demo.db, vehicle="川A·5K627")[0]["mileage"] == 112350


def test_open_refusals(demo, call):
    refused(call, "open_vehicle_repair", "VEHICLE_UNKNOWN", **{**V02_IN_MEISHAN, "vehicle": "川A·00000"})
    refused(call, "open_vehicle_repair", "KIND_INVALID", **V02_IN_MEISHAN, kind="WASH")
    err = refused(call, "open_vehicle_repair", "MILEAGE_INVALID", **{**V02_IN_MEISHAN, "mileage": 100})
    assert err.details == {"mileage": 100, "ledgerKm": 112000}
    refused(call, "open_vehicle_repair", "MILEAGE_INVALID", **{**V02_IN_MEISHAN, "mileage": None})
    refused(call, "open_vehicle_repair", "REPAIR_INCOMPLETE", **{**V02_IN_MEISHAN, "fault": " "})
    refused(call, "open_vehicle_repair", "REPAIR_INCOMPLETE", **{**V02_IN_MEISHAN, "location": None})


def test_shops_are_those_of_the_home_city_near_ones_first(demo):
    listed = shops(demo.db, vehicle="V02", location="眉山东坡区", on_date="2025-09-15")
    assert [(s["supplierId"], s["status"], s["eligible"], s["nearLocation"]) for s in listed] == [
        ("S01", "DESIGNATED", True, True), ("S04", "RECOGNISED", True, True)]
    at_home = shops(demo.db, vehicle="V02", location="龙泉驿区", on_date="2025-09-15")
    assert [(s["supplierId"], s["nearLocation"]) for s in at_home] == [("S01", True), ("S04", False)]
    # after S04's contract with 眉山 ends, 成都 no longer recognises it
    later = shops(demo.db, vehicle="V02", location="眉山东坡区", on_date="2026-01-05")
    assert [(s["supplierId"], s["eligible"]) for s in later] == [("S01", True)]
    # 德阳 recognises S01 but not S04: S04 is listed near 眉山 but marked not eligible, with the reason
    deyang = shops(demo.db, vehicle="V05", location="眉山东坡区", on_date="2025-09-15")
    assert [(s["supplierId"], s["status"], s["eligible"]) for s in deyang] == [
        ("S01", "RECOGNISED", True), ("S04", "NOT_FOR_HOME_CITY", False)]
    assert deyang[1]["reason"] == "S04 眉州汽车维修有限公司 不是德阳的定点维修定点或互认供应商"


def test_quotes_choice_and_tier(demo, call):
    repair = call("open_vehicle_repair", **V02_IN_MEISHAN)
    check = call("record_repair_quotes", repair_id=repair["id"], quotes=S4_QUOTES, chosen_supplier="S04")
    assert (check["chosenSupplier"], check["amount"], check["eligibleQuotes"]) == ("S04", 6800.0, 2)
    assert [q["chosen"] for q in check["quotes"]] == [True, False]
    tier = call("check_repair_quotes", repair_id=repair["id"], tier="UNIT", min_quotes=2)
    assert tier == {"repairId": repair["id"], "tier": "UNIT", "approverRole": "UNIT_HEAD", "minQuotes": 2,
                    "eligibleQuotes": 2}
    listed = repairs(demo.db, unit="U03")[0]
    assert (listed["status"], listed["supplierId"], listed["quotedAmount"], listed["tier"]) == ("QUOTED", "S04", 6800.0,
                                                                                              "UNIT")
    approved = call("decide_vehicle_repair", repair_id=repair["id"], approved=True)
    assert approved["status"] == "APPROVED" and approved["serviceOrderId"] is None
    done = call("record_repair_result", repair_id=repair["id"], actual_amount=6650, service_date="2025-09-16",
                work_items=[{"name": "更换点火线圈", "amount": 6650}], replaced_parts=["点火线圈"])
    assert (done["status"], done["actualAmount"], done["serviceDate"], done["replacedParts"]) == (
        "REPAIRED", 6650.0, "2025-09-16", ["点火线圈"])


def test_quote_refusals(demo, call):
    repair = call("open_vehicle_repair", **V02_IN_MEISHAN)
    rid = repair["id"]
    refused(call, "record_repair_quotes", "QUOTES_SHORT", repair_id=rid, quotes=[], chosen_supplier="S04")
    refused(call, "record_repair_quotes", "QUOTE_INCOMPLETE", repair_id=rid, quotes=[{"amount": 100}], chosen_supplier="x")
    refused(call, "record_repair_quotes", "AMOUNT_INVALID", repair_id=rid, quotes=[{"supplier": "S04", "amount": -5}],
            chosen_supplier="S04")
    refused(call, "record_repair_quotes", "CHOSEN_NOT_QUOTED", repair_id=rid, quotes=S4_QUOTES, chosen_supplier="S02")
    err = refused(call, "record_repair_quotes", "SUPPLIER_NOT_DESIGNATED", repair_id=rid, chosen_supplier="路边修理厂",
                  quotes=[*S4_QUOTES, {"supplierName": "路边修理厂", "amount": 5000}])
    assert "未在平台登记" in err.message
    refused(call, "record_repair_quotes", "REPAIR_UNKNOWN", repair_id=999, quotes=S4_QUOTES, chosen_supplier="S04")
    call("record_repair_quotes", repair_id=rid, quotes=S4_QUOTES[:1], chosen_supplier="S04")
    err = refused(call, "check_repair_quotes", "QUOTES_SHORT", repair_id=rid, tier="UNIT", min_quotes=2)
    assert err.message == "本次维修报价 6,800 元，须至少 2 家定点或互认维修厂报价，现有 1 家"
    refused(call, "check_repair_quotes", "TIER_INVALID", repair_id=rid, tier="MAYOR", min_quotes=1)
    refused(call, "record_repair_result", "REPAIR_STATE", repair_id=rid, actual_amount=100, service_date="2025-09-16")
    call("decide_vehicle_repair", repair_id=rid, approved=True, order_id=None)
    refused(call, "record_repair_quotes", "REPAIR_STATE", repair_id=rid, quotes=S4_QUOTES, chosen_supplier="S04")
    refused(call, "record_repair_result", "DATE_INVALID", repair_id=rid, actual_amount=100, service_date="2025-09-01")
    refused(call, "record_repair_result", "AMOUNT_INVALID", repair_id=rid, actual_amount="六千", service_date="2025-09-16")


def test_the_same_shop_is_refused_for_another_city_or_after_its_term(demo, call, clock):
    deyang = call("open_vehicle_repair", vehicle="V05", mileage=23500, fault="空调不制冷", location="眉山东坡区")
    refused(call, "record_repair_quotes", "SUPPLIER_NOT_DESIGNATED", repair_id=deyang["id"], chosen_supplier="S04",
            quotes=[{"supplier": "S04", "amount": 1500}])
    assert call("record_repair_quotes", repair_id=deyang["id"], chosen_supplier="S01",
                quotes=[{"supplier": "S04", "amount": 1500}, {"supplier": "S01", "amount": 1600}])["eligibleQuotes"] == 1
    clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=CST))
    later = call("open_vehicle_repair", **{**V02_IN_MEISHAN, "mileage": 118000})
    err = refused(call, "record_repair_quotes", "SUPPLIER_NOT_DESIGNATED", repair_id=later["id"], chosen_supplier="S04",
                  quotes=S4_QUOTES)
    assert "2025-12-31" in err.message


def test_a_rejected_repair_tells_the_fleet_manager(demo, call):
    from warehouse.notices import for_principal

    class Reader:
        username, grants = "luo.fleet", [("FLEET_MANAGER", "U03")]

    repair = call("open_vehicle_repair", **V02_IN_MEISHAN)
    rejected = call("decide_vehicle_repair", repair_id=repair["id"], approved=False, comment="请回成都定点厂维修")
    assert rejected["status"] == "REJECTED"
    notices, _ = for_principal(demo.db, Reader())
    assert [(n["title"], n["body"]) for n in notices] == [("送修单未获批准：川A·5K627", "请回成都定点厂维修")]
