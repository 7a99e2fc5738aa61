"""cross_district_transfer (跨区调剂, DOMAIN §2(c) C2): configuration check, local search, the center's match,
holder consultation (2 working days, then the center decides), both sides' approvals in parallel through
the `approval` call activity (levels by the DMN tables transfer_release_side and transfer_finance), rejection
with release and 转为借用 through the `asset_request` call activity, shipping, receipt and the 调拨单.

Each scenario runs twice (in memory, and through the engine saved/restored at every step): same path, same
data. The data decides: city↔district (S2), district↔district, a branch asset whose keeper does not answer,
a same-level transfer from the own branch, a same-department transfer with finance filing.
"""
from __future__ import annotations

import pytest

from tests.processes.approval_harness import add_users, paths, run_in_memory, run_through_engine, t
from warehouse import catalogue, notices, savings, service_orders, title_transfers
from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS

BUNDLE = paths("cross_district_transfer", "approval", "asset_request")
EXTRA = {"lqy.clerk": ["UNIT_CLERK@U08"], "lqy.head": ["UNIT_HEAD@U08"], "lqy.fin": ["FINANCE_APPROVER@龙泉驿区"],
         "jj.clerk": ["UNIT_CLERK@U06"], "jj.head": ["UNIT_HEAD@U06"],
         "jj.keeper": ["BRANCH_KEEPER@锦江区"], "jj.district": ["DISTRICT_AGENCY@锦江区"],
         "jj.fin": ["FINANCE_APPROVER@锦江区"], "u12.clerk": ["UNIT_CLERK@U12"]}


def request(unit, item, category, keyword, qty, standard, current, price, staff=50):
    return {"applicant_unit": unit, "item_name": item, "category": category, "keyword": keyword, "qty": qty,
            "basis": {"staff_count": staff, "standard_qty": standard, "current_qty": current, "note": "配置标准"},
            "needed_by": "2026-04-30", "reference_price": price, "purpose": "日常工作需要"}


S2 = request("U10", "便携式彩色超声诊断仪", "C03", "超声", 1, 1, 0, 420000, staff=86)
PUMP = request("U08", "大流量排涝泵", "C09", "排涝泵", 1, 4, 1, 18000)
PROJECTOR = request("U07", "投影仪", "C04", "投影仪", 1, 3, 1, 7000)
DESKS = request("U06", "学生课桌椅", "C01", "课桌椅", 20, 900, 700, 600, staff=900)
SOUND = request("U12", "会议扩声音响系统", "C04", "音响", 1, 1, 0, 52000, staff=10)
OVER = request("U10", "便携式彩色超声诊断仪", "C03", "超声", 1, 1, 1, 420000)

OK = {"approval_decision": "APPROVE", "approval_comment": "同意"}
CITY_NO = {"approval_decision": "REJECT", "approval_comment": "超出配置标准，保留共享医疗使用"}
NONE_HERE = {"local_found": False, "local_comment": "本分仓无此类资产"}
SHIP = {"shipping_supplier": "S07", "shipping_trips": 1, "shipping_amount": 800, "shipping_note": "厢式车一趟"}
RECEIVED = {"receipt_decision": "RECEIVED", "receipt_note": "数量品相相符"}
LOAN = {"convert_to_loan": True, "loan_start": "2026-03-16", "loan_end": "2026-09-15",
        "loan_purpose": "基层巡回诊疗（借用6个月）", "loan_need_delivery": False}
YES = {"decision": "APPROVE", "comment": "同意"}


def match(asset_id):
    return {"match_decision": "MATCH", "match_asset_id": asset_id, "match_comment": "按品相、路程匹配"}


