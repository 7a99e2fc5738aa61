"""deposit (资产入仓, DOMAIN §2(a)): declaration checked against the ledger, sign-off, supervising department,
routing (city units → main warehouse, district units → their branch), online pre-check with its outcomes,
move, offline re-inspection, receipt with custody mode, shelving, repair.

Every scenario runs twice (tests/processes/order_harness.py): straight through in memory and through the
engine with a save/restore at every step; both must take the same path to the same data.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.processes.order_harness import START, play_both
from warehouse import catalogue, deposit_ledger, notices
from warehouse.data.users import DEMO_USERS
from warehouse.service_orders import orders
from warehouse.tables import Notice

YES = {"decision": "APPROVE", "comment": "同意入仓"}


@pytest.fixture
def eng(engine):
    for login, name, grants in DEMO_USERS:
        engine.add_user(login, "correct horse battery", grants, name)
    return engine


def ledger_items(unit, *numbers, **changes):
    from warehouse.data import chengdu as D
    rows = {r[1]: r for r in D.UNIT_ASSET_CARDS if r[0] == unit}
    out = []
    for no in numbers:
        _, card_no, cat, name, spec, qty, uom, original, net, bought, location, secret, _ = rows[no]
        item = {"cardNo": card_no, "categoryCode": cat, "name": name, "spec": spec, "qty": qty, "uom": uom,
                "originalValue": original, "netValue": net, "purchaseDate": bought, "location": location,
                "secretFlag": secret, "selfCondition": "B", "reason": "闲置"}
        item.update(changes.get(no, {}))
        out.append(item)
    return out


def u12(**kw):
    data = {"unit": "U12", "reason": "临时机构撤销", "needMoving": True,
            "items": ledger_items("U12", "ZB-2023-0001", "ZB-2023-0002", "ZB-2023-0003",
                                  **{"ZB-2023-0001": {"selfCondition": "A"}})}
    data.update(kw)
    return data


def u06(*numbers, **kw):
    data = {"unit": "U06", "reason": "办公用房调整，闲置满6个月", "needMoving": False,
            "items": ledger_items("U06", *(numbers or ("JJJY-2019-0112",)))}
    data.update(kw)
    return data


ACCEPT_MOVING = {"precheck_decision": "ACCEPT", "delivery": "MOVING_SERVICE", "moving_supplier": "S07", "trips": 2}
ACCEPT_SELF = {"precheck_decision": "ACCEPT", "delivery": "SELF", "precheck_comment": "同意入仓"}
U12_LOTS = {"lots": [{"cardNo": "ZB-2023-0001", "qty": 1, "grade": "A", "tagNo": "RFID-LED-0001"},
                     {"cardNo": "ZB-2023-0002", "qty": 19, "grade": "B"},
                     {"cardNo": "ZB-2023-0002", "qty": 1, "grade": "C", "note": "电源故障"},
                     {"cardNo": "ZB-2023-0003", "qty": 29, "grade": "B"}],
            "repair_supplier": "S08", "inspection_comment": "折叠会议桌少1张"}
U06_LOTS = {"lots": [{"cardNo": "JJJY-2019-0112", "qty": 12, "grade": "B"}]}


def test_u12_dissolved_body_into_the_main_warehouse(eng, clock, tmp_path):
    """The 赛事专班 (city level, temporary, supervised by U01): dept review, main warehouse, moving order to S07,
    differences confirmed, one computer repaired by S08, title transferred with 成都市财政局's approval."""
    steps = [("do", "unit_head_signoff", "zb.head", YES),
             ("do", "dept_review", "ma.dept", YES),
             ("do", "precheck_main", "zhao.center", ACCEPT_MOVING),
             ("do", "moving_delivery", "s07.rongtong", {"trips_made": 3, "delivery_note": "LED屏单独一趟"}),
             ("do", "inspect_main", "zhao.center", U12_LOTS),
             ("do", "confirm_differences", "zb.clerk", {"confirm_decision": "CONFIRM", "confirm_comment": "少1张属实"}),
             ("do", "finance_filing", "sun.fin", {"finance_decision": "APPROVE"}),
             ("do", "repair_work", "s08.chuanxi", {"repair_amount": 380, "repair_note": "更换电源"})]
    path, data, status, open_tasks, case = play_both(eng, clock, tmp_path, "deposit", u12(), steps, "zb.clerk")
    assert status == "completed" and path == [s[1] for s in steps]
    assert (data["holder_level"], data["custody_default"], data["routing"]["warehouse_id"]) == (
        "MAIN", "TRANSFER_TITLE", "WH-CD-MAIN")
    assert data["receipt"]["receipt_no"] == "ZCJS-2026-WH-CD-MAIN-0001" and data["receipt"]["title_transferred"]
    assert data["receipt"]["total_original_value"] == 98000 + 20 * 5600 + 29 * 860
    assert [(a["assetId"], a["qty"], a["condition"]) for a in data["shelf"]["available"]] == [
        ("A031", 1, "A"), ("A032", 19, "B"), ("A033", 29, "B")]
    assert data["shelf"]["under_repair"][0]["assetId"] == "A034" and data["repair"]["repaired"] == ["A034"]
    items, _ = catalogue.search(eng.db, requester_region="武侯区", text="台式计算机")
    assert {(i["assetId"], i["qtyAvailable"], i["warehouseId"]) for i in items if i["assetId"] > "A030"} == {
        ("A032", 19, "WH-CD-MAIN"), ("A034", 1, "WH-CD-MAIN")}
    assert [h["toStatus"] for h in catalogue.asset_history(eng.db, "A032")] == [
        "DECLARED", "IN_TRANSIT_IN", "INSPECTING", "AVAILABLE"]
    assert {o["kind"]: (o["status"], o["amount"]) for o in orders(eng.db, case_id=case["id"])} == {
        "MOVING": ("SETTLED", 2400.0), "REPAIR": ("SETTLED", 380.0)}
    ledger = {c["cardNo"]: c for c in deposit_ledger.ledger(eng.db, "U12")}
    assert ledger["ZB-2023-0002"]["status"] == "DEPOSITED" and not ledger["ZB-2023-0002"]["onBooks"]
    unit_notices, _ = notices.for_principal(eng.db, eng.principal("zb.clerk"), case_id=case["id"])
    assert unit_notices[0]["title"] == "资产接收专用收据 ZCJS-2026-WH-CD-MAIN-0001 已开具"
    assert "产权已划转" in unit_notices[0]["body"]


