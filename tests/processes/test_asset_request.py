"""asset_request (资产申领/借用, DOMAIN §2(b) steps 1-10): request, approvals by holder and value, release
with logistics, sign-off, in use with reminders, overdue and escalation, return inspection, repair, close.

Every scenario runs twice (tests/processes/loan_runs.py): through the engine, saved and restored at every
step, and straight through in memory; both must see the same inboxes after every step and end with the
same data. "The data decides": units, holders (main warehouse or which branch), values and flags other
than the acceptance scenarios' route the case differently.
"""
from __future__ import annotations

import pytest

from engine.errors import FormInvalidError, TaskNotFoundError
from tests.processes.loan_runs import EngineRun, both, local
from warehouse import catalogue, loan_record, notices
from warehouse.reservations import block_unit

APPROVE = {"decision": "APPROVE", "comment": "同意"}
RECEIVED = {"received": True}
RETURN = {"return_action": "RETURN"}
INTACT = {"lines": []}


def request(items, unit="U07", warehouse=None, start="2026-03-10", end="2026-03-12", delivery=False,
            install=False, **more):
    data = {"purpose": "会议", "eventName": "工作会", "startDate": start, "endDate": end, "items": items,
            "applicant_unit": unit, "needDelivery": delivery, "needInstall": install, **more}
    if warehouse:
        data["holder_warehouse"] = warehouse
    return data


S1_ITEMS = [{"assetId": "A012", "name": "LED小间距显示屏", "qty": 1, "unitValue": 168000},
            {"assetId": "A002", "name": "会议椅", "qty": 40, "unitValue": 680}]
S1 = request(S1_ITEMS, warehouse="WH-CD-MAIN", delivery=True, install=True, referencePrice=19200,
             deliveryAddress="武侯区民政局会议中心")
S1_STEPS = [
    ("do", "unit_head_signoff", "li.head", APPROVE),
    ("do", "holder_review_center", "zhao.center", APPROVE),
    ("do", "agency_leader_approval", "chen.leader", APPROVE),
    ("do", "arrange_release_center", "zhao.center",
     {"counted": True, "logisticsSupplier": "S07", "trips": 2, "installSupplier": "S13", "installAmount": 3000}),
    ("do", "sign_receipt", "wang.clerk", RECEIVED),
    ("at", "2026-03-13 17:00"),
    ("do", "in_use", "wang.clerk", RETURN),
    ("do", "return_inspection_center", "zhao.center", INTACT),
]


def status_of(db, asset_id):
    item = catalogue.search(db, requester_region=None, text=asset_id, status=None)[0]
    return {i["assetId"]: (i["status"], i["qty"]) for i in item if i["assetId"].split("-")[0] == asset_id}


def test_s1_main_warehouse_loan_with_delivery_installation_and_savings(engine, clock, tmp_path):
    run, seen, status, data = both(engine, clock, tmp_path, S1, S1_STEPS)
    assert seen[:6] == [["unit_head_signoff"], ["holder_review_center"], ["agency_leader_approval"],
                        ["arrange_release_center"], ["sign_receipt"], ["in_use"]]
    assert status == "completed" and data["outcome"] == "APPROVED" and data["loan_result"] == "CLOSED"
    assert data["total_value"] == 195200 and data["needs_agency_leader"] and not data["needs_head_meeting"]
    release = data["release"]
    assert [(o["kind"], o["supplier"], o["qty"], o["amount"]) for o in release["orders"]] == [
        ("LOGISTICS", "S07", 2, 1600.0), ("INSTALL", "S13", 1, 3000.0)]
    assert data["loan"]["dueDate"] == "2026-03-14"                  # end date + 2 days' grace
    assert data["closing"]["costs"] == {"INSTALL": 3000.0, "LOGISTICS": 1600.0}
    assert data["savings"] == {"reference": 19200.0, "actual": 4600.0, "saving": 14600.0, "rate": 0.7604}
    # 40 of the 60 chairs left as their own lot and came back: both lots AVAILABLE, 60 chairs in all
    assert status_of(engine.db, "A002") == {"A002": ("AVAILABLE", 20), "A002-1": ("AVAILABLE", 40)}
    assert status_of(engine.db, "A012") == {"A012": ("AVAILABLE", 1)}
    history = [(h["fromStatus"], h["toStatus"]) for h in catalogue.asset_history(engine.db, "A012")]
    assert history == [("AVAILABLE", "RESERVED"), ("RESERVED", "IN_TRANSIT"), ("IN_TRANSIT", "ON_LOAN"),
                       ("ON_LOAN", "AVAILABLE")]