MON = t("2026-03-02 09:00")           # a Monday
SCENARIOS = {   # name: (starter, start data, steps)
    "s2_city_finance_rejects_then_loan": ("jy.clerk", S2, [
        ("at", MON), ("jy.keeper", "local_search", "简阳市", NONE_HERE),
        ("zhao.center", "center_match", None, match("A018")),
        ("tang.meeting", "approve_head_meeting", None, OK), ("jy.head", "approve_unit_head", "U10", OK),
        ("jy.fin", "approve_finance", "简阳市", OK), ("sun.fin", "approve_finance", "成都市本级", CITY_NO),
        ("jy.clerk", "offer_loan", "U10", LOAN), ("jy.head", "unit_head_signoff", "U10", YES),
        ("zhao.center", "holder_review_center", None, YES), ("chen.leader", "agency_leader_approval", None, YES),
        ("tang.meeting", "head_meeting_approval", None, YES)]),
    "district_to_district_title_transfer": ("lqy.clerk", PUMP, [
        ("at", MON), ("wu.lqy", "local_search", "龙泉驿区", NONE_HERE),
        ("zhao.center", "center_match", None, match("A024")),
        ("jy.keeper", "holder_consultation", "简阳市", {"consult_decision": "CONFIRM"}),
        ("jy.district", "approve_district_agency", "简阳市", OK), ("lqy.head", "approve_unit_head", "U08", OK),
        ("jy.fin", "approve_finance", "简阳市", OK), ("lqy.fin", "approve_finance", "龙泉驿区", OK),
        ("jy.keeper", "arrange_shipping", "简阳市", SHIP), ("lqy.clerk", "receipt_sign", "U08", RECEIVED)]),
    "keeper_silent_center_orders_release_damaged_on_arrival": ("wang.clerk", PROJECTOR, [
        ("at", MON), ("zhou.wh", "local_search", "武侯区", NONE_HERE),
        ("zhao.center", "center_match", None, match("A015")), ("at", t("2026-03-04 09:30")),
        ("zhao.center", "center_decide", None, {"center_decision": "ORDER_RELEASE",
                                                "center_comment": "简阳市分仓逾期未答复，中心决定调出"}),
        ("jy.district", "approve_district_agency", "简阳市", OK), ("li.head", "approve_unit_head", "U07", OK),
        ("jy.fin", "approve_finance", "简阳市", OK), ("wh.fin", "approve_finance", "武侯区", OK),
        ("jy.keeper", "arrange_shipping", "简阳市", SHIP),
        ("wang.clerk", "receipt_sign", "U07", {"receipt_decision": "DAMAGED", "receipt_note": "镜头破裂"})]),
    "own_branch_same_level_one_finance": ("jj.clerk", DESKS, [
        ("at", MON), ("jj.keeper", "local_search", "锦江区", {"local_found": True, "local_asset_id": "A020"}),
        ("jj.district", "approve_district_agency", "锦江区", OK), ("jj.head", "approve_unit_head", "U06", OK),
        ("jj.fin", "approve_finance", "锦江区", OK), ("jj.keeper", "arrange_shipping", "锦江区", SHIP),
        ("jj.clerk", "receipt_sign", "U06", RECEIVED)]),
    "same_department_files_with_finance": ("u12.clerk", SOUND, [
        ("at", MON), ("cd.keeper", "local_search", "成都市本级", {"local_found": True, "local_asset_id": "A013"}),
        ("chen.leader", "approve_city_agency", None, OK), ("ma.dept", "approve_dept_reviewer", "U01", OK),
        ("cd.keeper", "arrange_shipping", "成都市本级", SHIP), ("u12.clerk", "receipt_sign", "U12", RECEIVED)]),
    "holder_refuses_then_no_match": ("lqy.clerk", PUMP, [
        ("at", MON), ("wu.lqy", "local_search", "龙泉驿区", NONE_HERE),
        ("zhao.center", "center_match", None, match("A024")),
        ("jy.keeper", "holder_consultation", "简阳市", {"consult_decision": "REFUSE",
                                                       "consult_reason": "留作本区防汛使用"}),
        ("zhao.center", "center_match", None, {"match_decision": "NO_MATCH",
                                               "match_comment": "其他仓库无可调剂的排涝泵"})]),
    "receiving_side_rejects_and_the_other_side_stops": ("jy.clerk", S2, [
        ("at", MON), ("jy.keeper", "local_search", "简阳市", NONE_HERE),
        ("zhao.center", "center_match", None, match("A018")),
        ("jy.head", "approve_unit_head", "U10", {"approval_decision": "REJECT", "approval_comment": "暂缓配置"}),
        ("jy.clerk", "offer_loan", "U10", {"convert_to_loan": False})]),
    "release_side_approved_then_receiving_side_rejects": ("lqy.clerk", PUMP, [
        ("at", MON), ("wu.lqy", "local_search", "龙泉驿区", NONE_HERE),
        ("zhao.center", "center_match", None, match("A022")),
        ("chen.leader", "approve_city_agency", None, {"approval_decision": "APPROVE",
                                                      "approval_comment": "同意调出主仓柴油发电机组"}),
        ("lqy.head", "approve_unit_head", "U08", {"approval_decision": "REJECT", "approval_comment": "本单位暂不需要"}),
        ("lqy.clerk", "offer_loan", "U08", {"convert_to_loan": False})]),
    "loan_offer_expires": ("jy.clerk", S2, [
        ("at", MON), ("jy.keeper", "local_search", "简阳市", NONE_HERE),
        ("zhao.center", "center_match", None, match("A018")),
        ("jy.head", "approve_unit_head", "U10", {"approval_decision": "REJECT", "approval_comment": "暂缓配置"}),
        ("at", t("2026-03-17 09:00"))]),
    "over_standard_is_not_accepted": ("jy.clerk", OVER, [("at", MON)]),
    "center_rematches_a_refused_asset_and_a_refused_supplier": ("lqy.clerk", PUMP, [
        ("at", MON), ("wu.lqy", "local_search", "龙泉驿区", NONE_HERE),
        ("zhao.center", "center_match", None, match("A024")), ("at", t("2026-03-04 09:30")),
        ("zhao.center", "center_decide", None, {"center_decision": "REMATCH", "center_comment": "另选主仓资产"}),
        ("zhao.center", "center_match", None, match("A012")), ("zhao.center", "center_match", None, match("A022")),
        ("chen.leader", "approve_city_agency", None, OK), ("lqy.head", "approve_unit_head", "U08", OK),
        ("sun.fin", "approve_finance", "成都市本级", OK), ("lqy.fin", "approve_finance", "龙泉驿区", OK),
        ("cd.keeper", "arrange_shipping", "成都市本级", dict(SHIP, shipping_supplier="S13")),
        ("cd.keeper", "arrange_shipping", "成都市本级", SHIP), ("lqy.clerk", "receipt_sign", "U08", RECEIVED)]),
}
EXPECTED_OPEN = {
    "s2_city_finance_rejects_then_loan": [("arrange_release_center", "CENTER_OPERATOR", None)],
}