def test_u06_district_unit_into_its_branch_custody_only(eng, clock, tmp_path):
    """锦江区教育局: no supervising department, the 锦江 branch, self delivery, no difference, custody only
    (the DMN default for a standing unit): no finance step, the cards stay on the unit's books."""
    steps = [("do", "unit_head_signoff", "jjedu.head", YES),
             ("do", "precheck_branch", "jj.branch", ACCEPT_SELF),
             ("do", "self_delivery", "jjedu.clerk", {"delivered_on": "2026-01-08", "vehicle": "川A·J1234"}),
             ("do", "inspect_branch", "jj.branch", U06_LOTS)]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", u06(), steps, "jjedu.clerk")
    assert status == "completed" and path == [s[1] for s in steps]
    assert data["routing"]["warehouse_id"] == "WH-JJ" and data["custody_mode"] == "CUSTODY_ONLY"
    assert data["receipt"]["receipt_no"] == "ZCJS-2026-WH-JJ-0001" and data["finance_decision"] is None
    items, _ = catalogue.search(eng.db, requester_region="锦江区", warehouse="WH-JJ", text="钢制文件柜")
    assert [(i["assetId"], i["qtyAvailable"], i["tier"]) for i in items] == [("A031", 12, "OWN")]
    assert next(c for c in deposit_ledger.ledger(eng.db, "U06") if c["cardNo"] == "JJJY-2019-0112")["onBooks"]
    assert orders(eng.db, case_id=case["id"]) == []


def test_the_data_decides_route_scope_and_custody(eng, clock, tmp_path):
    """成都市教育局 (city, standing, no supervisor): main warehouse, custody only, no department review; a
    武侯区 unit's declaration goes to 武侯区's keeper only; a clerk may ask for title transfer, which then goes
    to the finance bureau of the unit's own level (锦江区财政局)."""
    u05 = {"unit": "U05", "reason": "迁入新址", "items": ledger_items("U05", "CDJY-2020-0420")}
    eng.add_user("u05.head", "correct horse battery", ["UNIT_HEAD@U05"])
    steps = [("do", "unit_head_signoff", "u05.head", YES),
             ("do", "precheck_main", "zhao.center", ACCEPT_SELF)]
    _, data, status, open_tasks, _ = play_both(eng, clock, tmp_path, "deposit", u05, steps, "admin")
    assert open_tasks == ["self_delivery"] and data["custody_mode"] == "CUSTODY_ONLY"
    assert data["routing"]["holder_role"] == "CENTER_OPERATOR" and data["supervising_dept"] is None


