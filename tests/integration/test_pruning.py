"""Pruning finished history changes nothing a user can see: the same scenarios, run with and without
pruning, end with the same data, the same path and the same inbox at every step."""
from __future__ import annotations

import pytest

from engine.runtime import pruning
from tests.conftest import fixture_files
from tests.helpers import add_users

SCENARIOS = {
    "parallel": (("parallel_gateway.bpmn", "review_a.schema.json", "review_b.schema.json"), "parallel_gateway", {},
                 [("ra", "review_a", {"a_ok": True}), ("rb", "review_b", {"b_ok": True})]),
    "inclusive": (("inclusive_gateway.bpmn", "logistics.schema.json", "install.schema.json"), "inclusive_gateway",
                  {"need_logistics": True, "need_install": True},
                  [("center", "arrange_install", {"install_ok": True}),
                   ("center", "arrange_logistics", {"logistics_ok": True, "trips": 3})]),
    "multi_instance": (("multi_instance.bpmn", "sign.schema.json"), "multi_instance", {"signers": ["甲", "乙", "丙"]},
                       [("tester", "sign", {"signature": "s1"}), ("tester", "sign", {"signature": "s2"}),
                        ("tester", "sign", {"signature": "s3"})]),
    "call_activity": (("call_activity.bpmn", "approve.schema.json"), "call_parent", {},
                      [("head", "child_approve", {"approved": False})]),
    "error_boundary": (("error_event.bpmn", "shortage.schema.json"), "error_event", {"stock": 1, "requested": 3},
                       [("keeper", "handle_shortage", {"action": "WAIT"})]),
    "escalation": (("escalation_event.bpmn", "confirm.schema.json"), "escalation_event", {},
                   [("tester", "finish_work", {"note": "完成"}), ("center", "notice_late", {"note": "已知悉"})]),
    "loop": (("loop_back_edge.bpmn",), "loop_back_edge", {"count": 0, "target": 120}, []),
    "reminders": (("boundary_timer_noninterrupting.bpmn", "confirm.schema.json"), "boundary_timer_noninterrupting",
                  {}, [("clock", {"days": 1, "seconds": 1}, None), ("clock", {"days": 1, "seconds": 1}, None),
                       ("clock", {"days": 1, "seconds": 1}, None), ("clerk", "in_use", {"note": "已归还"})]),
    "deadline": (("boundary_timer_interrupting.bpmn", "approve.schema.json"), "boundary_timer_interrupting", {},
                 [("clock", {"hours": 2}, None), ("city", "escalated_approve", {"approved": True})]),
}


def run(engine, files, process, data, steps):
    add_users(engine)
    engine.deploy(fixture_files(*files))
    case = engine.start_case(process, data, "admin")
    inboxes = []
    for user, element, submitted in steps:
        if user == "clock":            # move time and fire what is due
            engine.clock.advance(**element)
            engine.fire_due_timers()
            continue
        items, _ = engine.inbox(user)
        inboxes.append(sorted(i["name"] for i in items))
        task = next(i for i in items if i["name"] == element)
        engine.complete(task["id"], user, submitted)
    final = engine.get_case(case["id"])
    events = [(e["type"], e["task"]) for e in engine.case_events(case["id"])]
    return final["status"], final["data"], inboxes, events


@pytest.fixture
def unpruned(monkeypatch, tmp_path, engine):
    """A second engine on its own SQLite file that never prunes (as SpiffWorkflow keeps everything)."""
    from engine.bootstrap import Engine
    from engine.config import Settings
    from tests.conftest import FAST, make_operators
    monkeypatch.setattr(pruning, "prune", lambda wf: 0)
    plain = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}", **FAST), make_operators(),
                   engine.clock)
    plain.db.create_all()
    yield plain
    plain.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_pruned_and_unpruned_runs_agree(engine, request, name):
    files, process, data, steps = SCENARIOS[name]
    start = engine.clock.now()
    assert pruning.prune.__name__ == "prune"                # the real one, until `unpruned` patches it
    pruned = run(engine, files, process, data, steps)
    engine.clock.set(start)
    plain = run(request.getfixturevalue("unpruned"), files, process, data, steps)
    assert pruned[0] == plain[0] == "completed"
    assert pruned == plain


def test_asset_request_pruned_and_unpruned_agree(engine, request):
    """The real loan process (asset_request, scenario S1: approvals, release with orders, sign-off, timers,
    return, inspection, savings) ends the same with and without pruning: same inboxes, data and log."""
    from tests.processes.loan_runs import EngineRun, play
    from tests.processes.test_asset_request import S1, S1_STEPS

    def run(eng):
        loan = EngineRun(eng, eng.clock)
        seen = play(loan, S1, S1_STEPS)
        status, data = loan.result()
        events = [(e["type"], e["task"]) for e in eng.case_events(loan.case["id"])]
        return seen, status, data, events

    pruned = run(engine)
    plain = run(request.getfixturevalue("unpruned"))
    assert pruned[1] == "completed" and pruned[2]["savings"]["saving"] == 14600.0
    assert pruned == plain