@pytest.fixture
def eng(engine):
    for login, display, grants in DEMO_USERS:
        engine.add_user(login, DEMO_PASSWORD, grants, display)
    add_users(engine, EXTRA)
    return engine


def run(eng, clock, name, upto=None):
    starter, data, steps = SCENARIOS[name]
    return run_through_engine(eng, clock, "cross_district_transfer", BUNDLE, starter, data, steps[:upto])


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_both_ways_take_the_same_path_to_the_same_data(eng, clock, tmp_path, name):
    starter, data, steps = SCENARIOS[name]
    mem_path, mem_data, mem_open = run_in_memory(tmp_path, "cross_district_transfer", BUNDLE, data, steps)
    db_path, db_data, db_open, case = run(eng, clock, name)
    asked = [(s[1], s[2]) for s in steps if s[0] != "at"]
    assert mem_path == db_path and [(p[0], p[2]) for p in db_path] == asked
    assert mem_open == db_open == EXPECTED_OPEN.get(name, [])
    assert mem_data == db_data
    assert case["status"] == ("waiting" if name in EXPECTED_OPEN else "completed")


# ---------------------------------------------------------------------------------------------- what people notice
def _notices(eng, user):
    return notices.for_principal(eng.db, eng.principal(user), limit=100)[0]


def _asset(eng, asset_id):
    found = catalogue.search(eng.db, requester_region=None, text=asset_id, status=None)[0]
    return next(((a["status"], a["qty"]) for a in found if a["assetId"] == asset_id), None)


def _history(eng, asset_id):
    return [h["toStatus"] for h in catalogue.asset_history(eng.db, asset_id)]


