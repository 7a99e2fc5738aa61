"""What a case diagram marks, from the few facts a case's tables record (engine/diagram/progress.py)."""
from __future__ import annotations

from lxml import etree

from engine.diagram import Evidence, infer
from engine.diagram.graph import build_graph

HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="t"><bpmn:process id="p" isExecutable="true">')


def graph(nodes: str, flows: list[tuple[str, str]]):
    body = nodes + "".join(f'<bpmn:sequenceFlow id="{a}__{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in flows)
    tree = etree.fromstring((HEAD + body + "</bpmn:process></bpmn:definitions>").encode()).getroottree()
    return build_graph(tree, "p")


def node(kind: str, *ids: str) -> str:
    return "".join(f'<bpmn:{kind} id="{i}"/>' for i in ids)


def test_a_case_at_a_user_task_completed_everything_before_it():
    g = graph(node("startEvent", "start") + node("userTask", "a", "c") + node("scriptTask", "b") + node("endEvent", "end"),
              [("start", "a"), ("a", "b"), ("b", "c"), ("c", "end")])
    marks = infer(g, Evidence(passed={"a"}, reached={"a", "c"}, active={"c"}))
    assert marks.completed == {"start", "a", "b"}
    assert marks.active == {"c"} and not marks.failed
    assert marks.flows == {"start__a", "a__b", "b__c"}


def test_only_the_branch_the_records_prove_is_marked():
    g = graph(node("startEvent", "start") + node("exclusiveGateway", "split", "merge") + node("userTask", "x", "y", "u")
              + node("endEvent", "end"),
              [("start", "split"), ("split", "x"), ("split", "y"), ("x", "merge"), ("y", "merge"), ("merge", "u"),
               ("u", "end")])
    proven = infer(g, Evidence(passed={"x"}, active={"u"}))
    assert proven.completed == {"start", "split", "x", "merge"}
    assert "y" not in proven.completed and "split__y" not in proven.flows
    unproven = infer(g, Evidence(active={"u"}))
    assert unproven.completed == {"start", "split", "merge"}


def test_every_branch_into_a_parallel_join_was_passed():
    g = graph(node("startEvent", "start") + node("parallelGateway", "fork", "join") + node("scriptTask", "x", "y")
              + node("userTask", "u"),
              [("start", "fork"), ("fork", "x"), ("fork", "y"), ("x", "join"), ("y", "join"), ("join", "u")])
    assert infer(g, Evidence(active={"u"})).completed == {"start", "fork", "x", "y", "join"}


def test_a_completed_case_marks_the_one_end_its_last_step_leads_to():
    single = graph(node("startEvent", "start") + node("userTask", "a") + node("scriptTask", "s") + node("endEvent", "end"),
                   [("start", "a"), ("a", "s"), ("s", "end")])
    done = infer(single, Evidence(passed={"a"}, last="a", finished=True))
    assert done.completed == {"start", "a", "s", "end"} and not done.active
    forked = graph(node("startEvent", "start") + node("userTask", "a") + node("exclusiveGateway", "g")
                   + node("endEvent", "ok", "no"), [("start", "a"), ("a", "g"), ("g", "ok"), ("g", "no")])
    unsure = infer(forked, Evidence(passed={"a"}, last="a", finished=True))
    assert unsure.completed == {"start", "a"}          # which end is not recorded: neither is claimed


def test_a_failed_element_and_the_host_of_a_fired_interrupting_boundary():
    g = graph(node("startEvent", "start") + node("scriptTask", "s") + node("userTask", "t", "u")
              + '<bpmn:boundaryEvent id="late" attachedToRef="t"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>'
              + node("endEvent", "end"),
              [("start", "s"), ("s", "t"), ("t", "end"), ("late", "u")])
    failed = infer(g, Evidence(failed={"s"}))
    assert failed.failed == {"s"} and failed.completed == {"start"}
    escalated = infer(g, Evidence(passed={"late"}, reached={"t"}, active={"u"}))
    assert escalated.completed == {"start", "s", "late"}      # t was interrupted, not completed
    assert escalated.active == {"u"}


def test_a_subprocess_is_active_while_a_task_inside_it_is():
    g = graph(node("startEvent", "start") + '<bpmn:subProcess id="sp"><bpmn:startEvent id="s0"/>'
              '<bpmn:userTask id="x"/><bpmn:sequenceFlow id="s0__x" sourceRef="s0" targetRef="x"/></bpmn:subProcess>'
              + node("endEvent", "end"), [("start", "sp"), ("sp", "end")])
    marks = infer(g, Evidence(active={"x"}))
    assert marks.active == {"x", "sp"}
    assert marks.completed == {"start", "s0"}


def test_unknown_element_ids_are_ignored():
    g = graph(node("startEvent", "start") + node("userTask", "a"), [("start", "a")])
    marks = infer(g, Evidence(passed={"gone"}, active={"a", "elsewhere"}, failed={"old"}))
    assert marks.active == {"a"} and marks.completed == {"start"} and not marks.failed