ROUTES = {   # name: (start data, steps, open tasks after each step)
    "branch_small_needs_keeper_only": (
        request([{"assetId": "A004", "qty": 2}]),
        [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review", "zhou.wh", APPROVE),
         ("do", "arrange_release", "zhou.wh", {"counted": True}), ("do", "pickup_receipt", "wang.clerk", RECEIVED),
         ("do", "in_use", "wang.clerk", RETURN), ("do", "return_inspection", "zhou.wh", INTACT)],
        ["holder_review", "arrange_release", "pickup_receipt", "in_use", "return_inspection", []]),
    "branch_over_50000_goes_to_the_district_leader": (
        request([{"assetId": "A014", "qty": 2}], warehouse="WH-WH"),
        [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review", "zhou.wh", APPROVE),
         ("do", "district_leader_approval", "xu.district", APPROVE),
         ("do", "arrange_release", "zhou.wh", {"counted": True})],
        ["holder_review", "district_leader_approval", "arrange_release", "pickup_receipt"]),
    "other_district_branch_and_precision_instrument_go_to_the_meeting": (
        request([{"assetId": "A019", "qty": 1, "precisionInstrument": True}], unit="U06"),
        [("do", "unit_head_signoff", "jjedu.head", APPROVE), ("do", "holder_review", "jj.branch", APPROVE),
         ("do", "district_leader_approval", "jj.district", APPROVE),
         ("do", "head_meeting_approval", "tang.meeting", APPROVE)],
        ["holder_review", "district_leader_approval", "head_meeting_approval", "arrange_release"]),
    "over_200000_goes_to_the_head_meeting_which_rejects": (
        request([{"assetId": "A018", "qty": 1}]),
        [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review_center", "zhao.center", APPROVE),
         ("do", "agency_leader_approval", "chen.leader", APPROVE),
         ("do", "head_meeting_approval", "tang.meeting",
          {"decision": "REJECT", "reject_reason": "OVER_STANDARD", "comment": "超出配置标准"})],
        ["holder_review_center", "agency_leader_approval", "head_meeting_approval", []]),
    "supervised_temporary_body_goes_to_its_department_which_rejects": (
        request([{"assetId": "A027", "qty": 10}], unit="U12"),
        [("do", "unit_head_signoff", "zb.head", APPROVE),
         ("do", "dept_review", "ma.dept", {"decision": "REJECT", "reject_reason": "NOT_OFFICIAL_USE",
                                          "comment": "专班已撤销"})],
        ["dept_review", []]),
}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_data_decides_the_route(engine, clock, tmp_path, name):
    data, steps, expected = ROUTES[name]
    user = {"U06": "jjedu.clerk", "U12": "zb.clerk"}.get(data["applicant_unit"], "wang.clerk")
    run, seen, status, final = both(engine, clock, tmp_path, data, steps, user)
    assert seen[0] == ["unit_head_signoff"]
    assert [s[0] if s else [] for s in seen[1:]] == expected
    if final.get("outcome") == "REJECTED":
        assert status == "completed" and final["reject_code"] == steps[-1][3]["reject_reason"]
        asset = data["items"][0]["assetId"]
        assert status_of(engine.db, asset)[asset][0] == "AVAILABLE"       # the reservation was released
        assert catalogue.asset_history(engine.db, asset)[-1]["note"].startswith(
            f"审批未通过（{final['reject_code']}）")


def test_a_blocked_unit_is_refused_at_once(engine, clock, tmp_path):
    run = EngineRun(engine, clock)
    with engine.db.unit_of_work() as s:
        block_unit(s, unit="U07", reason="有逾期未归还的借用资产", case_id=None, now=clock.now())
    run.start(request([{"assetId": "A004", "qty": 1}]))
    status, data = run.result()
    assert status == "completed" and data["outcome"] == "REFUSED" and data["reject_code"] == "UNIT_BLOCKED"
    assert data["refusal_reason"] == "单位有逾期未归还的借用" and "reservation" not in data
    assert status_of(engine.db, "A004")["A004"] == ("AVAILABLE", 15)