def test_a_wuhou_declaration_reaches_only_the_wuhou_keeper(eng, clock):
    from tests.processes.order_harness import paths, prepare
    prepare(eng.db)
    eng.deploy(paths=paths("deposit"))
    data = {"unit": "U07", "reason": "闲置", "items": ledger_items("U07", "WHMZ-2018-0203"),
            "custodyMode": "TRANSFER_TITLE"}
    case = eng.start_case("deposit", data, "wang.clerk")
    assert case["data"]["routing"]["warehouse_id"] == "WH-WH" and case["data"]["custody_mode"] == "TRANSFER_TITLE"
    assert case["data"]["declaration"]["idle_due_cards"] == ["WHMZ-2018-0203"]
    signoff = eng.inbox("li.head")[0][0]
    eng.complete(signoff["id"], "li.head", YES)
    assert eng.inbox("jj.branch") == ([], 0) and eng.inbox("cd.keeper") == ([], 0)
    (task,), _ = eng.inbox("zhou.wh")
    assert task["name"] == "precheck_branch" and task["scope"] == "武侯区"


def test_title_transfer_asked_by_a_district_unit_goes_to_its_own_finance(eng, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "jjedu.head", YES),
             ("do", "precheck_branch", "jj.branch", ACCEPT_SELF),
             ("do", "self_delivery", "jjedu.clerk", {"delivered_on": "2026-01-08"}),
             ("do", "inspect_branch", "jj.branch", {"lots": [{"cardNo": "JJJY-2020-0031", "qty": 2, "grade": "B"}]}),
             ("do", "finance_filing", "jj.fin", {"finance_decision": "REJECT", "finance_comment": "复印机仍在使用年限内，不同意划转"})]
    data = u06("JJJY-2020-0031", custodyMode="TRANSFER_TITLE")
    path, data, status, _, _ = play_both(eng, clock, tmp_path, "deposit", data, steps, "jjedu.clerk")
    assert status == "completed" and data["finance_scope"] == "锦江区"
    assert data["receipt"]["custody_mode"] == "CUSTODY_ONLY" and not data["receipt"]["title_transferred"]


@pytest.mark.parametrize("decision,end_status", [
    ({"precheck_decision": "REJECT", "reject_reason": "OUT_OF_SCOPE", "precheck_comment": "不属于入仓范围"}, "REJECTED"),
    ({"precheck_decision": "REDIRECT_DISPOSAL", "precheck_comment": "已无使用价值"}, "REDIRECTED_DISPOSAL")])
def test_precheck_refusals_end_the_declaration(eng, clock, tmp_path, decision, end_status):
    steps = [("do", "unit_head_signoff", "jjedu.head", YES), ("do", "precheck_branch", "jj.branch", decision)]
    _, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", u06(), steps, "jjedu.clerk")
    assert status == "completed" and data["precheck"]["status"] == end_status
    assert data["precheck"]["assets"] == []
    (notice,), _ = notices.for_principal(eng.db, eng.principal("jjedu.clerk"), case_id=case["id"])
    assert decision["precheck_comment"] in notice["body"]
    if end_status == "REDIRECTED_DISPOSAL":
        assert data["precheck"]["disposal_referral"][0]["cardNo"] == "JJJY-2019-0112"


def test_returned_for_fix_and_not_fixed_in_ten_days_is_cancelled(eng, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "jjedu.head", YES),
             ("do", "precheck_branch", "jj.branch", {"precheck_decision": "RETURN_FOR_FIX",
                                                       "precheck_comment": "请补充资产照片"}),
             ("at", START + timedelta(days=9, hours=23)),
             ("at", START + timedelta(days=10, hours=1))]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", u06(), steps, "jjedu.clerk")
    assert status == "completed" and data["closing"]["status"] == "CANCELLED"
    titles = [n["title"] for n in notices.for_principal(eng.db, eng.principal("jjedu.clerk"), case_id=case["id"])[0]]
    assert titles == ["入仓申报已撤销", "入仓申报退回修改"]
    assert next(c for c in deposit_ledger.ledger(eng.db, "U06") if c["cardNo"] == "JJJY-2019-0112")["status"] == "IDLE"


def test_returned_for_fix_then_fixed_goes_round_again(eng, clock, tmp_path):
    fixed = {"fix_decision": "RESUBMIT", "fix_comment": "改为申报复印机",
             "items": ledger_items("U06", "JJJY-2020-0031")}
    steps = [("do", "unit_head_signoff", "jjedu.head", YES),
             ("do", "precheck_branch", "jj.branch", {"precheck_decision": "RETURN_FOR_FIX", "precheck_comment": "文件柜暂缓"}),
             ("at", START + timedelta(days=2)),
             ("do", "fix_declaration", "jjedu.clerk", fixed),
             ("do", "unit_head_signoff", "jjedu.head", YES),
             ("do", "precheck_branch", "jj.branch", ACCEPT_SELF)]
    _, data, status, open_tasks, _ = play_both(eng, clock, tmp_path, "deposit", u06(), steps, "jjedu.clerk")
    assert open_tasks == ["self_delivery"] and data["declaration"]["lines"][0]["cardNo"] == "JJJY-2020-0031"
    assert data["precheck"]["assets"] == ["A031"] and data["deposit_id"] == 1


