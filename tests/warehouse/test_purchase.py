"""市场服务采购 operators: reference prices, direct orders, quote rounds, supplier answers, acceptance,
settlement with savings and flags, and every refusal."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, RefusalError
from warehouse import deposit_ledger
from warehouse.purchase_orders import flag_report, purchase_view, supplier_ratings
from warehouse.savings import report
from warehouse.service_orders import orders
from warehouse.tables import Unit


@pytest.fixture
def area(demo):
    deposit_ledger.load_demo(demo.db)
    with demo.db.unit_of_work() as s:     # a 资阳 canteen (test data): 资阳 suppliers serve it
        s.add(Unit(id="U90", name="资阳市机关事务服务中心（机关食堂）", region_code="ZY", temporary=False))
    return demo


def need(call, case_id="p-1", **kw):
    return call("price_service_need", case_id=case_id, **kw)


def test_reference_prices_follow_the_need(area, call):
    short = need(call, unit="U07", offer_id="SV02", qty=1, periods=3, start_date="2026-03-10",
                 end_date="2026-03-12", description="民政工作会LED屏")
    assert (short["need_kind"], short["reference_basis"], short["reference"], short["estimate"]) == (
        "TEMPORARY", "MARKET", 18000.0, 12000.0)
    long = need(call, case_id="p-2", unit="U06", offer_id="SV03", qty=1, periods=12, start_date="2026-02-01",
                end_date="2027-01-31")
    assert (long["need_kind"], long["reference_basis"], long["reference"], long["estimate"]) == (
        "PERMANENT", "NEW_PURCHASE", 38000.0, 7200.0)
    posted = need(call, case_id="p-3", unit="U01", category="C07", description="办公楼中央空调年度维保",
                  budget=90000)
    assert (posted["reference_basis"], posted["reference"], posted["listed"]) == ("BUDGET", 90000.0, False)
    green = need(call, case_id="p-4", unit="U01", offer_id="SV06", qty=5)
    assert green["green_flag"] is True and green["estimate"] == 45000.0
    lemons = need(call, case_id="p-5", unit="U90", offer_id="SV08", qty=500, canteen=True)
    assert lemons["local_specialty"] is True and lemons["origin_region"] == "资阳"


def test_needs_that_cannot_be_priced_are_refused(area, call):
    for kw in ({"offer_id": "SV99"}, {"category": "C07", "description": "维修"}, {"category": "C07", "budget": 1},
               {"offer_id": "SV08", "qty": 10}, {"offer_id": "SV08", "qty": 10, "canteen": True},
               {"offer_id": "SV02", "qty": 0},
               {"offer_id": "SV02", "start_date": "2026-03-12", "end_date": "2026-03-10"}):
        with pytest.raises(RefusalError) as err:
            need(call, case_id=f"bad-{sorted(kw)}", unit="U07", **kw)
        assert err.value.error_code == "NEED_INVALID"


def test_direct_order_ranks_the_listed_offer_then_the_others(area, call):
    p = need(call, unit="U01", offer_id="SV04", qty=20)                 # 空调清洗 S08, 180/台
    award = call("award_direct_order", purchase_id=p["purchase_id"])
    assert award["route"] == "DIRECT" and award["supplier_id"] == "S08" and award["amount"] == 3600.0
    assert [r["supplierId"] for r in award["ranking"]] == ["S08"]        # S05 lists 件, not 台
    with pytest.raises(RefusalError):
        call("award_direct_order", purchase_id=need(call, case_id="p-9", unit="U01", category="C07",
                                                    description="维保", budget=100)["purchase_id"])


def test_a_quote_round_needs_enough_suppliers_and_quotes(area, call):
    p = need(call, unit="U01", category="C07", description="中央空调年度维保", budget=90000)
    opened = call("open_quote_round", purchase_id=p["purchase_id"], min_quotes=3)
    assert [s["id"] for s in opened["suppliers"]] == ["S05", "S06", "S08"]
    with pytest.raises(RefusalError) as err:
        call("award_quotes", purchase_id=p["purchase_id"], min_quotes=3,
             quotes=[{"supplierId": "S08", "amount": 61500}, {"supplierId": "S05", "amount": 64000},
                     {"supplierId": "S06", "amount": 59000, "compliant": False}, {"supplierId": "S13", "amount": 1}])
    assert err.value.error_code == "QUOTES_INSUFFICIENT" and len(err.value.details["problems"]) == 2
    award = call("award_quotes", purchase_id=p["purchase_id"], min_quotes=3,
                 quotes=[{"supplierId": "S08", "amount": 61500}, {"supplierId": "S05", "amount": 64000},
                         {"supplierId": "S06", "amount": 66800}])
    assert (award["supplier_id"], award["amount"], award["expected_saving"]) == ("S08", 61500.0, 28500.0)
    assert [(r["supplierId"], r["rank"]) for r in award["ranking"]] == [("S08", 1), ("S05", 2), ("S06", 3)]
    led = need(call, case_id="p-2", unit="U07", offer_id="SV02", periods=15)
    with pytest.raises(RefusalError) as err:                               # only S13 rents LED walls in 成都
        call("open_quote_round", purchase_id=led["purchase_id"], min_quotes=3)
    assert err.value.error_code == "QUOTES_INSUFFICIENT" and err.value.details["suppliers"][0]["id"] == "S13"


def test_a_supplier_that_does_not_accept_passes_the_order_on(area, call):
    p = need(call, unit="U01", category="C07", description="中央空调年度维保", budget=90000)
    pid = p["purchase_id"]
    call("open_quote_round", purchase_id=pid, min_quotes=3)
    call("award_quotes", purchase_id=pid, min_quotes=3,
         quotes=[{"supplierId": "S08", "amount": 61500}, {"supplierId": "S05", "amount": 64000},
                 {"supplierId": "S06", "amount": 66800}])
    first = call("place_purchase_order", case_id="p-1", key="k1", purchase_id=pid)
    assert first["supplier_id"] == "S08" and first["accept_deadline"] == "2026-01-06T01:00:00+00:00"
    again = call("place_purchase_order", case_id="p-1", key="k1", purchase_id=pid)
    assert again["order_id"] == first["order_id"]                          # a retried step orders once
    timed_out = call("record_supplier_response", purchase_id=pid, response="TIMED_OUT")
    assert timed_out["state"] == "TIMED_OUT" and timed_out["next_supplier"] == "S05"
    second = call("place_purchase_order", case_id="p-1", key="k2", purchase_id=pid)
    assert (second["supplier_id"], second["amount"], second["attempt"]) == ("S05", 64000.0, 2)
    call("record_supplier_response", purchase_id=pid, response="DECLINE", note="档期已满")
    third = call("place_purchase_order", case_id="p-1", key="k3", purchase_id=pid)
    assert third["supplier_id"] == "S06"
    call("record_supplier_response", purchase_id=pid, response="DECLINE")
    with pytest.raises(RefusalError) as err:
        call("place_purchase_order", case_id="p-1", key="k4", purchase_id=pid)
    assert err.value.error_code == "NO_SUPPLIER_LEFT"
    assert [o["status"] for o in orders(area.db, unit="U01")] == ["CANCELLED"] * 3
    assert call("close_purchase", purchase_id=pid, status="CANCELLED", note="无供应商接单")["status"] == "CANCELLED"


def test_delivery_acceptance_settlement_and_savings(area, call):
    p = need(call, unit="U07", offer_id="SV02", qty=1, periods=3, start_date="2026-03-10", end_date="2026-03-12")
    pid = p["purchase_id"]
    call("award_direct_order", purchase_id=pid)
    order = call("place_purchase_order", case_id="p-1", purchase_id=pid)
    with pytest.raises(InvalidInputError):
        call("record_purchase_delivery", purchase_id=pid, proof="照片")          # not accepted yet
    call("record_supplier_response", purchase_id=pid, response="ACCEPT")
    with pytest.raises(InvalidInputError):
        call("record_purchase_delivery", purchase_id=pid, proof=" ")
    call("record_purchase_delivery", purchase_id=pid, proof="安装调试验收单.pdf")
    assert call("record_purchase_acceptance", purchase_id=pid, decision="REWORK", comment="屏幕坏点")["decision"] == "REWORK"
    call("record_purchase_delivery", purchase_id=pid, proof="更换模组后验收单.pdf")
    with pytest.raises(InvalidInputError):
        call("record_purchase_acceptance", purchase_id=pid, decision="ACCEPT", rating=9)
    call("record_purchase_acceptance", purchase_id=pid, decision="ACCEPT", rating=4, comment="响应及时")
    settled = call("settle_purchase", purchase_id=pid, deal_price=11800, invoice_no="51012600001")
    assert (settled["reference"], settled["deal_price"], settled["saving"], settled["rate"]) == (
        18000.0, 11800.0, 6200.0, 0.3444)
    line = call("record_savings", case_id="p-1", unit="U07", reference=settled["reference"],
                actual=settled["deal_price"], category=settled["category"], note=settled["note"])
    assert line["saving"] == 6200.0
    assert {r["key"]: r["saving"] for r in report(area.db, by="category")} == {"C04": 6200.0}
    assert orders(area.db, unit="U07")[0]["status"] == "SETTLED" and order["supplier_id"] == "S13"
    view = purchase_view(area.db, pid)
    assert view["status"] == "CLOSED" and view["rating"] == 4 and view["deal_price"] == 11800.0
    assert supplier_ratings(area.db) == [{"supplier": "S13", "averageRating": 4.0, "ratings": 1}]


def test_flags_feed_the_green_and_local_specialty_reports(area, call):
    for case_id, unit, offer, qty, price in (("g", "U01", "SV06", 5, 43000), ("l", "U90", "SV08", 500, 3900)):
        p = need(call, case_id=case_id, unit=unit, offer_id=offer, qty=qty, canteen=True)
        call("award_direct_order", purchase_id=p["purchase_id"])
        call("place_purchase_order", case_id=case_id, purchase_id=p["purchase_id"])
        call("record_supplier_response", purchase_id=p["purchase_id"], response="ACCEPT")
        call("record_purchase_delivery", purchase_id=p["purchase_id"], proof="送货单")
        call("record_purchase_acceptance", purchase_id=p["purchase_id"], decision="ACCEPT", auto=True)
        call("settle_purchase", purchase_id=p["purchase_id"], deal_price=price, invoice_no=f"INV-{case_id}")
    flags = flag_report(area.db, period_from="2026-01")
    assert flags["green"] == {"count": 1, "dealPrice": 43000.0, "reference": 57500.0, "saving": 14500.0}
    assert flags["localSpecialty"] == [{"originRegion": "资阳", "count": 1, "dealPrice": 3900.0,
                                        "reference": 5000.0, "saving": 1100.0}]
    assert flag_report(area.db, period_to="2025-12")["green"]["count"] == 0


def test_closing_cancels_an_open_order(area, call):
    p = need(call, unit="U01", offer_id="SV07", qty=2)
    call("award_direct_order", purchase_id=p["purchase_id"])
    call("place_purchase_order", case_id="p-1", purchase_id=p["purchase_id"])
    assert call("close_purchase", purchase_id=p["purchase_id"], status="REJECTED")["status"] == "REJECTED"
    assert orders(area.db, unit="U01")[0]["status"] == "CANCELLED"
    with pytest.raises(InvalidInputError):
        call("close_purchase", purchase_id=p["purchase_id"], status="CLOSED")
    formal = need(call, case_id="p-2", unit="U01", category="C10", description="市级机关屋顶光伏", budget=1500000)
    assert call("close_purchase", purchase_id=formal["purchase_id"], status="FORMAL_PROCUREMENT")["status"] == (
        "FORMAL_PROCUREMENT")
    assert purchase_view(area.db, formal["purchase_id"])["route"] == "FORMAL_PROCUREMENT"


def test_the_service_catalogue_lists_what_a_unit_can_order(area):
    from warehouse.purchases import offers
    every = offers(area.db)
    assert [o["offerId"] for o in every][:2] == ["SV03", "SV02"] and len(every) == 9
    chengdu = {o["offerId"] for o in offers(area.db, unit="U07")}
    assert "SV08" not in chengdu and "SV02" in chengdu                    # 安岳柠檬 is delivered in 资阳 only
    assert [o["offerId"] for o in offers(area.db, category="C10")] == ["SV07", "SV06"]
    assert [o["offerId"] for o in offers(area.db, category="C11", unit="U90")] == ["SV08"]
