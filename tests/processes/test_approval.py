"""approval (审批, the reusable call activity): one user task per level in turn, the level's role and scope
chosen from data; a reminder and an SLA per level (approvalStepSla, DMN approval_step_sla); a timeout hands
the step to the escalation role (the caller's escalate_to_role, else the DMN default) or, with none, re-issues
it to the same role with an overdue notice; any rejection ends REJECTED with the reason and who.

Each scenario runs twice (in memory, and through the engine saved/restored at every step): same path, same data.
"""
from __future__ import annotations

import pytest

from tests.processes.approval_harness import add_users, paths, run_in_memory, run_through_engine, t
from warehouse import notices
from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS

BUNDLE = paths("approval")
EXTRA = {"lqy.fin": ["FINANCE_APPROVER@龙泉驿区"], "lqy.head": ["UNIT_HEAD@U08"]}
OK = {"approval_decision": "APPROVE", "approval_comment": "同意"}
NO = {"approval_decision": "REJECT", "approval_comment": "超出配置标准，保留共享医疗使用"}

DISTRICT = {"role": "DISTRICT_AGENCY", "scope": "简阳市", "title": "调出方：简阳市机关事务中心审批"}
JY_FIN = {"role": "FINANCE_APPROVER", "scope": "简阳市", "title": "调出方财政：简阳市财政局审批"}
LQY_HEAD = {"role": "UNIT_HEAD", "scope": "U08", "title": "调入方：龙泉驿区应急管理局负责人审核"}
LQY_FIN = {"role": "FINANCE_APPROVER", "scope": "龙泉驿区", "title": "调入方财政：龙泉驿区财政局审批"}


def start(*levels):
    return {"approval_levels": list(levels), "approval_subject": "跨区调剂 A024 大流量排涝泵"}


MON = "2026-03-02 09:00"        # a Monday
SCENARIOS = {
    "all_levels_approve": (start(DISTRICT, JY_FIN), [
        ("at", t(MON)), ("jy.district", "approve_district_agency", "简阳市", OK),
        ("jy.fin", "approve_finance", "简阳市", OK)]),
    "second_level_rejects": (start(LQY_HEAD, LQY_FIN), [
        ("at", t(MON)), ("lqy.head", "approve_unit_head", "U08", OK), ("lqy.fin", "approve_finance", "龙泉驿区", NO)]),
    "first_level_rejects_and_later_levels_never_open": (start(DISTRICT, JY_FIN), [
        ("at", t(MON)), ("jy.district", "approve_district_agency", "简阳市", NO)]),
    "reminder_then_timeout_escalates_to_the_city": (start(DISTRICT, JY_FIN), [
        ("at", t(MON)), ("at", t("2026-03-04 09:30")), ("at", t("2026-03-05 09:30")),
        ("chen.leader", "approve_city_agency", None, OK), ("jy.fin", "approve_finance", "简阳市", OK)]),
    "finance_timeout_is_reissued_with_an_overdue_notice": (start(JY_FIN), [
        ("at", t(MON)), ("at", t("2026-03-05 09:30")), ("jy.fin", "approve_finance", "简阳市", OK)]),
    "caller_sets_sla_and_escalation": (start(dict(LQY_HEAD, sla_days=1, reminder_days=1,
                                                  escalate_to_role="DEPT_REVIEWER", escalate_to_scope="U01")), [
        ("at", t("2026-03-06 09:00")), ("at", t("2026-03-09 09:30")), ("ma.dept", "approve_dept_reviewer", "U01", OK)]),
    "no_levels_is_approved_at_once": (start(), [("at", t(MON))]),
}
EXPECTED = {
    "all_levels_approve": ("APPROVED", [("approve_district_agency", "DISTRICT_AGENCY", "简阳市"),
                                        ("approve_finance", "FINANCE_APPROVER", "简阳市")]),
    "second_level_rejects": ("REJECTED", [("approve_unit_head", "UNIT_HEAD", "U08"),
                                          ("approve_finance", "FINANCE_APPROVER", "龙泉驿区")]),
    "first_level_rejects_and_later_levels_never_open": ("REJECTED", [
        ("approve_district_agency", "DISTRICT_AGENCY", "简阳市")]),
    "reminder_then_timeout_escalates_to_the_city": ("APPROVED", [
        ("approve_city_agency", "CITY_AGENCY_APPROVER", None), ("approve_finance", "FINANCE_APPROVER", "简阳市")]),
    "finance_timeout_is_reissued_with_an_overdue_notice": ("APPROVED", [
        ("approve_finance", "FINANCE_APPROVER", "简阳市")]),
    "caller_sets_sla_and_escalation": ("APPROVED", [("approve_dept_reviewer", "DEPT_REVIEWER", "U01")]),
    "no_levels_is_approved_at_once": ("APPROVED", []),
}


@pytest.fixture
def eng(engine):
    for login, display, grants in DEMO_USERS:
        engine.add_user(login, DEMO_PASSWORD, grants, display)
    add_users(engine, EXTRA)
    return engine


def run(eng, clock, name):
    data, steps = SCENARIOS[name]
    return run_through_engine(eng, clock, "approval", BUNDLE, "jiang.manager", data, steps)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_both_ways_take_the_same_path_to_the_same_data(eng, clock, tmp_path, name):
    data, steps = SCENARIOS[name]
    mem_path, mem_data, mem_open = run_in_memory(tmp_path, "approval", BUNDLE, data, steps)
    db_path, db_data, db_open, case = run(eng, clock, name)
    outcome, expected_path = EXPECTED[name]
    assert mem_path == db_path == expected_path
    assert mem_open == db_open == []
    assert mem_data == db_data
    assert case["status"] == "completed" and db_data["approval_outcome"] == outcome


