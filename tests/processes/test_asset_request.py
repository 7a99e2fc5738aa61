"""asset_request (资产申领/借用, DOMAIN §(b) steps 2-5): sign-off, holder review, approval chain by value.

Each scenario runs twice: straight through in memory (one workflow object, never saved) and through the
engine services (saved and restored at every step). Both must take the same path to the same data.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.deploy_files import collect_files
from engine.errors import FormInvalidError, TaskNotFoundError
from engine.models.validate import validate_bundle
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from tests.conftest import ROOT, make_operators

USERS = {
    "wang.clerk": ["UNIT_CLERK"],
    "li.head": ["UNIT_HEAD@U07"],
    "other.head": ["UNIT_HEAD@U06"],
    "zhou.wh": ["BRANCH_KEEPER@武侯区"],
    "jj.keeper": ["BRANCH_KEEPER@锦江区"],
    "city.keeper": ["BRANCH_KEEPER@成都市本级"],
    "chen.leader": ["CITY_AGENCY_APPROVER"],
    "meeting": ["AGENCY_HEAD_MEETING"],
}
ACTOR = {"unit_head_signoff": "li.head", "holder_review": "city.keeper",
         "agency_leader_approval": "chen.leader", "head_meeting_approval": "meeting"}


def request(items, region="成都市本级"):
    return {"purpose": "会议", "eventName": "全区民政工作会", "startDate": "2026-03-10", "endDate": "2026-03-12",
            "items": items, "applicant_unit": "U07", "holder_region": region, "holder_warehouse": "WH-CD-MAIN",
            "needDelivery": True, "needInstall": True}


S1_ITEMS = [{"assetId": "A012", "name": "LED小间距显示屏", "qty": 1, "unitValue": 168000},
            {"assetId": "A002", "name": "会议椅", "qty": 40, "unitValue": 680}]
SMALL = [{"assetId": "A004", "name": "钢制文件柜", "qty": 1, "unitValue": 1200}]
BIG = [{"assetId": "A018", "name": "便携式彩色超声诊断仪", "qty": 1, "unitValue": 380000}]
PRECISION = [{"assetId": "A019", "name": "高清数码显微镜", "qty": 1, "unitValue": 30000, "precisionInstrument": True}]

APPROVE = {"decision": "APPROVE", "comment": "同意"}
SCENARIOS = {
    "small_needs_no_leader": (SMALL, {}, ["unit_head_signoff", "holder_review"], "APPROVED"),
    "s1_needs_agency_leader": (S1_ITEMS, {}, ["unit_head_signoff", "holder_review", "agency_leader_approval"],
                               "APPROVED"),
    "big_needs_head_meeting": (BIG, {}, ["unit_head_signoff", "holder_review", "agency_leader_approval",
                                         "head_meeting_approval"], "APPROVED"),
    "precision_always_meeting": (PRECISION, {}, ["unit_head_signoff", "holder_review", "agency_leader_approval",
                                                 "head_meeting_approval"], "APPROVED"),
    "holder_rejects": (S1_ITEMS, {"holder_review": {"decision": "REJECT", "reject_reason": "NO_STOCK",
                                                    "comment": "已借出"}},
                       ["unit_head_signoff", "holder_review"], "REJECTED"),
    "leader_rejects": (S1_ITEMS, {"agency_leader_approval": {"decision": "REJECT", "comment": "超出配置标准"}},
                       ["unit_head_signoff", "holder_review", "agency_leader_approval"], "REJECTED"),
}


def bundle():
    return collect_files([ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"])


def run_in_memory(items, answers):
    """Straight through: one workflow object from start to end, never serialized."""
    from engine.sandbox import Sandbox, SandboxEnvironment
    result = validate_bundle(bundle(), make_operators(), Sandbox())
    assert not result.problems, result.problems
    defn = result.processes["asset_request"]
    env = SandboxEnvironment(Sandbox())
    step = CaseStep.new(defn.spec, defn.subprocess_specs, env, make_operators(), CaseContext("mem", "asset_request"),
                        datetime(2026, 3, 1, tzinfo=timezone.utc))
    data = request(items)
    assert step.run(lambda: step.wf.task_tree.data.update(data))
    path = []
    while True:
        ready = step.wf.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[0]
        element = task.task_spec.bpmn_id
        path.append(element)
        answer = answers.get(element, APPROVE)
        assert step.run(lambda task=task, answer=answer: (task.set_data(**answer), task.run()))
    assert step.wf.is_completed()
    return path, step.data()


def run_through_engine(engine, items, answers):
    engine.deploy(paths=[ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"])
    case = engine.start_case("asset_request", request(items), "wang.clerk", business_key="JY-2026-0001")
    path = []
    while case["open_tasks"]:
        task = case["open_tasks"][0]
        element = task["name"]
        path.append(element)
        answer = answers.get(element, APPROVE)
        case = engine.complete(task["id"], ACTOR[element], answer)["case"]
    assert case["status"] == "completed"
    return path, case["data"]


@pytest.fixture
def eng(engine):
    for name, grants in USERS.items():
        engine.add_user(name, "correct horse battery", grants)
    return engine


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_both_ways_take_the_same_path_to_the_same_outcome(eng, name):
    items, answers, expected_path, outcome = SCENARIOS[name]
    mem_path, mem_data = run_in_memory(items, answers)
    db_path, db_data = run_through_engine(eng, items, answers)
    assert mem_path == db_path == expected_path
    assert mem_data["outcome"] == db_data["outcome"] == outcome
    assert mem_data == db_data


def test_s1_total_and_loan_days(eng):
    eng.deploy(paths=[ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"])
    case = eng.start_case("asset_request", request(S1_ITEMS), "wang.clerk")
    assert case["data"]["total_value"] == 195200
    assert case["data"]["loan_days"] == 3
    task = case["open_tasks"][0]
    assert task["title"] == "单位负责人签批" and task["scope"] == "U07" and task["role"] == "UNIT_HEAD"
    assert task["due_at"] == "2026-01-07T01:00:00+00:00"     # dueIn P2D from the frozen clock


def test_scope_keeps_other_units_and_districts_out(eng):
    eng.deploy(paths=[ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"])
    case = eng.start_case("asset_request", request(S1_ITEMS, region="武侯区"), "wang.clerk")
    signoff = case["open_tasks"][0]
    assert eng.inbox("other.head") == ([], 0)
    with pytest.raises(TaskNotFoundError):
        eng.complete(signoff["id"], "other.head", APPROVE)
    eng.complete(signoff["id"], "li.head", APPROVE)
    assert eng.inbox("jj.keeper") == ([], 0)
    items, total = eng.inbox("zhou.wh")
    assert total == 1 and items[0]["name"] == "holder_review" and items[0]["scope"] == "武侯区"


def test_holder_review_form_reports_every_broken_field(eng):
    eng.deploy(paths=[ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"])
    case = eng.start_case("asset_request", request(SMALL), "wang.clerk")
    eng.complete(case["open_tasks"][0]["id"], "li.head", APPROVE)
    review = eng.inbox("city.keeper")[0][0]
    with pytest.raises(FormInvalidError) as err:
        eng.complete(review["id"], "city.keeper", {"decision": "REJECT"})
    assert [d["field"] for d in err.value.details] == ["reject_reason"]
    with pytest.raises(FormInvalidError) as err:
        eng.complete(review["id"], "city.keeper", {"decision": "MAYBE", "comment": 5})
    assert sorted(d["field"] for d in err.value.details) == ["comment", "decision"]
    # nothing was lost: the task is still open and can be completed correctly
    done = eng.complete(review["id"], "city.keeper", APPROVE)
    assert done["case"]["status"] == "completed"
