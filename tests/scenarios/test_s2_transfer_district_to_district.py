"""S2, the data decides: the same 跨区调剂 process between two districts ends in a title transfer.

武侯区民政局 (U07) needs a projector. 武侯区分仓 has none; the center matches A015 (3 projectors at 简阳市分仓,
a branch): 简阳's keeper must answer within 2 working days, does not, and the center decides to release
one. Both districts' agency and finance approve (区↔区: both finance bureaus), 简阳 ships with S07, U07
signs, and the 调拨单 writes one projector off 简阳's books and books it to U07 at its original value; the
saving (new-purchase price − freight) is credited to U07 and shows in 武侯区's and 成都's reports.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse import title_transfers
from warehouse.data.users import DEMO_USERS

EVERYONE = [login for login, _, _ in DEMO_USERS]
REQUEST = {"applicant_unit": "U07", "item_name": "投影仪", "category": "C04", "keyword": "投影仪", "qty": 1,
           "basis": {"staff_count": 40, "standard_qty": 3, "current_qty": 1, "note": "会议室投影设备配置标准"},
           "needed_by": "2026-04-15", "reference_price": 7000, "purpose": "社区服务站会议室"}
APPROVE = {"approval_decision": "APPROVE", "approval_comment": "同意"}


def asset(desk, asset_id):
    items = desk.get(f"catalogue?text={asset_id}&status=ANY", "wang.clerk")["items"]
    return next(((a["status"], a["qty"]) for a in items if a["assetId"] == asset_id), None)


def test_district_to_district_with_a_silent_holder_ends_in_a_title_transfer(desk):
    desk.deploy("cross_district_transfer", "approval", "asset_request")
    desk.at(local("2026-03-02 09:00"))                     # a Monday
    cid = desk.start("wang.clerk", "cross_district_transfer", REQUEST)["id"]
    desk.complete("zhou.wh", "local_search", {"local_found": False}, cid)
    ranked = desk.task("zhao.center", "center_match", cid)["data"]["remote_stock"]["items"]
    assert ranked[0]["assetId"] == "A015" and ranked[0]["warehouseId"] == "WH-JY"
    desk.complete("zhao.center", "center_match", {"match_decision": "MATCH", "match_asset_id": "A015"}, cid)

    # 简阳's keeper has 2 working days to answer (due Wednesday 09:00), stays silent: the center decides
    consult = desk.task("jy.keeper", "holder_consultation", cid)
    assert consult["due_at"] == "2026-03-04T01:00:00+00:00"
    desk.at(local("2026-03-04 09:30"))
    desk.tokens.clear()                                    # two days later everyone logs in again
    assert desk.tasks("jy.keeper", "holder_consultation", cid) == []
    assert any(n["kind"] == "ESCALATION" for n in desk.get("notices", "zhao.center")["items"])
    desk.complete("zhao.center", "center_decide", {"center_decision": "ORDER_RELEASE",
                                                   "center_comment": "逾期未答复，中心决定调出"}, cid)

    # 区↔区: each side's agency or head, then each side's finance bureau
    desk.complete("jy.district", "approve_district_agency", APPROVE, cid)
    desk.complete("li.head", "approve_unit_head", APPROVE, cid)
    desk.nobody_else_sees("approve_finance", cid, {"jy.fin", "wh.fin"}, EVERYONE)
    desk.complete("jy.fin", "approve_finance", APPROVE, cid)
    desk.complete("wh.fin", "approve_finance", APPROVE, cid)

    # 简阳 ships one projector with S07; U07 signs for it
    desk.complete("jy.keeper", "arrange_shipping", {"shipping_supplier": "S07", "shipping_trips": 1,
                                                    "shipping_amount": 800}, cid)
    assert asset(desk, "A015-1") == ("IN_TRANSIT", 1) and asset(desk, "A015") == ("AVAILABLE", 2)
    done = desk.complete("wang.clerk", "receipt_sign", {"receipt_decision": "RECEIVED"}, cid)
    assert done["status"] == "completed"

    # the 调拨单: off 简阳's books (简阳市财政局), onto U07's (武侯区财政局), original value carried over
    note = done["data"]["title_note"]
    assert (note["asset_id"], note["original_value"], note["from_finance_bureau"], note["to_finance_bureau"]) == \
        ("A015-1", 6500.0, "简阳市财政局", "武侯区财政局")
    assert note["new_card_no"].startswith("U07-A015-1-")
    assert asset(desk, "A015-1") == ("TRANSFERRED_OUT", 1)
    assert [h["toStatus"] for h in desk.get("assets/A015-1/history", "wang.clerk")["items"]][-2:] == \
        ["IN_TRANSIT", "TRANSFERRED_OUT"]
    assert title_transfers.transfer_requests(desk.engine.db, case_id=cid)[0]["status"] == "COMPLETED"
    orders = desk.get(f"service-orders?case_id={cid}", "wang.clerk")["items"]
    assert [(o["supplier"], o["kind"], o["amount"], o["status"]) for o in orders] == \
        [("S07", "LOGISTICS", 800.0, "DELIVERED")]

    # the saving: new-purchase price 7,000 − freight 800, in 武侯区's and in 成都's report
    region = {r["key"]: r for r in desk.get("savings?by=region", "wang.clerk")["items"]}
    city = {r["key"]: r for r in desk.get("savings?by=city", "wang.clerk")["items"]}
    assert (region["WH"]["reference"], region["WH"]["actual"], region["WH"]["saving"]) == (7000.0, 800.0, 6200.0)
    assert city["成都"]["saving"] == 6200.0
    assert any(n["title"].startswith("调剂完成") for n in desk.get("notices", "wang.clerk")["items"])
