"""S2 (DOMAIN §4): a permanent transfer rejected by finance, converted to a loan.

简阳市卫生健康局 (U10) wants the portable ultrasound A018 (380,000, main warehouse) permanently. 简阳 branch
has none; the city center matches A018; the agency head meeting and 简阳市财政局 approve; 成都市财政局 rejects
("超出配置标准，保留共享医疗使用"). The transfer ends REJECTED, A018 stays AVAILABLE, U10 is told why, converts
to a 6-month loan that skips the finance bureaus, still needs the agency head meeting and is approved; no
write-off or booking entries exist for A018.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse import deposit_ledger, title_transfers
from warehouse.data.users import DEMO_USERS

EVERYONE = [login for login, _, _ in DEMO_USERS]
REQUEST = {"applicant_unit": "U10", "item_name": "便携式彩色超声诊断仪", "category": "C03", "keyword": "超声诊断仪",
           "qty": 1, "basis": {"staff_count": 86, "standard_qty": 1, "current_qty": 0,
                               "note": "县级卫生健康部门巡回诊疗设备配置标准：1台"},
           "needed_by": "2026-04-30", "reference_price": 420000, "purpose": "基层巡回诊疗"}
APPROVE = {"approval_decision": "APPROVE", "approval_comment": "同意"}
REASON = "超出配置标准，保留共享医疗使用"


def a018(desk, user="jy.clerk"):
    items = desk.get("catalogue?text=A018&status=ANY", user)["items"]
    return next(a for a in items if a["assetId"] == "A018")


def history(desk, user="jy.clerk"):
    return desk.get("assets/A018/history", user)["items"]


def test_s2_transfer_rejected_by_city_finance_then_converted_to_a_loan(desk):
    desk.deploy("cross_district_transfer", "approval", "asset_request")
    desk.at(local("2026-03-02 09:00"))
    case = desk.start("jy.clerk", "cross_district_transfer", REQUEST, business_key="TJ-2026-0001")
    cid = case["id"]

    # 简阳 branch searches its own stock: nothing suitable, so it asks the city center for help
    search = desk.task("jy.keeper", "local_search", cid)
    assert search["title"] == "本区分仓检索" and search["scope"] == "简阳市"
    assert search["data"]["local_stock"]["items"] == []
    desk.complete("jy.keeper", "local_search", {"local_found": False, "local_comment": "本分仓无超声诊断设备"}, cid)
    assert any(n["title"].startswith("跨仓求助") for n in desk.get("notices", "zhao.center")["items"])

    # the center matches A018 at the main warehouse (the city decides directly: no holder consultation)
    match = desk.task("zhao.center", "center_match", cid)
    best = match["data"]["remote_stock"]["items"][0]
    assert (best["assetId"], best["warehouseId"], best["unitValue"]) == ("A018", "WH-CD-MAIN", 380000.0)
    desk.complete("zhao.center", "center_match", {"match_decision": "MATCH", "match_asset_id": "A018"}, cid)
    assert a018(desk)["status"] == "RESERVED"

    # both sides approve in parallel: the head meeting (> 200,000) and U10's head first, then each finance bureau
    assert desk.task("tang.meeting", "approve_head_meeting", cid)["title"] == "局长办公会审议"
    assert desk.task("jy.head", "approve_unit_head", cid)["scope"] == "U10"
    desk.nobody_else_sees("approve_head_meeting", cid, {"tang.meeting"}, EVERYONE)
    desk.nobody_else_sees("approve_unit_head", cid, {"jy.head"}, EVERYONE)
    desk.complete("tang.meeting", "approve_head_meeting", APPROVE, cid)
    desk.complete("jy.head", "approve_unit_head", APPROVE, cid)
    assert desk.task("sun.fin", "approve_finance", cid)["scope"] == "成都市本级"
    assert desk.task("jy.fin", "approve_finance", cid)["scope"] == "简阳市"
    desk.complete("jy.fin", "approve_finance", APPROVE, cid)
    after = desk.complete("sun.fin", "approve_finance", {"approval_decision": "REJECT", "approval_comment": REASON},
                          cid)

    # the transfer ends REJECTED: A018 stays AVAILABLE, U10 sees the reason, nothing was booked
    assert after["data"]["transfer_rejection_reason"] == REASON
    mine = desk.case(cid, "jy.clerk")
    assert mine["data"]["closed_request"]["status"] == "REJECTED"
    assert mine["data"]["closed_request"]["reason"] == REASON
    told = [n for n in desk.get("notices", "jy.clerk")["items"] if n["title"].startswith("调剂未获批准")]
    assert len(told) == 1 and REASON in told[0]["body"] and told[0]["to_unit"] == "U10"
    assert a018(desk)["status"] == "AVAILABLE"
    assert [h["toStatus"] for h in history(desk)] == ["RESERVED", "AVAILABLE"]
    offer = desk.task("jy.clerk", "offer_loan", cid)
    assert offer["title"] == "是否转为借用" and offer["data"]["transfer_rejection_reason"] == REASON

    # 转为借用: 6 months; the loan skips both finance bureaus and still goes to the agency head meeting
    desk.complete("jy.clerk", "offer_loan", {"convert_to_loan": True, "loan_start": "2026-03-16",
                                             "loan_end": "2026-09-15", "loan_purpose": "基层巡回诊疗（借用6个月）",
                                             "loan_need_delivery": False}, cid)
    for user, element in [("jy.head", "unit_head_signoff"), ("zhao.center", "holder_review_center"),
                          ("chen.leader", "agency_leader_approval"), ("tang.meeting", "head_meeting_approval")]:
        assert desk.inbox("sun.fin") == [] and desk.inbox("jy.fin") == []
        desk.complete(user, element, {"decision": "APPROVE", "comment": "同意借用"}, cid)
    # approved: the main warehouse now prepares the release of the loan
    assert [t["name"] for t in desk.inbox("zhao.center", cid)] == ["arrange_release_center"]
    assert desk.inbox("sun.fin") == [] and desk.inbox("jy.fin") == []
    request = title_transfers.transfer_requests(desk.engine.db, case_id=cid)[0]
    assert (request["status"], request["reason"], request["loan_outcome"]) == ("CONVERTED_TO_LOAN", REASON, "STARTED")

    # no write-off or booking entries for A018: never TRANSFERRED_OUT, no 调拨单, no card in U10's ledger
    statuses = {h["toStatus"] for h in history(desk, "sun.fin")}
    assert not statuses & {"TRANSFERRED_OUT", "DISPOSED", "IN_TRANSIT"}
    assert title_transfers.title_transfers(desk.engine.db, asset_id="A018") == []
    assert not [c for c in deposit_ledger.ledger(desk.engine.db, "U10") if "A018" in c["cardNo"]
                or c["name"] == "便携式彩色超声诊断仪"]