def test_s2_city_finance_rejects_the_unit_is_told_why_and_the_loan_skips_finance(eng, clock):
    # up to 成都市财政局's rejection
    _, data, open_tasks, case = run(eng, clock, "s2_city_finance_rejects_then_loan", upto=7)
    assert open_tasks == [("offer_loan", "UNIT_CLERK", "U10")]
    request = title_transfers.transfer_requests(eng.db, unit="U10")[0]
    assert (request["status"], request["reason"], request["rejected_by"]) == \
        ("REJECTED", "超出配置标准，保留共享医疗使用", "调出方财政：成都市财政局审批")
    assert _asset(eng, "A018") == ("AVAILABLE", 1)
    told = [n for n in _notices(eng, "jy.clerk") if n["title"].startswith("调剂未获批准")]
    assert len(told) == 1 and "超出配置标准，保留共享医疗使用" in told[0]["body"]
    assert data["transfer_rejection_reason"] == "超出配置标准，保留共享医疗使用"
    # 转为借用: the loan goes to the unit head, the center, the leader and the head meeting - never to finance
    for user, element, scope, answer in SCENARIOS["s2_city_finance_rejects_then_loan"][2][7:]:
        task = next(x for x in eng.inbox(user)[0] if x["name"] == element and x["case_id"] == case["id"])
        assert task["scope"] == scope
        eng.complete(task["id"], user, answer)
        assert eng.inbox("sun.fin") == ([], 0) and eng.inbox("jy.fin") == ([], 0)
    assert [x["name"] for x in eng.inbox("zhao.center")[0]] == ["arrange_release_center"]
    assert title_transfers.transfer_requests(eng.db, unit="U10")[0]["status"] == "CONVERTED_TO_LOAN"
    assert "TRANSFERRED_OUT" not in _history(eng, "A018")
    assert title_transfers.title_transfers(eng.db, asset_id="A018") == []


def test_district_to_district_ends_in_a_title_transfer_with_both_fiscal_levels(eng, clock):
    path, data, _, case = run(eng, clock, "district_to_district_title_transfer")
    # both finance bureaus approved (区↔区), each after its own side's first level
    assert ("approve_finance", "FINANCE_APPROVER", "简阳市") in path and \
        ("approve_finance", "FINANCE_APPROVER", "龙泉驿区") in path
    note = title_transfers.title_transfers(eng.db, unit="U08")[0]
    assert (note["asset_id"], note["source_asset_id"], note["qty"], note["original_value"]) == \
        ("A024-1", "A024", 1, 15000.0)
    assert (note["from_region"], note["from_finance_bureau"], note["to_region"], note["to_finance_bureau"]) == \
        ("JY", "简阳市财政局", "LQY", "龙泉驿区财政局")
    finance = [(a["scope"], a["decision"]) for a in note["approvals"] if a["role"] == "FINANCE_APPROVER"]
    assert sorted(finance) == [("简阳市", "APPROVE"), ("龙泉驿区", "APPROVE")]
    assert _asset(eng, "A024") == ("AVAILABLE", 2) and _asset(eng, "A024-1") == ("TRANSFERRED_OUT", 1)
    assert _history(eng, "A024-1")[-2:] == ["IN_TRANSIT", "TRANSFERRED_OUT"]
    orders = service_orders.orders(eng.db, case_id=case["id"])
    assert [(o["supplier"], o["kind"], o["amount"], o["status"]) for o in orders] == \
        [("S07", "LOGISTICS", 800.0, "DELIVERED")]
    by_unit = {r["key"]: r for r in savings.report(eng.db, by="unit")}
    assert (by_unit["U08"]["reference"], by_unit["U08"]["actual"], by_unit["U08"]["saving"]) == \
        (18000.0, 800.0, 17200.0)
    assert data["title_note"]["note_no"] == note["note_no"]
    assert any(n["title"].startswith("调剂完成") for n in _notices(eng, "lqy.clerk"))