def test_a_too_long_period_goes_back_to_the_clerk_who_fixes_it(engine, clock, tmp_path):
    steps = [("do", "fix_request", "wang.clerk", {"fix_action": "RESUBMIT", "endDate": "2026-09-10"}),
             ("do", "unit_head_signoff", "li.head", {"decision": "REJECT", "comment": "不需要了"})]
    run, seen, status, data = both(engine, clock, tmp_path,
                                   request([{"assetId": "A004", "qty": 1}], end="2026-09-11"), steps)
    assert seen == [["fix_request"], ["unit_head_signoff"], []]
    assert [r["code"] for r in data["refusals"]] == ["PERIOD_TOO_LONG"]
    assert "2026-09-10" in data["refusals"][0]["message"] and data["refusals"][0]["task"] == "check_request"
    assert data["outcome"] == "REJECTED" and data["reject_code"] == "OTHER"
    assert status_of(engine.db, "A004")["A004"] == ("AVAILABLE", 15)


def test_short_stock_goes_back_to_the_clerk_who_withdraws(engine, clock, tmp_path):
    steps = [("do", "fix_request", "wang.clerk", {"fix_action": "WITHDRAW", "comment": "改为外部租赁"})]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A002", "qty": 61}]), steps)
    assert seen == [["fix_request"], []]
    assert data["refusal"]["code"] == "STOCK_SHORT" and "可用 60" in data["refusal"]["message"]
    assert status == "completed" and data["outcome"] == "WITHDRAWN"


def test_partial_approval_cuts_the_reservation_and_the_value_route(engine, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "li.head", APPROVE),
             ("do", "holder_review_center", "zhao.center",
              {"decision": "PARTIAL", "partialItems": [{"assetId": "A012", "qty": 0}, {"assetId": "A002", "qty": 30}],
               "comment": "LED屏已被预订"}),
             ("do", "accept_partial", "wang.clerk", {"decision": "ACCEPT"}),
             ("do", "arrange_release_center", "zhao.center", {"counted": True}),
             ("do", "pickup_receipt", "wang.clerk", RECEIVED)]
    run, seen, status, data = both(engine, clock, tmp_path, request(S1_ITEMS), steps)
    # 30 chairs (20,400 元) need no agency leader any more
    assert seen[1:] == [["holder_review_center"], ["accept_partial"], ["arrange_release_center"],
                        ["pickup_receipt"], ["in_use"]]
    assert data["total_value"] == 20400 and not data["needs_agency_leader"]
    assert status_of(engine.db, "A012")["A012"] == ("AVAILABLE", 1)
    assert status_of(engine.db, "A002") == {"A002": ("AVAILABLE", 30), "A002-1": ("ON_LOAN", 30)}


def test_approval_sla_reminds_then_escalates_to_the_next_level(engine, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review", "zhou.wh", APPROVE),
             ("at", "2026-03-04 10:00"),             # 2 days: reminder to the district leader
             ("at", "2026-03-05 10:00"),             # 3 days: escalated to the city agency leader
             ("at", "2026-03-07 11:00"),             # 2 more days: the city leader is reminded
             ("at", "2026-03-08 11:00"),             # and then the head meeting decides
             ("do", "head_meeting_approval", "tang.meeting", APPROVE)]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A014", "qty": 2}]), steps)
    assert seen[2:] == [["district_leader_approval"], ["district_leader_approval"], ["agency_leader_approval"],
                        ["agency_leader_approval"], ["head_meeting_approval"], ["arrange_release"]]
    assert data["sla_escalations"] == ["DISTRICT_AGENCY", "CITY_AGENCY_APPROVER"]
    alerts = [n for n in notices.for_principal(engine.db, engine.principal("xu.district"))[0] if n["kind"] == "ALERT"]
    assert len(alerts) == 1 and "武侯区民政局" in alerts[0]["title"]
    assert len([n for n in notices.for_principal(engine.db, engine.principal("chen.leader"))[0]
                if n["kind"] == "ALERT"]) == 1


def test_unpicked_release_is_cancelled_after_five_working_days(engine, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review", "zhou.wh", APPROVE),
             ("do", "arrange_release", "zhou.wh", {"counted": True}),
             ("at", "2026-03-09 17:00"),             # Monday + 5 working days is Monday 03-09: still open
             ("at", "2026-03-10 00:01")]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A004", "qty": 3}]), steps)
    assert data["release"]["pickupDeadline"] == "2026-03-09"
    assert seen[-2:] == [["pickup_receipt"], []]
    assert status == "completed" and data["loan_result"] == "PICKUP_EXPIRED"
    assert status_of(engine.db, "A004")["A004"] == ("AVAILABLE", 15)
    assert loan_record.loan_of_case(engine.db, run.case["id"])["status"] == "CANCELLED"


