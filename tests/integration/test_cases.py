"""Cases and the inbox through the engine services: versions, claims, cancel, races, the event log."""
from __future__ import annotations

import json
import threading

import pytest

from engine.errors import (CaseNotActiveError, ConflictError, InvalidInputError, ModelInvalidError,
                           NotCandidateError, PermissionDeniedError, ProcessNotFoundError, TaskClaimedError,
                           TaskNotFoundError, TaskNotOpenError)
from engine.store.tables import Case
from tests.conftest import fixture_files
from tests.helpers import add_users, complete, find_task, inbox_ids

EXCLUSIVE = ("exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")


@pytest.fixture
def eng(engine):
    add_users(engine)
    return engine


def test_same_content_is_the_same_version_and_changed_content_a_new_one(eng):
    first = eng.deploy(fixture_files(*EXCLUSIVE))
    assert [(i.id, i.version, i.changed) for i in first] == [("exclusive_gateway", 1, True)]
    again = eng.deploy(fixture_files(*EXCLUSIVE))
    assert [(i.version, i.changed) for i in again] == [(1, False)]
    running = eng.start_case("exclusive_gateway", {}, "tester")
    files = fixture_files(*EXCLUSIVE)
    files["exclusive_gateway.bpmn"] = files["exclusive_gateway.bpmn"].replace(b"amount &gt; 1000",
                                                                              b"amount &gt; 10")
    second = eng.deploy(files)
    assert [(i.version, i.changed) for i in second] == [(2, True)]
    # the running case stays on version 1: 500 is small there, big on version 2
    done = complete(eng, "tester", "enter_amount", {"amount": 500})
    assert done["case"]["version"] == 1 and done["case"]["status"] == "completed"
    newer = eng.start_case("exclusive_gateway", {}, "tester")
    assert newer["version"] == 2
    complete(eng, "tester", "enter_amount", {"amount": 500})
    assert eng.get_case(newer["id"])["status"] == "waiting" and inbox_ids(eng, "city") == ["big_review"]
    assert eng.get_case(running["id"])["version"] == 1


def test_invalid_model_is_refused_with_every_problem(eng):
    files = fixture_files(*EXCLUSIVE)
    files["exclusive_gateway.bpmn"] = files["exclusive_gateway.bpmn"].replace(b"amount &gt; 1000",
                                                                              b"amount &gt;&gt; (")
    del files["approve.schema.json"]
    with pytest.raises(ModelInvalidError) as err:
        eng.deploy(files)
    problems = err.value.details
    assert len(problems) >= 2
    assert all(p["file"] and p["message"] for p in problems)
    assert any("approve.schema.json" in p["message"] for p in problems)
    assert any(p["line"] and p["line"] > 1 for p in problems)
    with pytest.raises(ProcessNotFoundError):
        eng.start_case("exclusive_gateway", {}, "tester")


def test_start_needs_the_start_lane_role(eng):
    eng.deploy(fixture_files(*EXCLUSIVE))
    with pytest.raises(NotCandidateError):
        eng.start_case("exclusive_gateway", {}, "nobody")
    with pytest.raises(ProcessNotFoundError):
        eng.start_case("no_such_process", {}, "tester")
    with pytest.raises(InvalidInputError):
        eng.start_case("exclusive_gateway", ["not", "a", "dict"], "tester")