def _notices(eng, user):
    return notices.for_principal(eng.db, eng.principal(user), limit=100)[0]


def test_rejection_says_why_and_who(eng, clock):
    _, data, _, _ = run(eng, clock, "second_level_rejects")
    assert data["approval_reason"] == "超出配置标准，保留共享医疗使用"
    assert data["approval_rejected_by"] == {"level": 2, "role": "FINANCE_APPROVER", "scope": "龙泉驿区",
                                            "title": "调入方财政：龙泉驿区财政局审批"}
    assert [(x["level"], x["decision"]) for x in data["approval_trail"]] == [(1, "APPROVE"), (2, "REJECT")]


def test_later_levels_never_see_a_rejected_request(eng, clock):
    run(eng, clock, "first_level_rejects_and_later_levels_never_open")
    assert eng.inbox("jy.fin") == ([], 0)


def test_reminder_at_two_working_days_and_escalation_at_three(eng, clock):
    data, steps = SCENARIOS["reminder_then_timeout_escalates_to_the_city"]
    run_through_engine(eng, clock, "approval", BUNDLE, "jiang.manager", data, steps[:2])
    task = eng.inbox("jy.district")[0][0]
    assert task["title"] == "区机关事务部门审批" and task["due_at"] == "2026-03-05T01:00:00+00:00"   # Thu 09:00
    assert [(n["kind"], n["title"]) for n in _notices(eng, "jy.district")] == [
        ("REMINDER", "审批提醒：调出方：简阳市机关事务中心审批")]
    clock.set(t("2026-03-05 09:30"))
    eng.fire_due_timers()
    assert eng.inbox("jy.district") == ([], 0)
    city = eng.inbox("chen.leader")[0]
    assert [x["name"] for x in city] == ["approve_city_agency"]
    assert city[0]["due_at"] == "2026-03-10T01:30:00+00:00"         # a fresh 3 working days from Thu 09:30
    assert [n["kind"] for n in _notices(eng, "chen.leader")] == ["ESCALATION"]


def test_timeout_trail_records_the_escalation(eng, clock):
    _, data, _, _ = run(eng, clock, "reminder_then_timeout_escalates_to_the_city")
    trail = [(x["role"], x["decision"], x.get("escalated_to"), x["escalated_from"]) for x in data["approval_trail"]]
    assert trail == [("DISTRICT_AGENCY", "TIMEOUT", "CITY_AGENCY_APPROVER", None),
                     ("CITY_AGENCY_APPROVER", "APPROVE", None, "DISTRICT_AGENCY"),
                     ("FINANCE_APPROVER", "APPROVE", None, None)]


def test_finance_is_never_skipped_a_timeout_only_reissues_it(eng, clock):
    data, steps = SCENARIOS["finance_timeout_is_reissued_with_an_overdue_notice"]
    run_through_engine(eng, clock, "approval", BUNDLE, "jiang.manager", data, steps[:2])
    task = eng.inbox("jy.fin")[0][0]
    assert task["name"] == "approve_finance" and task["due_at"] == "2026-03-10T01:30:00+00:00"
    kinds = [n["kind"] for n in _notices(eng, "jy.fin")]
    assert sorted(kinds) == ["OVERDUE", "REMINDER"]
    assert eng.inbox("chen.leader") == ([], 0) and eng.inbox("sun.fin") == ([], 0)


def test_caller_escalation_goes_where_the_caller_says(eng, clock):
    _, data, _, _ = run(eng, clock, "caller_sets_sla_and_escalation")
    assert [x["decision"] for x in data["approval_trail"]] == ["TIMEOUT", "APPROVE"]
    assert data["approval_trail"][0]["escalated_to"] == "DEPT_REVIEWER"
    assert data["approval_trail"][1]["title"] == "调入方：龙泉驿区应急管理局负责人审核（超时上报主管部门）"


def test_scope_keeps_other_districts_out(eng, clock):
    data, steps = SCENARIOS["all_levels_approve"]
    run_through_engine(eng, clock, "approval", BUNDLE, "jiang.manager", data, steps[:1])
    assert eng.inbox("pd.district") == ([], 0) and eng.inbox("xu.district") == ([], 0)
    assert [x["name"] for x in eng.inbox("jy.district")[0]] == ["approve_district_agency"]


def test_an_unsupported_role_is_an_incident_that_names_it(eng, clock):
    eng.deploy(paths=BUNDLE)
    case = eng.start_case("approval", start({"role": "EMERGENCY_COMMAND", "scope": "简阳市"}), "jiang.manager")
    assert case["status"] == "error"
    assert "审批层级的角色不受支持" in case["incidents"][0]["message"]
    assert "EMERGENCY_COMMAND" in case["incidents"][0]["message"]


def test_a_rejection_needs_a_reason(eng, clock):
    from engine.errors import FormInvalidError
    eng.deploy(paths=BUNDLE)
    eng.start_case("approval", start(JY_FIN), "jiang.manager")
    task = eng.inbox("jy.fin")[0][0]
    with pytest.raises(FormInvalidError) as err:
        eng.complete(task["id"], "jy.fin", {"approval_decision": "REJECT"})
    assert [d["field"] for d in err.value.details] == ["approval_comment"]
