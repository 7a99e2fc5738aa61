"""Every BPMN construct the shipped processes use, run through the engine services.

Each engine call loads the case from the database and saves it back, so every test here runs with a
save/restore between every step, on SQLite and (when configured) PostgreSQL.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import fixture_files
from tests.helpers import add_users, complete, find_task, inbox_ids


@pytest.fixture
def eng(engine):
    add_users(engine)
    return engine


def deploy(eng, *names):
    return eng.deploy(fixture_files(*names))


def test_exclusive_gateway_routes_by_amount(eng):
    deploy(eng, "exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")
    small = eng.start_case("exclusive_gateway", {}, "tester")
    done = complete(eng, "tester", "enter_amount", {"amount": 500})
    assert done["case"]["status"] == "completed"
    assert done["case"]["data"]["approved"] is True
    big = eng.start_case("exclusive_gateway", {}, "tester")
    complete(eng, "tester", "enter_amount", {"amount": 5000})
    assert inbox_ids(eng, "city") == ["big_review"]
    assert eng.get_case(big["id"])["status"] == "waiting"
    assert eng.get_case(small["id"])["status"] == "completed"


def test_parallel_gateway_waits_for_both_branches_and_merges(eng):
    deploy(eng, "parallel_gateway.bpmn", "review_a.schema.json", "review_b.schema.json")
    case = eng.start_case("parallel_gateway", {}, "tester")
    assert inbox_ids(eng, "ra") == ["review_a"] and inbox_ids(eng, "rb") == ["review_b"]
    complete(eng, "ra", "review_a", {"a_ok": True})
    assert eng.get_case(case["id"])["status"] == "waiting"
    result = complete(eng, "rb", "review_b", {"b_ok": False})
    assert result["case"]["status"] == "completed"
    assert result["case"]["data"]["a_ok"] is True and result["case"]["data"]["result"] is False


def test_inclusive_gateway_runs_only_chosen_branches(eng):
    deploy(eng, "inclusive_gateway.bpmn", "logistics.schema.json", "install.schema.json")
    case = eng.start_case("inclusive_gateway", {"need_logistics": True, "need_install": False}, "tester")
    assert inbox_ids(eng, "center") == ["arrange_logistics"]
    result = complete(eng, "center", "arrange_logistics", {"logistics_ok": True, "trips": 2})
    assert result["case"]["status"] == "completed"
    both = eng.start_case("inclusive_gateway", {"need_logistics": True, "need_install": True}, "tester")
    assert sorted(inbox_ids(eng, "center")) == ["arrange_install", "arrange_logistics"]
    complete(eng, "center", "arrange_install", {"install_ok": True})
    assert eng.get_case(both["id"])["status"] == "waiting"
    complete(eng, "center", "arrange_logistics", {"logistics_ok": True})
    assert eng.get_case(both["id"])["status"] == "completed"
    assert eng.get_case(case["id"])["status"] == "completed"


@pytest.mark.parametrize("fixture", ["multi_instance.bpmn", "multi_instance_sequential.bpmn"])
def test_multi_instance_user_task_collects_every_signature(eng, fixture):
    deploy(eng, fixture, "sign.schema.json")
    pid = fixture.removesuffix(".bpmn")
    case = eng.start_case(pid, {"signers": ["张三", "李四", "王五"]}, "tester")
    signed = 0
    while True:
        items, _ = eng.inbox("tester")
        if not items:
            break
        if pid.endswith("sequential"):
            assert len(items) == 1
        else:
            assert signed or len(items) == 3
        eng.complete(items[0]["id"], "tester", {"signature": f"签名{signed}"})
        signed += 1
    final = eng.get_case(case["id"])
    assert signed == 3 and final["status"] == "completed"
    assert sorted(final["data"]["signatures"]) == ["签名0", "签名1", "签名2"]


def test_each_multi_instance_task_shows_its_own_element(eng):
    """A form opened from the inbox shows the data of that task: each signer sees their own name."""
    deploy(eng, "multi_instance.bpmn", "sign.schema.json")
    eng.start_case("multi_instance", {"signers": ["张三", "李四", "王五"]}, "tester")
    items, _ = eng.inbox("tester")
    shown = sorted(eng.get_task(item["id"], "tester")["data"]["signer"] for item in items)
    assert shown == ["张三", "李四", "王五"]


def test_call_activity_runs_child_process_and_returns_its_data(eng):
    deploy(eng, "call_activity.bpmn", "approve.schema.json")
    case = eng.start_case("call_parent", {}, "tester")
    assert inbox_ids(eng, "head") == ["child_approve"]
    result = complete(eng, "head", "child_approve", {"approved": True})
    assert result["case"]["status"] == "completed"
    assert result["case"]["data"]["parent_result"] == "child said APPROVED"
    assert eng.get_case(case["id"])["status"] == "completed"


@pytest.mark.parametrize("amount,route", [(30000, "BRANCH"), (120000, "CITY"), (500000, "MEETING")])
def test_dmn_table_chooses_route(eng, amount, route):
    deploy(eng, "dmn_decision.bpmn", "approval_level.dmn")
    case = eng.start_case("dmn_decision", {"amount": amount}, "tester")
    assert case["status"] == "completed"
    assert case["data"]["route"] == route


def test_interrupting_boundary_timer_escalates_after_deadline(eng, clock):
    deploy(eng, "boundary_timer_interrupting.bpmn", "approve.schema.json")
    case = eng.start_case("boundary_timer_interrupting", {}, "tester")
    task = find_task(eng, "head", "approve")
    assert task["due_at"] == (clock.now() + timedelta(hours=1)).isoformat()
    assert eng.fire_due_timers(clock.now() + timedelta(minutes=59)) == 0      # never early
    assert inbox_ids(eng, "head") == ["approve"]
    clock.advance(hours=1, seconds=1)
    assert eng.fire_due_timers() == 1
    assert inbox_ids(eng, "head") == []
    assert inbox_ids(eng, "city") == ["escalated_approve"]
    detail = eng.get_case(case["id"])
    assert detail["data"]["escalated"] is True
    types = [e["type"] for e in eng.case_events(case["id"])]
    assert "timer_fired" in types and "task_cancelled" in types
    # the cancelled task can no longer be completed
    from engine.errors import ConflictError
    with pytest.raises(ConflictError):
        eng.complete(task["id"], "head", {"approved": True})


def test_non_interrupting_cycle_reminds_three_times_and_keeps_task(eng, clock):
    deploy(eng, "boundary_timer_noninterrupting.bpmn", "confirm.schema.json")
    case = eng.start_case("boundary_timer_noninterrupting", {}, "clerk")
    for _day in range(1, 5):
        clock.advance(days=1, seconds=1)
        eng.fire_due_timers()
        assert inbox_ids(eng, "clerk") == ["in_use"]
    fired = [e for e in eng.case_events(case["id"]) if e["type"] == "timer_fired"]
    assert len(fired) == 3      # R3: three reminders, then the cycle is exhausted
    result = complete(eng, "clerk", "in_use", {"note": "已归还"})
    assert result["case"]["status"] == "completed"


def test_intermediate_timer_waits_then_continues(eng, clock):
    deploy(eng, "intermediate_timer.bpmn", "confirm.schema.json")
    case = eng.start_case("intermediate_timer", {}, "tester")
    assert case["status"] == "waiting" and inbox_ids(eng, "tester") == []
    clock.advance(seconds=3)
    assert eng.fire_due_timers() == 1
    assert inbox_ids(eng, "tester") == ["after_wait"]


def test_message_is_routed_by_correlation_to_the_right_case(eng):
    deploy(eng, "message_catch.bpmn", "order.schema.json")
    first = eng.start_case("message_catch", {}, "clerk")
    complete(eng, "clerk", "submit", {"order_id": "PO-1", "order_amount": 100})
    second = eng.start_case("message_catch", {}, "clerk")
    complete(eng, "clerk", "submit", {"order_id": "PO-2", "order_amount": 200})
    from engine.errors import MessageNotRoutedError
    with pytest.raises(MessageNotRoutedError):
        eng.send_message("payment_received", {"order_id": "PO-9"}, {"paid": 1}, "center")
    routed = eng.send_message("payment_received", {"order_id": "PO-2"}, {"amount": 200}, "center")
    assert routed == second["id"]
    assert eng.get_case(second["id"])["status"] == "completed"
    assert eng.get_case(second["id"])["data"]["paid_amount"] == 200
    assert eng.get_case(first["id"])["status"] == "waiting"
    assert "message_received" in [e["type"] for e in eng.case_events(second["id"])]


def test_message_start_event_starts_a_new_case(eng):
    deploy(eng, "message_start.bpmn", "approve.schema.json")
    case_id = eng.send_message("supplier_registered", {}, {"id": "S07", "name": "蓉通搬运物流有限公司"}, "center")
    assert eng.get_case(case_id)["data"]["supplier"] == {"id": "S07", "name": "蓉通搬运物流有限公司"}
    assert "review_supplier" in inbox_ids(eng, "center")


def test_error_end_event_is_caught_by_boundary(eng):
    deploy(eng, "error_event.bpmn", "shortage.schema.json")
    short = eng.start_case("error_event", {"stock": 1, "requested": 5}, "tester")
    assert inbox_ids(eng, "keeper") == ["handle_shortage"]
    ok = eng.start_case("error_event", {"stock": 9, "requested": 5}, "tester")
    assert ok["status"] == "completed"
    assert eng.get_case(short["id"])["status"] == "waiting"


def test_escalation_is_caught_without_stopping_the_subprocess(eng):
    deploy(eng, "escalation_event.bpmn", "confirm.schema.json")
    case = eng.start_case("escalation_event", {}, "tester")
    assert inbox_ids(eng, "center") == ["notice_late"]
    assert inbox_ids(eng, "tester") == ["finish_work"]     # the subprocess goes on
    complete(eng, "center", "notice_late", {})
    complete(eng, "tester", "finish_work", {})
    assert eng.get_case(case["id"])["status"] == "completed"


def test_inline_and_async_service_tasks(eng):
    deploy(eng, "service_tasks.bpmn", "confirm.schema.json")
    case = eng.start_case("service_tasks", {"x": 2, "y": 3}, "tester")
    assert case["data"]["total"] == {"sum": 5}
    assert case["status"] == "running" and inbox_ids(eng, "tester") == []
    jobs = eng.run_due_jobs()
    assert jobs == 1
    detail = eng.get_case(case["id"])
    assert detail["status"] == "waiting" and inbox_ids(eng, "tester") == ["after_notify"]
    result = detail["data"]["notify_result"]
    assert result["notified"] is True and result["key"].startswith(case["id"] + ":")
    assert eng.run_due_jobs() == 0     # done jobs never run again


def test_failing_operator_becomes_incident_and_retry_reruns(eng):
    deploy(eng, "service_fail.bpmn")
    case = eng.start_case("service_fail", {}, "tester")
    assert case["status"] == "error"
    assert "供应商系统无响应" in case["incidents"][0]["message"]
    assert case["incidents"][0]["element_id"] == "call_fail"


def test_back_edge_loop_runs_a_thousand_iterations(eng):
    deploy(eng, "loop_back_edge.bpmn")
    case = eng.start_case("loop_back_edge", {"count": 0, "target": 1000}, "tester")
    assert case["status"] == "completed"
    assert case["data"]["count"] == 1000


def test_script_error_is_an_incident_and_retry_after_fixing_data(eng):
    deploy(eng, "script_error.bpmn", "confirm.schema.json")
    case = eng.start_case("script_error", {"divisor": 0}, "tester")
    assert case["status"] == "error"
    incident = case["incidents"][0]
    assert incident["element_id"] == "compute" and "ZeroDivisionError" in incident["message"]
    assert incident["line"] == 1
    fixed = eng.retry_case(case["id"], "admin", {"divisor": 4})
    assert fixed["status"] == "waiting" and fixed["incidents"] == []
    assert fixed["data"]["result"] == 25
    assert inbox_ids(eng, "tester") == ["check"]
    types = [e["type"] for e in eng.case_events(case["id"])]
    assert types.index("incident") < types.index("retried")


@pytest.mark.parametrize("expression", ["PT1H", "'PT1H'", '"PT1H"', "2026-01-05T10:00:00+08:00"])
def test_timers_written_quoted_unquoted_or_as_a_date_with_offset(eng, clock, expression):
    """Camunda Modeler writes ISO timers unquoted; SpiffWorkflow needs Python. Both must work, and a date
    with an offset is read in its own zone (10:00+08:00 is 02:00 UTC, one hour after the frozen clock)."""
    files = fixture_files("boundary_timer_interrupting.bpmn", "approve.schema.json")
    xml = files["boundary_timer_interrupting.bpmn"].decode()
    if expression[0].isdigit():
        xml = xml.replace('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>',
                          f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{expression}</bpmn:timeDate>')
    else:
        xml = xml.replace('>"PT1H"<', f">{expression.replace(chr(34), '&quot;')}<")
    assert expression in xml.replace("&quot;", '"')
    files["boundary_timer_interrupting.bpmn"] = xml.encode()
    eng.deploy(files)
    eng.start_case("boundary_timer_interrupting", {}, "tester")
    assert find_task(eng, "head", "approve")["due_at"] == "2026-01-05T02:00:00+00:00"
    assert eng.fire_due_timers(clock.now() + timedelta(minutes=59)) == 0
    clock.advance(hours=1, seconds=1)
    assert eng.fire_due_timers() == 1
    assert inbox_ids(eng, "city") == ["escalated_approve"]


def test_case_data_stays_visible_after_a_side_branch_ends(eng, clock):
    """A reminder branch that has ended leaves the end join waiting; the case still shows its data."""
    deploy(eng, "boundary_timer_noninterrupting.bpmn", "confirm.schema.json")
    case = eng.start_case("boundary_timer_noninterrupting", {"loan": "L-1"}, "clerk")
    clock.advance(days=1, seconds=1)
    eng.fire_due_timers()
    assert eng.get_case(case["id"])["data"]["loan"] == "L-1"