def test_claim_release_reassign_and_complete_rules(eng):
    eng.deploy(fixture_files(*EXCLUSIVE))
    eng.add_user("tester2", "correct horse battery", ["TESTER"])
    case = eng.start_case("exclusive_gateway", {}, "tester")
    task = find_task(eng, "tester", "enter_amount")
    assert task["assignee"] is None and task["title"] == "填写金额"
    with pytest.raises(TaskNotFoundError):          # not a candidate: it does not exist for them
        eng.claim(task["id"], "head")
    claimed = eng.claim(task["id"], "tester")
    assert claimed["assignee"] == "tester"
    assert inbox_ids(eng, "tester2") == []          # claimed by someone else: gone from their inbox
    with pytest.raises(TaskClaimedError):
        eng.claim(task["id"], "tester2")
    with pytest.raises(TaskClaimedError):
        eng.complete(task["id"], "tester2", {"amount": 1})
    with pytest.raises(TaskClaimedError):
        eng.unclaim(task["id"], "tester2")
    eng.unclaim(task["id"], "tester")
    assert inbox_ids(eng, "tester2") == ["enter_amount"]
    with pytest.raises(PermissionDeniedError):
        eng.reassign(task["id"], "tester", "tester2")
    moved = eng.reassign(task["id"], "admin", "tester2")
    assert moved["assignee"] == "tester2"
    items, total = eng.inbox("tester2", assigned_to_me=True)
    assert total == 1 and items[0]["id"] == task["id"]
    eng.complete(task["id"], "tester2", {"amount": 5})
    with pytest.raises(TaskNotOpenError):
        eng.complete(task["id"], "tester2", {"amount": 5})
    types = [(e["type"], e["actor"]) for e in eng.case_events(case["id"])]
    assert types[0] == ("started", "tester")
    for expected in [("task_created", None), ("task_claimed", "tester"), ("task_released", "tester"),
                     ("task_reassigned", "admin"), ("task_completed", "tester2"), ("completed", "tester2")]:
        assert expected in types
    assert types[-1] == ("completed", "tester2")


def test_cancel_at_any_point_closes_tasks_and_timers(eng, clock):
    eng.deploy(fixture_files("boundary_timer_interrupting.bpmn", "approve.schema.json"))
    case = eng.start_case("boundary_timer_interrupting", {}, "tester")
    cancelled = eng.cancel_case(case["id"], "admin", "申请人撤回")
    assert cancelled["status"] == "cancelled" and cancelled["open_tasks"] == []
    assert inbox_ids(eng, "head") == []
    clock.advance(hours=2)
    assert eng.fire_due_timers() == 0
    with pytest.raises(CaseNotActiveError):
        eng.cancel_case(case["id"], "admin")
    types = [(e["type"], e["actor"]) for e in eng.case_events(case["id"])]
    assert types[-1] == ("cancelled", "admin") and ("cancel_reason", "admin") in types
    assert ("completed", "admin") not in types and ("task_cancelled", None) in types


def test_async_job_does_nothing_once_its_task_is_gone(eng):
    eng.deploy(fixture_files("service_tasks.bpmn", "confirm.schema.json"))
    case = eng.start_case("service_tasks", {"x": 1, "y": 1}, "tester")
    eng.cancel_case(case["id"], "admin")
    assert eng.run_due_jobs() == 0
    assert eng.get_case(case["id"])["status"] == "cancelled"