def test_silent_holder_escalates_to_the_center_after_two_working_days(eng, clock):
    _, _, open_tasks, _ = run(eng, clock, "keeper_silent_center_orders_release_damaged_on_arrival", upto=3)
    consult = eng.inbox("jy.keeper")[0]
    assert [x["name"] for x in consult] == ["holder_consultation"]
    assert consult[0]["due_at"] == "2026-03-04T01:00:00+00:00"           # Wed 09:00: 2 working days
    assert _asset(eng, "A015") == ("AVAILABLE", 3)                        # 1 of 3 held
    clock.set(t("2026-03-04 09:30"))
    eng.fire_due_timers()
    assert eng.inbox("jy.keeper") == ([], 0)
    assert [x["name"] for x in eng.inbox("zhao.center")[0]] == ["center_decide"]
    assert [n["kind"] for n in _notices(eng, "zhao.center") if n["title"].startswith("调剂征询超时")] == \
        ["ESCALATION"]


def test_damaged_on_arrival_goes_back_to_the_holder_and_no_title_moves(eng, clock):
    _, data, _, case = run(eng, clock, "keeper_silent_center_orders_release_damaged_on_arrival")
    request = title_transfers.transfer_requests(eng.db, unit="U07")[0]
    assert request["status"] == "RETURNED_DAMAGED" and "镜头破裂" in request["reason"]
    assert _asset(eng, "A015") == ("AVAILABLE", 2) and _asset(eng, "A015-1") == ("INSPECTING", 1)
    assert title_transfers.title_transfers(eng.db, unit="U07") == []
    assert any(n["kind"] == "ALERT" and "到货损坏" in n["title"] for n in _notices(eng, "zhao.center"))


def test_own_branch_is_a_same_level_transfer_with_one_finance_approval(eng, clock):
    path, data, _, _ = run(eng, clock, "own_branch_same_level_one_finance")
    assert data["release_levels"] == [
        {"role": "DISTRICT_AGENCY", "scope": "锦江区", "title": "调出方（锦江区分仓）：区机关事务部门领导审批"},
        {"role": "FINANCE_APPROVER", "scope": "锦江区", "title": "调出方财政：锦江区财政局审批"}]
    assert data["receive_levels"] == [{"role": "UNIT_HEAD", "scope": "U06", "title": "调入方：锦江区教育局负责人审核"}]
    assert "holder_consultation" not in [p[0] for p in path] and "center_match" not in [p[0] for p in path]
    assert _asset(eng, "A020") == ("AVAILABLE", 60) and _asset(eng, "A020-1") == ("TRANSFERRED_OUT", 20)
    note = title_transfers.title_transfers(eng.db, unit="U06")[0]
    assert (note["from_region"], note["to_region"], note["total_original_value"]) == ("JJ", "JJ", 9000.0)


def test_same_department_needs_no_finance_approval_only_filing(eng, clock):
    path, data, _, _ = run(eng, clock, "same_department_files_with_finance")
    assert not [p for p in path if p[1] == "FINANCE_APPROVER"]
    filing = [n for n in _notices(eng, "sun.fin") if n["title"].startswith("调剂备案")]
    assert len(filing) == 1 and filing[0]["to_scope"] == "成都市本级"
    assert _asset(eng, "A013") == ("TRANSFERRED_OUT", 1)


def test_holder_refusal_releases_the_asset_and_no_match_tells_the_unit(eng, clock):
    _, data, _, _ = run(eng, clock, "holder_refuses_then_no_match")
    assert _asset(eng, "A024") == ("AVAILABLE", 3)
    request = title_transfers.transfer_requests(eng.db, unit="U08")[0]
    assert (request["status"], request["reason"]) == ("NO_MATCH", "其他仓库无可调剂的排涝泵")
    assert any("无可调剂资产" in n["title"] for n in _notices(eng, "lqy.clerk"))


def test_a_rejection_on_one_side_withdraws_the_other_sides_tasks(eng, clock):
    _, _, open_tasks, _ = run(eng, clock, "receiving_side_rejects_and_the_other_side_stops", upto=4)
    assert open_tasks == [("offer_loan", "UNIT_CLERK", "U10")]
    assert eng.inbox("tang.meeting") == ([], 0)
    assert _asset(eng, "A018") == ("AVAILABLE", 1)
    request = title_transfers.transfer_requests(eng.db, unit="U10")[0]
    assert (request["reason"], request["rejected_by"]) == ("暂缓配置", "调入方：简阳市卫生健康局负责人审核")


