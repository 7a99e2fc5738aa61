"""Timer start events start cases by themselves: once at a date, after a duration, or every cycle."""
from __future__ import annotations


import pytest

from tests.helpers import add_users

XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="stocktake" name="月度盘点" isExecutable="true">
    <bpmn:startEvent id="monthly" name="每月"><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expr}</bpmn:{kind}>
      </bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="monthly" targetRef="count"/>
    <bpmn:userTask id="count" name="盘点"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def deploy(eng, kind, expr):
    return eng.deploy({"stocktake.bpmn": XML.format(kind=kind, expr=expr).encode()})


def started(eng) -> int:
    return eng.list_cases(process_id="stocktake")[1]


@pytest.fixture
def eng(engine):
    add_users(engine)
    return engine


def test_cycle_starts_one_case_per_cycle_and_stops(eng, clock):
    deploy(eng, "timeCycle", "R2/PT1H")
    assert eng.fire_due_timers() == 0 and started(eng) == 0
    clock.advance(hours=1)
    assert eng.fire_due_timers() == 1
    cases, total = eng.list_cases(process_id="stocktake")
    assert total == 1 and cases[0]["started_by"] == "system"
    detail = eng.get_case(cases[0]["id"])
    assert detail["status"] == "waiting" and [t["name"] for t in detail["open_tasks"]] == ["count"]
    clock.advance(minutes=59)
    assert eng.fire_due_timers() == 0
    clock.advance(minutes=1)
    assert eng.fire_due_timers() == 1 and started(eng) == 2
    clock.advance(days=3)
    assert eng.fire_due_timers() == 0 and started(eng) == 2      # R2: two starts, then done


def test_date_starts_once_and_catches_up_after_downtime(eng, clock):
    deploy(eng, "timeDate", "2026-01-05T12:00:00+08:00")        # 04:00 UTC, 3 hours after the clock
    clock.advance(hours=2, minutes=59)
    assert eng.fire_due_timers() == 0
    clock.advance(days=2)                                          # nobody ran the timers for two days
    assert eng.fire_due_timers() == 1 and eng.fire_due_timers() == 0 and started(eng) == 1


def test_duration_counts_from_the_deploy_and_a_new_version_replaces_the_schedule(eng, clock):
    deploy(eng, "timeDuration", "PT30M")
    clock.advance(minutes=10)
    deploy(eng, "timeCycle", "R/P1D")                              # version 2: daily, no end
    clock.advance(minutes=25)
    assert eng.fire_due_timers() == 0                              # version 1's 30 minutes no longer count
    for _ in range(3):
        clock.advance(days=1)
        assert eng.fire_due_timers() == 1
    cases, total = eng.list_cases(process_id="stocktake")
    assert total == 3 and {c["version"] for c in cases} == {2}


def test_an_endless_cycle_starts_once_after_downtime_and_keeps_its_rhythm(eng, clock):
    deploy(eng, "timeCycle", "R/PT1H")
    clock.advance(days=7, minutes=30)                              # a week with nothing running the timers
    assert eng.fire_due_timers() == 1 and eng.fire_due_timers() == 0
    clock.advance(minutes=29)
    assert eng.fire_due_timers() == 0
    clock.advance(minutes=1)                                       # the next whole hour after deploy
    assert eng.fire_due_timers() == 1 and started(eng) == 2
