"""Walk-through over HTTP: market service purchases with savings (DOMAIN §2(f)).

Given 锦江区教育局 (U06) needs its schools' air conditioners serviced (not in the catalogue, budget 90,000)
and 武侯区民政局 (U07) needs an LED wall for a 3-day meeting (listed by S13 at 4,000 a day),
when the platform (zhao.center) collects three quotes for U06 (S08 61,500, S05 64,000, S06 66,800), the
unit head approves, S08 lets its 24 hours pass, S05 accepts, performs and is rated, and U06 settles at
64,000; and U07 orders the LED wall directly (12,000 ≤ 50,000), accepts it and settles at 11,800,
then S08's order is cancelled, each unit sees its notices, and the savings report shows 26,000 for 锦江区,
6,200 for 武侯区 and Σsaving ÷ Σreference = 32,200 ÷ 108,000 for 成都.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse import deposit_ledger
from warehouse.data.users import DEMO_USERS

EVERYONE = [login for login, _, _ in DEMO_USERS]


def at(desk, when: str) -> None:
    """Move the clock; people log in afresh (a token lives 8 hours, the desk keeps them)."""
    desk.at(local(when))
    desk.tokens.clear()


def test_quote_round_with_a_silent_supplier_and_a_direct_order(desk):
    deposit_ledger.load_demo(desk.engine.db)          # the service catalogue (see warehouse/deposit_ledger.py)
    desk.deploy("service_purchase")
    at(desk, "2026-02-02 09:00")
    case = desk.start("jjedu.clerk", "service_purchase", {"unit": "U06", "need": {
        "category": "C07", "description": "区属中小学空调集中清洗维保", "budget": 90000,
        "startDate": "2026-03-01", "endDate": "2026-03-31"}}, business_key="FW-2026-0001")
    cid = case["id"]
    assert (case["data"]["route"], case["data"]["pricing"]["reference_basis"]) == ("QUOTES", "BUDGET")
    assert [s["id"] for s in case["data"]["round"]["suppliers"]] == ["S05", "S06", "S08"]

    at(desk, "2026-02-03 16:00")
    short = desk.complete("zhao.center", "collect_quotes", {"quote_decision": "AWARD", "quotes": [
        {"supplierId": "S08", "amount": 61500}, {"supplierId": "S05", "amount": 64000}]}, cid)
    assert short["data"]["refusal"]["code"] == "QUOTES_INSUFFICIENT"          # back to the platform
    desk.complete("zhao.center", "collect_quotes", {"quote_decision": "AWARD", "quotes": [
        {"supplierId": "S08", "amount": 61500}, {"supplierId": "S05", "amount": 64000},
        {"supplierId": "S06", "amount": 66800, "note": "含更换滤网"}]}, cid)
    head = desk.task("jjedu.head", "unit_head_approval", cid)
    assert head["data"]["award"]["supplier_id"] == "S08" and head["data"]["award"]["expected_saving"] == 28500.0
    desk.complete("jjedu.head", "unit_head_approval", {"decision": "APPROVE", "comment": "同意询价结果"}, cid)
    desk.nobody_else_sees("supplier_accept", cid, {"s08.chuanxi"}, EVERYONE)

    at(desk, "2026-02-04 16:01")                       # 24 hours after the order: S08 never answered
    desk.nobody_else_sees("supplier_accept", cid, {"s05.jincheng"}, EVERYONE)
    s08_orders = desk.get("service-orders", "s08.chuanxi")["items"]
    assert [(o["supplier"], o["status"]) for o in s08_orders] == [("S08", "CANCELLED")]
    passed_on = desk.get(f"notices?case_id={cid}", "jjedu.clerk")["items"][0]
    assert passed_on["title"] == "供应商未接单，订单已转下一家" and "转给 S05" in passed_on["body"]

    at(desk, "2026-02-04 17:00")
    desk.complete("s05.jincheng", "supplier_accept", {"supplier_decision": "ACCEPT"}, cid)
    at(desk, "2026-03-20 17:00")
    desk.complete("s05.jincheng", "supplier_perform", {"proof": "维保验收单 JJ-WB-0320.pdf",
                                                       "perform_note": "42台空调已清洗"}, cid)
    at(desk, "2026-03-23 10:00")
    desk.complete("jjedu.clerk", "unit_acceptance", {"acceptance_decision": "ACCEPT", "rating": 4,
                                                     "acceptance_comment": "按期完成"}, cid)
    done = desk.complete("jjedu.clerk", "settlement", {"deal_price": 64000, "invoice_no": "51010400077",
                                                       "paid_on": "2026-03-25"}, cid)
    assert done["status"] == "completed" and done["data"]["savings"]["saving"] == 26000.0
    orders = desk.get(f"service-orders?case_id={cid}", "zhao.center")["items"]
    assert [(o["supplier"], o["status"], o["settled_amount"]) for o in orders] == [
        ("S08", "CANCELLED", None), ("S05", "SETTLED", 64000.0)]

    # a listed service below the direct-order limit: ordered at the listed price, no quote round
    led = desk.start("wang.clerk", "service_purchase", {"unit": "U07", "need": {
        "offerId": "SV02", "qty": 1, "periods": 3, "startDate": "2026-04-08", "endDate": "2026-04-10",
        "description": "全区民政工作会LED屏"}})
    lid = led["id"]
    assert led["data"]["route"] == "DIRECT" and led["data"]["pricing"]["reference"] == 18000.0
    desk.complete("li.head", "unit_head_approval", {"decision": "APPROVE"}, lid)
    desk.complete("s13.jinguan", "supplier_accept", {"supplier_decision": "ACCEPT"}, lid)
    at(desk, "2026-04-10 18:00")
    desk.complete("s13.jinguan", "supplier_perform", {"proof": "安装调试确认单.pdf"}, lid)
    desk.complete("wang.clerk", "unit_acceptance", {"acceptance_decision": "ACCEPT", "rating": 5}, lid)
    desk.complete("wang.clerk", "settlement", {"deal_price": 11800, "invoice_no": "51012600318"}, lid)

    by_region = {r["key"]: r for r in desk.get("savings?by=region", "fang.audit")["items"]}
    assert (by_region["JJ"]["reference"], by_region["JJ"]["saving"]) == (90000.0, 26000.0)
    assert (by_region["WH"]["saving"], by_region["WH"]["rate"]) == (6200.0, 0.3444)
    (city,) = desk.get("savings?by=city&period_from=2026-03", "fang.audit")["items"]
    assert (city["key"], city["reference"], city["saving"], city["rate"]) == ("成都", 108000.0, 32200.0,
                                                                               round(32200 / 108000, 4))
    by_category = {r["key"]: r["saving"] for r in desk.get("savings?by=category", "fang.audit")["items"]}
    assert by_category == {"C07": 26000.0, "C04": 6200.0}
    settled = desk.get(f"notices?case_id={lid}", "li.head")["items"][0]
    assert settled["title"] == "服务采购已结算" and "节支 6200.0 元" in settled["body"]
