"""Operator refusals (RefusalError) route through error boundary events on the service task.

The fixture service_refusal.bpmn: `reserve` has a boundary catching STOCK_SHORT only; `notify` has a
boundary with no errorRef, catching every refusal. A refusal nothing catches is an incident.
"""
from __future__ import annotations

import pytest

from engine.errors import RefusalError
from tests.conftest import fixture_files


def refuse(ctx, code):
    if code:
        raise RefusalError("库存不足：A012 可借 0 件，申请 1 件", code=code, details={"asset": "A012", "short": 1})
    return {"reserved": True}


@pytest.fixture(params=["inline", "async"])
def eng(engine, request):
    engine.operators.register("refuse", refuse, async_=request.param == "async", retries=3)
    engine.add_user("tester", "correct horse battery", ["TESTER"])
    engine.deploy(fixture_files("service_refusal.bpmn"))
    return engine


def start(eng, **data):
    case = eng.start_case("service_refusal", {"step": "reserve", "refuse_code": "", **data}, "tester")
    eng.run_due_jobs()
    return eng.get_case(case["id"], "tester")


def test_a_matching_refusal_takes_the_boundary_path_with_the_reason_in_the_data(eng):
    case = start(eng, refuse_code="STOCK_SHORT")
    assert case["status"] == "waiting" and not case["incidents"]
    assert [t["name"] for t in case["open_tasks"]] == ["fix_request"]
    assert case["data"]["refusal"] == {"code": "STOCK_SHORT", "message": "库存不足：A012 可借 0 件，申请 1 件",
                                       "details": {"asset": "A012", "short": 1}, "operator": "refuse",
                                       "task": "reserve"}
    done = eng.complete(case["open_tasks"][0]["id"], "tester", {})["case"]
    assert done["status"] == "completed" and done["data"]["refusal"]["code"] == "STOCK_SHORT"


def test_no_refusal_takes_the_normal_path(eng):
    case = start(eng)
    assert case["status"] == "completed" and "refusal" not in case["data"]
    assert case["data"]["reservation"] == {"reserved": True}


def test_a_refusal_no_boundary_catches_is_an_incident_not_a_retry(eng):
    case = start(eng, refuse_code="UNIT_BLOCKED")
    assert case["status"] == "error"
    assert case["incidents"][0]["element_id"] == "reserve"
    assert "库存不足" in case["incidents"][0]["message"]
    assert eng.run_due_jobs() == 0            # nothing left to retry: a refusal is final


def test_a_boundary_without_error_ref_catches_every_refusal(eng):
    case = start(eng, step="notify", notify_code="ANYTHING")
    assert case["status"] == "completed" and case["data"]["refusal"]["code"] == "ANYTHING"
    assert case["data"]["refusal"]["task"] == "notify"


def test_the_refusal_is_in_the_case_history(eng):
    case = start(eng, refuse_code="STOCK_SHORT")
    events = eng.case_events(case["id"], "tester")
    assert "incident" not in [e["type"] for e in events]
    calls = [e["detail"] for e in events if e["type"] == "service_called"]
    assert calls and calls[-1]["refused"] == "STOCK_SHORT" and calls[-1]["ok"] is False


def test_a_second_refusal_replaces_the_first(engine):
    """Refused, fixed, tried again, refused for another reason: the case shows the second reason only."""
    answers = [RefusalError("A012 已被预留", code="RESERVED", details={"asset": "A012"}),
               RefusalError("单位有逾期未归还的借用", code="UNIT_BLOCKED", details={"unit": "U09"}), {"ok": True}]

    def flaky(ctx, code):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
    engine.operators.register("refuse", flaky)
    engine.add_user("tester", "correct horse battery", ["TESTER"])
    engine.deploy(fixture_files("service_refusal_loop.bpmn"))
    case = engine.start_case("service_refusal_loop", {"step": "reserve", "refuse_code": "x"}, "tester")
    assert case["data"]["refusal"]["code"] == "RESERVED"
    case = engine.complete(case["open_tasks"][0]["id"], "tester", {})["case"]
    assert case["data"]["refusal"] == {"code": "UNIT_BLOCKED", "message": "单位有逾期未归还的借用",
                                       "details": {"unit": "U09"}, "operator": "refuse", "task": "reserve"}
    case = engine.complete(case["open_tasks"][0]["id"], "tester", {})["case"]
    assert case["status"] == "completed" and case["data"]["reservation"] == {"ok": True}
