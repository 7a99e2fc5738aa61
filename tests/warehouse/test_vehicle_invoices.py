"""三定点 part 3: the settlement check, NON_DESIGNATED refusals and the audited exception (DOMAIN §2(d) 11)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warehouse.service_orders import orders
from warehouse.vehicle_invoices import exceptions, invoices
from tests.warehouse.support import notice_titles, refused

CST = timezone(timedelta(hours=8))
TYRE = {"vehicle": "V02", "supplier_name": "路边轮胎店（眉山东坡区）", "amount": 300, "service_date": "2025-09-15",
        "location": "眉山东坡区", "description": "更换右后轮胎"}


@pytest.fixture(autouse=True)
def on_2025_09_15(clock):
    clock.set(datetime(2025, 9, 15, 18, 0, tzinfo=CST))


def test_a_recognised_shop_passes_on_its_service_date_and_not_after_its_term(demo, call):
    ok = call("check_vehicle_invoice", vehicle="V02", supplier="S04", amount=6650, service_date="2025-09-16",
              location="眉山东坡区")
    assert (ok["designated"], ok["flag"], ok["status"]) == (True, "RECOGNISED", "PASSED")
    assert ok["reason"] == "S04 眉州汽车维修有限公司 为眉山定点维修供应商，经成都互认（有效期至 2025-12-31）"
    own = call("check_vehicle_invoice", vehicle="V02", supplier="S01", amount=880, service_date="2025-09-16")
    assert (own["flag"], own["status"]) == ("DESIGNATED", "PASSED")
    late = call("check_vehicle_invoice", vehicle="V02", supplier="S04", amount=6650, service_date="2026-01-05",
                location="眉山东坡区")
    assert (late["designated"], late["flag"], late["status"]) == (False, "NON_DESIGNATED", "REFUSED")
    assert "2025-12-31" in late["reason"]
    # the same shop for a 德阳 vehicle: never recognised there
    other_city = call("check_vehicle_invoice", vehicle="V05", supplier="S04", amount=500, service_date="2025-09-16")
    assert other_city["flag"] == "NON_DESIGNATED" and other_city["homeCity"] == "德阳"
    assert [i["invoiceId"] for i in invoices(demo.db, unit="U03", flag="NON_DESIGNATED")] == [late["invoiceId"]]


def test_a_roadside_invoice_is_refused_until_the_unit_head_files_an_exception(demo, call):
    tyre = call("check_vehicle_invoice", **TYRE)
    assert (tyre["supplierId"], tyre["supplierName"], tyre["flag"], tyre["status"]) == (
        None, "路边轮胎店（眉山东坡区）", "NON_DESIGNATED", "REFUSED")
    assert tyre["reason"] == "路边轮胎店（眉山东坡区） 未在平台登记，不是成都的定点维修供应商"
    assert tyre["awayFromHome"] is True
    assert notice_titles(demo, "luo.fleet", [("FLEET_MANAGER", "U03")]) == ["报销被拒（非定点）：川A·5K627 300.00 元"]
    refused(call, "settle_vehicle_invoice", "INVOICE_REFUSED", invoice_id=tyre["invoiceId"])
    refused(call, "file_designation_exception", "REASON_REQUIRED", invoice_id=tyre["invoiceId"], reason="急")
    exception = call("file_designation_exception", invoice_id=tyre["invoiceId"], reason="高速途中爆胎，附近无定点维修厂")
    assert (exception["kind"], exception["approvedBy"], exception["unit"]) == ("URGENT_AWAY_FROM_HOME", "UNIT_HEAD@U03",
                                                                             "U03")
    assert call("file_designation_exception", invoice_id=tyre["invoiceId"], reason="再次提交", key="retry") == exception
    settled = call("settle_vehicle_invoice", invoice_id=tyre["invoiceId"])
    assert (settled["status"], settled["settledVia"], settled["flag"]) == ("SETTLED", "EXCEPTION", "NON_DESIGNATED")
    audit = exceptions(demo.db)
    assert [(e["reason"], e["invoice"]["amount"], e["invoice"]["supplierName"]) for e in audit] == [
        ("高速途中爆胎，附近无定点维修厂", 300.0, "路边轮胎店（眉山东坡区）")]
    assert notice_titles(demo, "fang.audit", [("AUDITOR", None)]) == ["异地紧急维修例外备案：成都市应急管理局 川A·5K627"]
    assert notice_titles(demo, "yang.head", [("UNIT_HEAD", "U03")]) == []


def test_no_exception_for_a_repair_at_home_or_for_an_invoice_that_passed(demo, call):
    at_home = call("check_vehicle_invoice", **{**TYRE, "location": "武侯区", "supplier_name": "武侯路边店"})
    assert at_home["awayFromHome"] is False
    err = refused(call, "file_designation_exception", "EXCEPTION_NOT_ALLOWED", invoice_id=at_home["invoiceId"],
                  reason="很急很急")
    assert "不属于异地紧急维修" in err.message
    passed = call("check_vehicle_invoice", vehicle="V02", supplier="S01", amount=880, service_date="2025-09-16")
    refused(call, "file_designation_exception", "INVOICE_NOT_REFUSED", invoice_id=passed["invoiceId"], reason="不需要的例外")
    refused(call, "refuse_vehicle_invoice", "INVOICE_STATE", invoice_id=passed["invoiceId"])
    refused(call, "settle_vehicle_invoice", "INVOICE_UNKNOWN", invoice_id=999)
    not_paid = call("refuse_vehicle_invoice", invoice_id=at_home["invoiceId"])
    assert not_paid["status"] == "NOT_REIMBURSED"
    assert notice_titles(demo, "luo.fleet", [("FLEET_MANAGER", "U03")])[0] == "不予报销：川A·5K627 武侯路边店 300.00 元"


def test_invoice_refusals(demo, call):
    refused(call, "check_vehicle_invoice", "VEHICLE_UNKNOWN", **{**TYRE, "vehicle": "V99"})
    refused(call, "check_vehicle_invoice", "SERVICE_INVALID", **TYRE, service="WASH")
    refused(call, "check_vehicle_invoice", "INVOICE_INCOMPLETE", **{**TYRE, "supplier_name": " "})
    refused(call, "check_vehicle_invoice", "AMOUNT_INVALID", **{**TYRE, "amount": -1})
    refused(call, "check_vehicle_invoice", "DATE_INVALID", **{**TYRE, "service_date": "昨天"})
    refused(call, "check_vehicle_invoice", "REPAIR_UNKNOWN", **TYRE, repair_id=42)


def test_settling_a_repair_invoice_settles_its_repair_and_service_order(demo, call):
    repair = call("open_vehicle_repair", vehicle="V02", mileage=112350, fault="发动机故障", location="眉山东坡区")
    call("record_repair_quotes", repair_id=repair["id"], chosen_supplier="S04",
         quotes=[{"supplier": "S04", "amount": 6800}, {"supplier": "S01", "amount": 7300}])
    order = call("create_service_order", supplier="S04", unit="U03", kind="REPAIR", category="C06", amount=6800)
    call("decide_vehicle_repair", repair_id=repair["id"], approved=True, order_id=order["order_id"])
    call("record_repair_result", repair_id=repair["id"], actual_amount=6650, service_date="2025-09-16")
    assert [(o["status"], o["amount"]) for o in orders(demo.db, unit="U03")] == [("DELIVERED", 6650.0)]
    inv = call("check_vehicle_invoice", vehicle="V02", supplier="S04", amount=6650, service_date="2025-09-16",
               repair_id=repair["id"])
    assert inv["location"] == "眉山东坡区"                       # taken from the repair
    settled = call("settle_vehicle_invoice", invoice_id=inv["invoiceId"])
    assert settled["serviceOrder"]["status"] == "SETTLED" and settled["serviceOrder"]["settled_amount"] == 6650.0
    assert call("settle_vehicle_invoice", invoice_id=inv["invoiceId"], key="retry")["status"] == "SETTLED"
    from warehouse.vehicle_repairs import repairs
    assert repairs(demo.db, unit="U03")[0]["status"] == "SETTLED"
