"""Values a script may leave in case data survive a save and a load, and show as JSON to people."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from engine.runtime.serialization import dump_state, load_state, SERIALIZER_VERSION
from tests.integration.test_sandbox_engine import install_unchecked
from tests.helpers import add_users

SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="values" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:scriptTask id="calc" name="计算"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>price = Decimal('19200.50')
saving = price - Decimal('4600')
due = add_working_days(parse_date('2026-03-06'), 1)
stamp = parse_datetime('2026-03-06T10:00:00+08:00')
wait = parse_duration('P3D')</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="look"/>
    <bpmn:userTask id="look" name="查看"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_decimal_date_datetime_and_durations_survive_save_and_load(engine):
    add_users(engine, {"tester": ["TESTER"]})
    install_unchecked(engine, "values", SCRIPT)
    case = engine.start_case("values", {}, "tester")
    assert case["status"] == "waiting", case["incidents"]
    shown = case["data"]
    assert shown["price"] == "19200.50" and shown["saving"] == "14600.50" and shown["due"] == "2026-03-09"
    # the live values come back with their types after a load
    from engine.store.tables import Case
    with engine.db.unit_of_work(write=False) as s:
        row = s.get(Case, case["id"])
        spec, subs = engine.specs.get(s, row.version_id)
        step = CaseStep.load(row.state, row.serializer_version, spec, subs, engine.environment, engine.operators,
                             CaseContext(row.id, row.process_id), engine.clock.now())
    task = next(t for t in step.wf.tasks.values() if t.task_spec.bpmn_id == "look")
    assert task.data["saving"] == Decimal("14600.50")
    assert task.data["due"] == date(2026, 3, 9)
    assert task.data["stamp"] == datetime(2026, 3, 6, 2, 0, tzinfo=timezone.utc)
    again = dump_state(step.wf)
    assert load_state(again, SERIALIZER_VERSION, spec, subs, step.wf.script_engine) is not None
    done = engine.complete(case["open_tasks"][0]["id"], "tester", {})
    assert done["case"]["status"] == "completed" and done["case"]["data"]["price"] == "19200.50"