def test_a_card_not_on_the_books_goes_back_to_the_clerk_before_anyone_signs(eng, clock, tmp_path):
    wrong = u06(items=ledger_items("U06", "JJJY-2019-0112", **{"JJJY-2019-0112": {"originalValue": 1500}}))
    steps = [("do", "fix_declaration", "jjedu.clerk", {"fix_decision": "WITHDRAW", "fix_comment": "核对后再报"})]
    _, data, status, _, _ = play_both(eng, clock, tmp_path, "deposit", wrong, steps, "jjedu.clerk")
    assert status == "completed" and data["refusal"]["code"] == "DECLARATION_INVALID"
    assert data["refusal"]["details"]["problems"][0]["code"] == "VALUE_MISMATCH"
    assert data["deposit_id"] is None and data["fix_end_status"] == "WITHDRAWN"


def test_unwiped_confidential_laptops_are_refused_by_the_system(eng, clock, tmp_path):
    data = u12(items=ledger_items("U12", "ZB-2023-0004"))
    _, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", data, [], "zb.clerk")
    assert status == "completed" and data["precheck"]["status"] == "REJECTED" and data["unwiped"] == ["ZB-2023-0004"]
    (notice,), _ = notices.for_principal(eng.db, eng.principal("zb.head"), case_id=case["id"])
    assert notice["title"] == "入仓申报未通过：涉密信息设备须先脱密"


def test_head_or_department_refusal_withdraws(eng, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "zb.head", YES),
             ("do", "dept_review", "ma.dept", {"decision": "REJECT", "comment": "待赛事审计结束后再入仓"})]
    _, data, status, _, _ = play_both(eng, clock, tmp_path, "deposit", u12(), steps, "zb.clerk")
    assert status == "completed" and data["closing"]["status"] == "WITHDRAWN"


def test_overdue_precheck_and_a_disputed_inspection(eng, clock, tmp_path):
    """The branch misses the 3-working-day pre-check (a notice, the task stays); the unit disputes the
    re-inspection and the branch inspects again."""
    steps = [("do", "unit_head_signoff", "jjedu.head", YES),
             ("at", START + timedelta(days=3, hours=1)),                      # Thu 09:00+: 3 working days passed
             ("do", "precheck_branch", "jj.branch", ACCEPT_SELF),
             ("do", "self_delivery", "jjedu.clerk", {"delivered_on": "2026-01-09"}),
             ("do", "inspect_branch", "jj.branch", {"lots": [{"cardNo": "JJJY-2019-0112", "qty": 11, "grade": "B"}]}),
             ("do", "confirm_differences", "jjedu.clerk", {"confirm_decision": "DISPUTE", "confirm_comment": "送了12组"}),
             ("do", "inspect_branch", "jj.branch", U06_LOTS)]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", u06(), steps, "jjedu.clerk")
    assert status == "completed" and data["inspection"]["has_differences"] is False
    overdue, _ = notices.for_principal(eng.db, eng.principal("jj.branch"), case_id=case["id"])
    assert [n["kind"] for n in overdue] == ["OVERDUE"] and eng.inbox("zhou.wh") == ([], 0)


def test_duty_reminders_reach_the_units_that_must_deposit(eng, clock, tmp_path):
    """deposit_duty_reminder: idle ≥ 6 months (idleDepositTrigger) and a dissolved temporary body's assets
    (tempBodyReturnDeadline: 30 days) — one notice per unit; after the deadline the body's notice is OVERDUE."""
    _, data, status, _, case = play_both(eng, clock, tmp_path, "deposit", {}, [], "zhao.center",
                                         process_id="deposit_duty_reminder", start=START + timedelta(days=26))                   # 2026-01-31: U12's deadline passed
    assert status == "completed" and data["reminder_count"] == 4
    with eng.db.unit_of_work(write=False) as s:
        kinds = {n.to_unit: n.kind for n in s.scalars(select(Notice).where(Notice.case_id == case["id"]))}
    assert kinds == {"U05": "REMINDER", "U06": "REMINDER", "U07": "REMINDER", "U12": "OVERDUE"}
    (mine,), _ = notices.for_principal(eng.db, eng.principal("jjedu.clerk"), case_id=case["id"])
    assert "闲置已满6个月" in mine["body"] and "JJJY-2021-0007" not in mine["body"]
