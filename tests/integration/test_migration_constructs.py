"""Every construct a case can wait in survives a move to a new version and then finishes as it would have.

Version 2 here is version 1 with a renamed first element (so the deploy makes a new version and the
diff shows one change); the case moves in the middle of the construct, then runs to its end.
"""
from __future__ import annotations

import pytest

from tests.conftest import fixture_files
from tests.helpers import add_users, complete, inbox_ids


def _sign_all(eng, case, clock):
    signed = 1
    while eng.inbox("tester")[0]:
        eng.complete(eng.inbox("tester")[0][0]["id"], "tester", {"signature": f"签名{signed}"})
        signed += 1


def _remind_then_finish(eng, case, clock):
    for _ in range(4):
        clock.advance(days=1, seconds=1)
        eng.fire_due_timers()
    assert len([e for e in eng.case_events(case["id"]) if e["type"] == "timer_fired"]) == 3
    complete(eng, "clerk", "in_use", {"note": "已归还"})


def _first_reminder(eng, case, clock):
    clock.advance(days=1, seconds=1)
    eng.fire_due_timers()


# name: (files, process, start data, starter, before the move, after the move, expected final data subset)
SCENARIOS = {
    "parallel join waiting for one branch": (
        ("parallel_gateway.bpmn", "review_a.schema.json", "review_b.schema.json"), "parallel_gateway", {}, "tester",
        lambda eng, case, clock: complete(eng, "ra", "review_a", {"a_ok": True}),
        lambda eng, case, clock: complete(eng, "rb", "review_b", {"b_ok": True}),
        {"a_ok": True, "b_ok": True, "result": True}),
    "parallel multi-instance, one of three signed": (
        ("multi_instance.bpmn", "sign.schema.json"), "multi_instance", {"signers": ["张三", "李四", "王五"]}, "tester",
        lambda eng, case, clock: eng.complete(eng.inbox("tester")[0][0]["id"], "tester", {"signature": "签名0"}),
        _sign_all, {"signature_count": 3}),
    "sequential multi-instance, one of three signed": (
        ("multi_instance_sequential.bpmn", "sign.schema.json"), "multi_instance_sequential",
        {"signers": ["张三", "李四", "王五"]}, "tester",
        lambda eng, case, clock: eng.complete(eng.inbox("tester")[0][0]["id"], "tester", {"signature": "签名0"}),
        _sign_all, {"signature_count": 3}),
    "call activity with its child running": (
        ("call_activity.bpmn", "approve.schema.json"), "call_parent", {}, "tester", None,
        lambda eng, case, clock: complete(eng, "head", "child_approve", {"approved": True}),
        {"parent_result": "child said APPROVED"}),
    "reminder cycle after its first reminder": (
        ("boundary_timer_noninterrupting.bpmn", "confirm.schema.json"), "boundary_timer_noninterrupting", {}, "clerk",
        _first_reminder, _remind_then_finish, {"note": "已归还"}),
    "waiting for a correlated message": (
        ("message_catch.bpmn", "order.schema.json"), "message_catch", {}, "clerk",
        lambda eng, case, clock: complete(eng, "clerk", "submit", {"order_id": "PO-1", "order_amount": 100}),
        lambda eng, case, clock: eng.send_message("payment_received", {"order_id": "PO-1"}, {"amount": 100}, "center"),
        {"paid_amount": 100}),
    "inclusive join waiting for one branch": (
        ("inclusive_gateway.bpmn", "logistics.schema.json", "install.schema.json"), "inclusive_gateway",
        {"need_logistics": True, "need_install": True}, "tester",
        lambda eng, case, clock: complete(eng, "center", "arrange_install", {"install_ok": True}),
        lambda eng, case, clock: complete(eng, "center", "arrange_logistics", {"logistics_ok": True}),
        {"install_ok": True, "logistics_ok": True}),
    "a subprocess with an escalation caught outside": (
        ("escalation_event.bpmn", "confirm.schema.json"), "escalation_event", {}, "tester",
        lambda eng, case, clock: complete(eng, "center", "notice_late", {}),
        lambda eng, case, clock: complete(eng, "tester", "finish_work", {}), {}),
}


def _version_2(files: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in files if n.endswith(".bpmn"))
    start = b'<bpmn:startEvent id="start" name="'
    return {**files, name: files[name].replace(start, start + b"v2 ", 1)}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_case_moved_mid_construct_finishes_as_it_would_have(engine, clock, scenario):
    names, pid, data, starter, before, after, expected = SCENARIOS[scenario]
    add_users(engine)
    files = fixture_files(*names)
    engine.deploy(files)
    case = engine.start_case(pid, data, starter)
    if before:
        before(engine, case, clock)
    [item] = [i for i in engine.deploy(_version_2(files)) if i.id == pid]
    assert item.version == 2 and item.changes["summary"]["changed"] >= 1
    dry = engine.migrate_cases(pid, 2, dry_run=True)
    assert [i["movable"] for i in dry["items"]] == [True], dry
    assert engine.migrate_cases(pid, 2)["moved"] == 1
    assert engine.get_case(case["id"])["version"] == 2
    after(engine, case, clock)
    final = engine.get_case(case["id"])
    assert final["status"] == "completed", final
    assert {k: final["data"].get(k) for k in expected} == expected


def test_an_async_service_call_in_flight_blocks_until_it_returns(engine):
    add_users(engine)
    files = fixture_files("service_tasks.bpmn", "confirm.schema.json")
    engine.deploy(files)
    case = engine.start_case("service_tasks", {"x": 2, "y": 3}, "tester")
    engine.deploy(_version_2(files))
    [item] = engine.migrate_cases("service_tasks", 2)["items"]
    assert item["moved"] is False and item["blockers"][0]["element_id"] == "notify"
    assert engine.run_due_jobs() == 1
    assert engine.migrate_cases("service_tasks", 2)["moved"] == 1
    assert complete(engine, "tester", "after_notify", {})["case"]["status"] == "completed"
    assert engine.get_case(case["id"])["data"]["notify_result"]["notified"] is True


def test_a_case_in_error_moves_to_the_fixed_version_and_retries_there(engine):
    add_users(engine)
    files = fixture_files("script_error.bpmn", "confirm.schema.json")
    engine.deploy(files)
    case = engine.start_case("script_error", {"divisor": 0}, "tester")
    assert case["status"] == "error"
    xml = files["script_error.bpmn"].decode()
    script = xml[xml.index("<bpmn:script>") + len("<bpmn:script>"):xml.index("</bpmn:script>")]
    fixed = xml.replace(script, script.replace("divisor", "(divisor or 1)"))
    assert fixed != xml
    [item] = engine.deploy({**files, "script_error.bpmn": fixed.encode()})
    assert [c["fields"] for c in item.changes["changed"]] == [["script"]]
    assert engine.migrate_cases("script_error", 2)["moved"] == 1
    retried = engine.retry_case(case["id"], "admin")
    assert retried["status"] == "waiting" and retried["version"] == 2
    assert inbox_ids(engine, "tester") == ["check"]
