"""S1 (DOMAIN §4): a cross-level loan with value escalation and a logistics service, the happy path.

武侯区民政局 (U07) needs an LED wall and 40 chairs for a 3-day conference next week. Its own branch has
neither; the main warehouse lists A012 (168,000) and A002 (680 each). wang.clerk searches the catalogue,
asks for both (195,200) with delivery and installation, li.head signs, zhao.center (main-warehouse stock)
reviews and, above 50,000, chen.leader approves. The release note and the S07 logistics order (2 trips)
follow; U07 signs on delivery (ON_LOAN, due end date + 2 days), returns, the inspection makes them
AVAILABLE, and the closed loan shows reference 19,200, actual 4,600, saving 14,600 (76%), counted in
武侯区's report and in 成都's.
"""
from __future__ import annotations

from tests.scenarios.support import local

REQUEST = {"purpose": "会议", "eventName": "武侯区养老服务体系建设推进会", "startDate": "2026-03-10",
           "endDate": "2026-03-12", "applicant_unit": "U07", "holder_warehouse": "WH-CD-MAIN",
           "holder_region": "成都市本级", "needDelivery": True, "needInstall": True,
           "deliveryAddress": "武侯区民政局会议中心", "referencePrice": 19200,
           "items": [{"assetId": "A012", "name": "LED小间距显示屏4m×2.25m", "qty": 1, "unitValue": 168000},
                     {"assetId": "A002", "name": "会议椅", "qty": 40, "unitValue": 680}]}
APPROVE = {"decision": "APPROVE", "comment": "同意"}


def later(desk, when):
    """Move the clock; tokens are signed against the same clock, so everyone logs in again."""
    desk.at(when)
    desk.tokens.clear()


def lots(desk, text):
    items = desk.get(f"catalogue?text={text}&status=ANY", "wang.clerk")["items"]
    return {i["assetId"]: (i["status"], i["qty"]) for i in items}


def test_s1_cross_level_loan_with_value_escalation_and_logistics(desk):
    desk.deploy("asset_request")
    later(desk, local("2026-03-02 09:00"))

    # the clerk searches: nothing suitable in 武侯区's own branch, both items at the main warehouse
    led = desk.get("catalogue?region=武侯区&category=C04&text=LED", "wang.clerk")["items"]
    assert [(i["assetId"], i["warehouseId"], i["tier"]) for i in led] == [("A012", "WH-CD-MAIN", "MAIN")]
    chairs = desk.get("catalogue?region=武侯区&text=会议椅", "wang.clerk")["items"]
    assert [(i["assetId"], i["qtyAvailable"], i["warehouseId"]) for i in chairs] == [("A002", 60, "WH-CD-MAIN")]

    case = desk.start("wang.clerk", "asset_request", REQUEST, business_key="JY-2026-S1")
    cid = case["id"]
    assert case["data"]["reservation"]["totalValue"] == 195200
    assert lots(desk, "A012") == {"A012": ("RESERVED", 1)}

    desk.complete("li.head", "unit_head_signoff", APPROVE)
    desk.nobody_else_sees("holder_review_center", cid, {"zhao.center", "admin"}, ["zhou.wh", "cd.keeper", "li.head"])
    desk.complete("zhao.center", "holder_review_center", APPROVE)
    case = desk.complete("chen.leader", "agency_leader_approval", APPROVE)     # 195,200 > 50,000
    assert case["data"]["needs_agency_leader"] and not case["data"]["needs_head_meeting"]

    case = desk.complete("zhao.center", "arrange_release_center",
                         {"counted": True, "logisticsSupplier": "S07", "trips": 2, "installSupplier": "S13",
                          "installAmount": 3000})
    release = case["data"]["release"]
    assert release["releaseNo"].startswith("CK-2026-")                          # the 出仓单
    orders = desk.get(f"service-orders?case_id={cid}", "s07.rongtong")["items"]
    assert [(o["kind"], o["qty"], o["unit_price"], o["amount"]) for o in orders] == [("LOGISTICS", 2, 800.0, 1600.0)]

    # delivered: U07 signs, the items are ON_LOAN, due two days after the conference ends
    later(desk, local("2026-03-03 10:00"))
    case = desk.complete("wang.clerk", "sign_receipt", {"received": True, "receiver": "王小明"})
    assert case["data"]["loan"]["dueDate"] == "2026-03-14"
    assert lots(desk, "A012") == {"A012": ("ON_LOAN", 1)}
    assert lots(desk, "A002") == {"A002": ("AVAILABLE", 20), "A002-1": ("ON_LOAN", 40)}
    assert [t["name"] for t in desk.case(cid)["open_tasks"]] == ["in_use"]

    # the conference is over: return and inspection
    later(desk, local("2026-03-13 10:00"))
    desk.complete("wang.clerk", "in_use", {"return_action": "RETURN", "returnNote": "会议结束"})
    case = desk.complete("zhao.center", "return_inspection_center", {"lines": [], "inspectionComment": "完好"})
    assert lots(desk, "A012") == {"A012": ("AVAILABLE", 1)}
    assert lots(desk, "A002") == {"A002": ("AVAILABLE", 20), "A002-1": ("AVAILABLE", 40)}

    # closed: the ledger and both reports
    assert case["status"] == "completed" and case["data"]["loan_result"] == "CLOSED"
    assert case["data"]["savings"] == {"reference": 19200.0, "actual": 4600.0, "saving": 14600.0, "rate": 0.7604}
    by_region = {r["key"]: r for r in desk.get("savings?by=region", "wang.clerk")["items"]}
    by_city = {r["key"]: r for r in desk.get("savings?by=city", "wang.clerk")["items"]}
    for row in (by_region["WH"], by_city["成都"]):
        assert (row["reference"], row["actual"], row["saving"], round(row["rate"], 2)) == (19200.0, 4600.0,
                                                                                          14600.0, 0.76)
    settled = desk.get(f"service-orders?case_id={cid}", "zhao.center")["items"]
    assert [(o["kind"], o["status"], o["settled_amount"]) for o in settled] == [("LOGISTICS", "SETTLED", 1600.0),
                                                                                ("INSTALL", "SETTLED", 3000.0)]
    history = desk.get("assets/A012/history", "wang.clerk")["items"]
    assert [h["toStatus"] for h in history] == ["RESERVED", "IN_TRANSIT", "ON_LOAN", "AVAILABLE"]