def test_the_side_that_approved_keeps_its_record_when_the_other_side_rejects(eng, clock):
    """The receiving side's rejection ends the approvals with a terminate end, which drops the releasing
    side's results from the case data; the case's log still says who approved, and with what comment."""
    _, data, _, case = run(eng, clock, "release_side_approved_then_receiving_side_rejects")
    assert data["release_result"]["trail"] == []            # chen.leader's approval is not in the case data
    done = {e["task"]: e for e in eng.case_events(case["id"]) if e["type"] == "task_completed"}
    approved = done["approve_city_agency"]
    assert approved["actor"] == "chen.leader"
    assert approved["detail"]["data"] == {"approval_decision": "APPROVE", "approval_comment": "同意调出主仓柴油发电机组"}
    assert done["approve_unit_head"]["detail"]["data"]["approval_comment"] == "本单位暂不需要"
    request = title_transfers.transfer_requests(eng.db, unit="U08")[0]
    assert (request["status"], request["reason"]) == ("REJECTED", "本单位暂不需要")


def test_a_request_missing_what_the_process_needs_is_refused_before_anything_is_created(eng):
    """The start form (cross_district_transfer_start.schema.json) names every missing or wrong field at
    once; before it, such a start created a case in error with a script's NameError."""
    from engine.errors import FormInvalidError
    from warehouse.demo_data import load_demo_data
    load_demo_data(eng.db)
    eng.deploy(paths=BUNDLE)
    with pytest.raises(FormInvalidError) as err:
        eng.start_case("cross_district_transfer", {"applicant_unit": "U08", "qty": 0}, "lqy.clerk")
    assert sorted(p["field"] for p in err.value.details) == ["basis", "item_name", "qty"]
    assert eng.list_cases()[1] == 0


def test_an_unanswered_loan_offer_closes_after_ten_working_days(eng, clock):
    _, _, _, case = run(eng, clock, "loan_offer_expires", upto=4)
    assert [x["due_at"] for x in case["open_tasks"]] == ["2026-03-16T01:00:00+00:00"]
    clock.set(t("2026-03-17 09:00"))
    eng.fire_due_timers()
    assert eng.get_case(case["id"])["status"] == "completed" and eng.inbox("jy.clerk") == ([], 0)
    assert title_transfers.transfer_requests(eng.db, unit="U10")[0]["status"] == "REJECTED"


def test_refusals_send_the_center_and_the_keeper_back_with_the_reason(eng, clock):
    name = "center_rematches_a_refused_asset_and_a_refused_supplier"
    _, data, _, _ = run(eng, clock, name, upto=6)          # A012 is not a pump: back to matching
    assert data["refusal"]["code"] == "NOT_AVAILABLE" and "C09" in data["refusal"]["message"]
    assert _asset(eng, "A024") == ("AVAILABLE", 3) and _asset(eng, "A012") == ("AVAILABLE", 1)
    assert [x["name"] for x in eng.inbox("zhao.center")[0]] == ["center_match"]


def test_an_ineligible_logistics_supplier_is_refused_and_the_keeper_chooses_again(eng, clock):
    name = "center_rematches_a_refused_asset_and_a_refused_supplier"
    _, data, _, _ = run(eng, clock, name, upto=12)
    assert data["refusal"]["code"] == "SUPPLIER_NOT_ELIGIBLE"
    assert [x["name"] for x in eng.inbox("cd.keeper")[0]] == ["arrange_shipping"]
    held = catalogue.search(eng.db, requester_region=None, text="A022", status=None)[0][0]
    assert (held["status"], held["qty"], held["qtyAvailable"]) == ("AVAILABLE", 2, 1)      # 1 of 2 held


def test_over_standard_request_ends_at_once_and_the_unit_is_told(eng, clock):
    _, data, _, case = run(eng, clock, "over_standard_is_not_accepted")
    assert case["status"] == "completed" and data["transfer"]["over_standard"] is True
    told = [n for n in _notices(eng, "jy.clerk") if n["title"].startswith("调剂申请未受理")]
    assert len(told) == 1 and "超出配置标准" in told[0]["body"]
    assert eng.inbox("jy.keeper") == ([], 0)