def test_delivery_is_auto_confirmed_after_three_days(engine, clock, tmp_path):
    steps = [("do", "unit_head_signoff", "li.head", APPROVE), ("do", "holder_review", "zhou.wh", APPROVE),
             ("do", "arrange_release", "zhou.wh", {"counted": True, "logisticsSupplier": "S07", "trips": 2}),
             ("at", "2026-03-05 09:01")]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A004", "qty": 3}], delivery=True),
                                   steps)
    assert seen[-2:] == [["sign_receipt"], ["in_use"]]
    assert status_of(engine.db, "A004") == {"A004": ("AVAILABLE", 12), "A004-1": ("ON_LOAN", 3)}
    assert loan_record.loan_of_case(engine.db, run.case["id"])["status"] == "ON_LOAN"


def test_overdue_main_warehouse_loan_escalates_to_the_city_and_comes_back_damaged_and_short(engine, clock,
                                                                                           tmp_path):
    steps = [("do", "unit_head_signoff", "li.head", APPROVE),
             ("do", "holder_review_center", "zhao.center", APPROVE),
             ("do", "arrange_release_center", "zhao.center", {"counted": True}),
             ("do", "pickup_receipt", "wang.clerk", RECEIVED),
             ("at", "2026-03-13 10:00"),              # due 03-14: T-1 reminder
             ("at", "2026-03-16 10:00"),              # overdue since 03-15
             ("at", "2026-03-29 10:00"),              # +10 working days after 03-14 is 03-27: escalated
             ("do", "overdue_escalation_city", "chen.leader", {"measure": "INTERVIEWED"}),
             ("do", "overdue_return", "wang.clerk", RETURN),
             ("do", "return_inspection_center", "zhao.center",
              {"lines": [{"assetId": "A009-1", "qtyIntact": 3, "qtyDamaged": 1, "qtyLost": 1, "note": "主板损坏"}],
               "repairSupplier": "S08", "repairEstimate": 600}),
             ("do", "repair_work", "s08.chuanxi", {"repairAmount": 550, "repairNote": "更换主板"})]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A009", "qty": 5}]), steps)
    assert seen[4:] == [["in_use"], ["in_use"], ["overdue_return"], ["overdue_escalation_city", "overdue_return"],
                        ["overdue_return"], ["return_inspection_center"], ["repair_work"], []]
    assert data["overdue"]["status"] == "OVERDUE" and data["overdue"]["blocked"]
    assert data["inspection"]["compensation"] == 5200.0
    assert data["closing"]["costs"] == {"REPAIR": 550.0} and data["closing"]["blockLifted"]
    lots = status_of(engine.db, "A009")
    assert lots == {"A009": ("AVAILABLE", 20), "A009-1": ("AVAILABLE", 3), "A009-2": ("AVAILABLE", 1),
                    "A009-3": ("MISSING", 1)}
    record = loan_record.unit_record(engine.db, "U07")
    assert not record["blocked"] and record["overdueEpisodes"] == 1 and record["blocks"][0]["liftedAt"]
    titles = [n["title"] for n in notices.for_principal(engine.db, engine.principal("wang.clerk"))[0]]
    assert sum("借用已逾期" in t for t in titles) == 15      # 03-15 .. 03-29, once a day
    assert sum("借用到期提醒" in t for t in titles) == 2       # T-7 (03-07) and T-1


def test_scope_keeps_other_units_and_districts_out(engine, clock):
    run = EngineRun(engine, clock)
    run.start(request([{"assetId": "A014", "qty": 1}]))
    signoff = run.case["open_tasks"][0]
    assert signoff["title"] == "单位负责人签批" and signoff["scope"] == "U07" and signoff["role"] == "UNIT_HEAD"
    assert engine.inbox("pi.head") == ([], 0)
    with pytest.raises(TaskNotFoundError):
        engine.complete(signoff["id"], "pi.head", APPROVE)
    engine.complete(signoff["id"], "li.head", APPROVE)
    assert engine.inbox("pd.keeper") == ([], 0) and engine.inbox("wu.lqy") == ([], 0)
    items, total = engine.inbox("zhou.wh")
    assert total == 1 and items[0]["name"] == "holder_review" and items[0]["scope"] == "武侯区"