def test_concurrent_completions_of_one_task_one_wins_one_conflict(eng):
    eng.deploy(fixture_files(*EXCLUSIVE))
    case = eng.start_case("exclusive_gateway", {}, "tester")
    task = find_task(eng, "tester", "enter_amount")
    barrier = threading.Barrier(4)
    outcomes = []

    def attempt(amount):
        barrier.wait()
        try:
            eng.complete(task["id"], "tester", {"amount": amount})
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(a,)) for a in (5, 5000, 7, 9000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    detail = eng.get_case(case["id"])
    completed = [e for e in eng.case_events(case["id"]) if e["type"] == "task_completed"]
    assert len(completed) == 1
    assert detail["status"] in ("completed", "waiting")


def test_a_stale_writer_gets_a_conflict_and_writes_nothing(eng):
    """Two units of work that loaded the same revision: the second save is refused."""
    from engine.services.case_io import save_case
    from engine.runtime.runner import CaseStep
    from engine.runtime.script_engine import CaseContext
    eng.deploy(fixture_files(*EXCLUSIVE))
    case = eng.start_case("exclusive_gateway", {}, "tester")
    with eng.db.unit_of_work(write=False) as s:
        stale = s.get(Case, case["id"])          # loaded here, detached when the block ends
    complete(eng, "tester", "enter_amount", {"amount": 5000})      # another writer moves the case on
    with pytest.raises(ConflictError):
        with eng.db.unit_of_work() as s:
            s.add(stale)
            spec, subs = eng.specs.get(s, stale.version_id)
            step = CaseStep.load(stale.state, stale.serializer_version, spec, subs, eng.environment,
                                 eng.operators, CaseContext(stale.id, stale.process_id, s), eng.clock.now())
            save_case(eng, s, stale, step, "intruder")
    assert eng.get_case(case["id"])["status"] == "waiting"
    assert all(e["actor"] != "intruder" for e in eng.case_events(case["id"]))


def test_stored_state_does_not_grow_with_history(eng):
    """A case with 1,000 completed loop iterations stores about as much as one with 10."""
    eng.deploy(fixture_files("loop_back_edge.bpmn"))
    sizes = {}
    for target in (10, 1000):
        case = eng.start_case("loop_back_edge", {"count": 0, "target": target}, "tester")
        assert case["data"]["count"] == target
        with eng.db.unit_of_work(write=False) as s:
            sizes[target] = len(json.loads(s.get(Case, case["id"]).state)["tasks"])
    assert sizes[1000] == sizes[10] <= 3


def test_inbox_filters_sorting_and_paging(eng):
    eng.deploy(fixture_files(*EXCLUSIVE))
    eng.deploy(fixture_files("parallel_gateway.bpmn", "review_a.schema.json", "review_b.schema.json"))
    for _ in range(3):
        eng.start_case("exclusive_gateway", {}, "tester")
    eng.add_user("both", "correct horse battery", ["TESTER", "REVIEWER_A"])
    eng.start_case("parallel_gateway", {}, "tester")
    items, total = eng.inbox("both", limit=2, offset=0, sort="age")
    assert total == 4 and len(items) == 2
    rest, also = eng.inbox("both", limit=2, offset=2, sort="age")
    assert len({i["id"] for i in items + rest}) == 4 and also == 4
    beyond, still = eng.inbox("both", limit=2, offset=10, sort="age")     # past the end: the total stays
    assert beyond == [] and still == 4
    assert eng.inbox("tester", process_id="no_such_process") == ([], 0)
    only, n = eng.inbox("both", process_id="parallel_gateway")
    assert n == 1 and only[0]["name"] == "review_a"
    by_role, n = eng.inbox("both", role="REVIEWER_A")
    assert n == 1
    with pytest.raises(InvalidInputError):
        eng.inbox("both", sort="sideways")


def test_concurrent_claims_exactly_one_wins(eng):
    eng.deploy(fixture_files(*EXCLUSIVE))
    names = [f"t{i}" for i in range(4)]
    for n in names:
        eng.add_user(n, "correct horse battery", ["TESTER"])
    eng.start_case("exclusive_gateway", {}, "tester")
    task = find_task(eng, "tester", "enter_amount")
    barrier = threading.Barrier(len(names))
    won = []

    def attempt(name):
        barrier.wait()
        try:
            eng.claim(task["id"], name)
            won.append(name)
        except ConflictError:
            pass

    threads = [threading.Thread(target=attempt, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert eng.get_task(task["id"], won[0])["assignee"] == won[0]


def test_the_start_event_scope_narrows_who_may_start_and_the_initiator_is_recorded(engine):
    from engine.errors import InvalidInputError, NotCandidateError
    from tests.conftest import fixture_files
    files = fixture_files("exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")
    files["exclusive_gateway.bpmn"] = files["exclusive_gateway.bpmn"].decode().replace(
        '<bpmn:startEvent id="start" name="开始">',
        '<bpmn:startEvent id="start" name="开始"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="scope" value="unit" />'
        '<spiffworkflow:property name="initiator" value="starter" />'
        '</spiffworkflow:properties></bpmn:extensionElements>').encode()
    engine.deploy(files)
    engine.add_user("clerk.u07", "correct horse battery", ["TESTER@U07"])
    engine.add_user("clerk.any", "correct horse battery", ["TESTER"])
    case = engine.start_case("exclusive_gateway", {"unit": "U07"}, "clerk.u07")
    assert case["data"]["starter"] == "clerk.u07"
    with pytest.raises(NotCandidateError):
        engine.start_case("exclusive_gateway", {"unit": "U09"}, "clerk.u07")      # another unit's case
    with pytest.raises(InvalidInputError):
        engine.start_case("exclusive_gateway", {}, "clerk.u07")                   # no unit: no scope
    assert engine.start_case("exclusive_gateway", {"unit": "U09"}, "clerk.any")["data"]["starter"] == "clerk.any"


def test_a_task_with_several_candidate_groups_is_offered_to_holders_of_any_of_them(engine):
    """camunda:candidateGroups="UNIT_HEAD,DEPT_REVIEWER": both roles (in the task's scope) see and may
    complete it; nobody else sees it."""
    from engine.errors import TaskNotFoundError
    from tests.conftest import fixture_files
    files = fixture_files("exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")
    xml = files["exclusive_gateway.bpmn"].decode()
    xml = xml.replace('xmlns:spiffworkflow=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=', 1)
    xml = xml.replace('<bpmn:userTask id="enter_amount"',
                      '<bpmn:userTask id="enter_amount" camunda:candidateGroups="UNIT_HEAD, DEPT_REVIEWER"', 1)
    files["exclusive_gateway.bpmn"] = xml.encode()
    engine.deploy(files)
    for name, grants in {"starter": ["TESTER"], "head.u07": ["UNIT_HEAD"], "dept": ["DEPT_REVIEWER"],
                         "keeper": ["BRANCH_KEEPER"]}.items():
        engine.add_user(name, "correct horse battery", grants)
    engine.start_case("exclusive_gateway", {}, "starter")
    seen = {name: [t["name"] for t in engine.inbox(name)[0]] for name in ("head.u07", "dept", "keeper", "starter")}
    assert seen == {"head.u07": ["enter_amount"], "dept": ["enter_amount"], "keeper": [], "starter": []}
    assert engine.inbox("dept", role="DEPT_REVIEWER")[1] == 1 and engine.inbox("dept", role="TESTER")[1] == 0
    task = engine.inbox("dept")[0][0]
    with pytest.raises(TaskNotFoundError):
        engine.get_task(task["id"], "keeper")
    done = engine.complete(task["id"], "dept", {"amount": 100})
    assert done["task"]["state"] == "completed"


def test_the_answer_after_a_write_reads_as_a_later_get(eng):
    """start and complete build their answer from the rows they wrote (no read back): it must be what a
    GET of the case says right after, to the field (times in UTC, open tasks in order, no incidents)."""
    eng.deploy(fixture_files(*EXCLUSIVE))
    started = eng.start_case("exclusive_gateway", {}, "tester")
    assert started["open_tasks"] and started == eng.get_case(started["id"])
    task = find_task(eng, "tester", "enter_amount")
    done = eng.complete(task["id"], "tester", {"amount": 5000})
    assert done["case"]["open_tasks"][0]["due_at"] is not None        # dueIn P3D, in UTC as read back
    assert done["case"] == eng.get_case(started["id"])
    assert done["task"]["state"] == "completed" and done["task"]["completed_by"] == "tester"
    eng.deploy(fixture_files("multi_instance.bpmn", "sign.schema.json"))
    parallel = eng.start_case("multi_instance", {"signers": ["a", "b", "c"]}, "tester")
    assert len(parallel["open_tasks"]) == 3 and parallel == eng.get_case(parallel["id"])