def test_holder_review_form_reports_every_broken_field(engine, clock):
    run = EngineRun(engine, clock)
    run.start(request([{"assetId": "A004", "qty": 1}]))
    run.do("unit_head_signoff", "li.head", APPROVE)
    review = engine.inbox("zhou.wh")[0][0]
    with pytest.raises(FormInvalidError) as err:
        engine.complete(review["id"], "zhou.wh", {"decision": "REJECT"})
    assert [d["field"] for d in err.value.details] == ["reject_reason"]
    with pytest.raises(FormInvalidError) as err:
        engine.complete(review["id"], "zhou.wh", {"decision": "PARTIAL"})
    assert [d["field"] for d in err.value.details] == ["partialItems"]
    with pytest.raises(FormInvalidError) as err:
        engine.complete(review["id"], "zhou.wh", {"decision": "MAYBE", "comment": 5})
    assert sorted(d["field"] for d in err.value.details) == ["comment", "decision"]
    done = engine.complete(review["id"], "zhou.wh", APPROVE)       # nothing was lost: it can still be done
    assert [t["name"] for t in done["case"]["open_tasks"]] == ["arrange_release"]


def test_s1_due_date_and_first_task(engine, clock):
    run = EngineRun(engine, clock)
    run.start(S1)
    data = run.case["data"]
    assert data["total_value"] == 195200 and data["loan_days"] == 3 and data["loan_plan"]["dueDate"] == "2026-03-14"
    assert data["loan_plan"]["holderLevel"] == "MAIN" and data["reservation"]["totalValue"] == 195200
    assert run.case["open_tasks"][0]["due_at"] == local("2026-03-04 09:00").astimezone().isoformat() \
        or run.case["open_tasks"][0]["due_at"] == "2026-03-04T01:00:00+00:00"


def test_extension_goes_through_the_holder_and_moves_the_due_date_once(engine, clock, tmp_path):
    extend = {"return_action": "EXTEND", "newEndDate": "2026-04-10", "extensionReason": "专项工作延期"}
    steps = [("do", "unit_head_signoff", "li.head", APPROVE),
             ("do", "holder_review_center", "zhao.center", APPROVE),
             ("do", "arrange_release_center", "zhao.center", {"counted": True}),
             ("do", "pickup_receipt", "wang.clerk", RECEIVED),
             ("at", "2026-03-08 10:00"),                              # after T-7 of the first due date
             ("do", "in_use", "wang.clerk", {**extend, "newEndDate": "2027-03-11"}),      # beyond 12 months
             ("do", "in_use", "wang.clerk", extend),
             ("do", "holder_review_center", "zhao.center", {"decision": "REJECT", "reject_reason": "OTHER",
                                                            "comment": "另有安排"}),
             ("do", "in_use", "wang.clerk", extend),
             ("do", "holder_review_center", "zhao.center", APPROVE),
             ("do", "in_use", "wang.clerk", {**extend, "newEndDate": "2026-05-10"}),     # a second one
             ("at", "2026-04-05 10:00"),                              # T-7 of the new due date 04-12
             ("do", "in_use", "wang.clerk", RETURN),
             ("do", "return_inspection_center", "zhao.center", INTACT)]
    run, seen, status, data = both(engine, clock, tmp_path, request([{"assetId": "A009", "qty": 5}]), steps)
    assert seen[5:] == [["in_use"], ["in_use"], ["holder_review_center"], ["in_use"], ["holder_review_center"],
                        ["in_use"], ["in_use"], ["in_use"], ["return_inspection_center"], []]
    # each refusal stays in `refusal` while the clerk sees it, then goes to the `refusals` record
    assert [r["code"] for r in data["refusals"]] == ["EXTENSION_CAP", "EXTENSION_LIMIT"]
    assert data["extension_result"] == "APPROVED"
    assert data["loan"]["dueDate"] == "2026-04-12" and data["loan"]["extensions"] == 1
    assert data["outcome"] == "APPROVED" and data["loan_result"] == "CLOSED"
    assert status_of(engine.db, "A009")["A009-1"] == ("AVAILABLE", 5)          # the refusal released nothing
    titles = [n["title"] for n in notices.for_principal(engine.db, engine.principal("wang.clerk"))[0]]
    # one T-7 per due date (not again when the in-use task is entered anew): 03-07 for 03-14, 04-05 for 04-12
    assert sorted(t.split("将于 ")[1] for t in titles if "到期提醒" in t) == ["2026-03-14 到期", "2026-04-12 到期"]
