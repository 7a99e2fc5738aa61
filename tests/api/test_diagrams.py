"""Seeing a process over HTTP: GET /api/v1/process-models/{id}/diagram.svg and /api/v1/cases/{id}/diagram.svg."""
from __future__ import annotations

from lxml import etree

from tests.api.support import APPROVE, assert_error
from tests.conftest import ROOT, fixture_files
from tests.unit.test_diagram_render import MALICIOUS, assert_inert, hostile_bpmn

SVG = "http://www.w3.org/2000/svg"


def svg_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return etree.fromstring(response.get_data())          # well-formed XML, or this raises


def elements(root) -> dict[str, etree._Element]:
    return {g.get("data-element-id"): g for g in root.iter(f"{{{SVG}}}g") if g.get("data-element-id")}


def marked(root) -> dict[str, set[str]]:
    out = {"completed": set(), "active": set(), "failed": set()}
    for element_id, g in elements(root).items():
        for state in out:
            if f"gwc-{state}" in g.get("class").split():
                out[state].add(element_id)
    return out


def texts(root) -> str:
    return "".join("".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text"))


def test_a_model_diagram_draws_every_element_with_chinese_names(deployed):
    root = svg_of(deployed.get("/api/v1/process-models/asset_request/diagram.svg", "wang.clerk"))
    drawn = elements(root)
    for element_id in ("start", "compute_total", "unit_head_signoff", "unit_head_gateway", "holder_review",
                       "choose_approval_chain", "approved_end", "rejected_end", "flow_unit_head_approved"):
        assert element_id in drawn
    assert drawn["unit_head_gateway"].get("data-element-type") == "exclusiveGateway"
    for name in ("提交借用申请", "单位负责人签批", "保管方审核", "同意", "退回"):
        assert name in texts(root)
    assert not any("gwc-completed" in g.get("class") for g in drawn.values())   # a model has no progress
    assert svg_of(deployed.get("/api/v1/process-models/asset_request/diagram.svg?version=1", "chen.leader")) \
        is not None


def test_model_diagram_errors(deployed, engine):
    assert_error(deployed.get("/api/v1/process-models/asset_request/diagram.svg"), 401)
    assert_error(deployed.get("/api/v1/process-models/no_such_model/diagram.svg", "wang.clerk"), 404,
                 "process_not_found")
    assert_error(deployed.get("/api/v1/process-models/asset_request/diagram.svg?version=9", "wang.clerk"), 404)
    assert_error(deployed.get("/api/v1/process-models/asset_request/diagram.svg?version=x", "wang.clerk"), 400)
    engine.deploy(paths=[ROOT / "tests" / "fixtures" / "models"])      # a model saved without bpmndi
    body = assert_error(deployed.get("/api/v1/process-models/asset_request/diagram.svg", "wang.clerk"), 404,
                        "diagram_not_found")
    assert "BPMN DI" in body["message"]


def test_a_malicious_name_is_shown_as_text(api, engine):
    engine.deploy({"hostile.bpmn": hostile_bpmn()})
    root = svg_of(api.get("/api/v1/process-models/hostile/diagram.svg", "wang.clerk"))
    assert_inert(root)
    assert elements(root)["task"].find(f"{{{SVG}}}title").text == MALICIOUS


def test_a_case_at_a_user_task_marks_what_is_done_and_what_waits(deployed):
    case = deployed.start()
    root = svg_of(deployed.get(f"/api/v1/cases/{case['id']}/diagram.svg", "wang.clerk"))
    marks = marked(root)
    assert marks["completed"] == {"start", "compute_total", "flow_start_to_compute_total",
                                  "flow_compute_total_to_unit_head_signoff"}
    assert marks["active"] == {"unit_head_signoff"} and not marks["failed"]
    legend = texts(root)
    assert "已完成" in legend and "进行中" in legend and "失败" in legend and case["id"] in legend

    task = case["open_tasks"][0]["id"]
    deployed.ok("post", f"/api/v1/tasks/{task}/complete", "li.head", json={"data": APPROVE})
    marks = marked(svg_of(deployed.get(f"/api/v1/cases/{case['id']}/diagram.svg", "li.head")))
    assert {"start", "compute_total", "unit_head_signoff", "unit_head_gateway", "flow_unit_head_approved"} \
        <= marks["completed"]
    assert marks["active"] == {"holder_review"}
    assert "mark_rejected" not in marks["completed"] and "flow_unit_head_rejected" not in marks["completed"]


def test_a_completed_case_marks_its_whole_path(api, engine):
    engine.deploy(fixture_files("script_error.bpmn", "confirm.schema.json"))
    case = api.ok("post", "/api/v1/cases", "tester", 201, json={"process_model": "script_error",
                                                                "data": {"divisor": 2}})
    api.ok("post", f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete", "tester", json={"data": {}})
    marks = marked(svg_of(api.get(f"/api/v1/cases/{case['id']}/diagram.svg", "tester")))
    assert marks["completed"] == {"start", "compute", "check", "end", "flow_start_to_compute",
                                  "flow_compute_to_check", "flow_check_to_end"}
    assert not marks["active"] and not marks["failed"]


def test_a_case_with_an_incident_marks_the_failed_element(api, engine):
    engine.deploy(fixture_files("script_error.bpmn", "confirm.schema.json"))
    engine.deploy(fixture_files("service_fail.bpmn"))
    for process, data, failed in (("script_error", {"divisor": 0}, "compute"), ("service_fail", {}, "call_fail")):
        case = api.ok("post", "/api/v1/cases", "tester", 201, json={"process_model": process, "data": data})
        assert case["status"] == "error"
        root = svg_of(api.get(f"/api/v1/cases/{case['id']}/diagram.svg", "tester"))
        marks = marked(root)
        assert marks["failed"] == {failed}
        assert marks["completed"] == {"start", f"flow_start_to_{failed}"} and not marks["active"]
        assert "gwc-failed" in elements(root)[failed].get("class") and "出错" in texts(root)


def test_case_diagram_visibility_like_the_case(deployed):
    case = deployed.start()
    path = f"/api/v1/cases/{case['id']}/diagram.svg"
    assert_error(deployed.get(path), 401)
    assert_error(deployed.get(path, "nobody"), 404, "case_not_found")
    assert_error(deployed.get(path, "jj.keeper"), 404, "case_not_found")
    assert deployed.get(f"/api/v1/cases/{case['id']}", "jj.keeper").status_code == 404   # the same rule
    for user in ("wang.clerk", "li.head", "boss"):
        svg_of(deployed.get(path, user))
    assert_error(deployed.get("/api/v1/cases/00000000-0000-0000-0000-000000000000/diagram.svg", "boss"), 404)
    assert_error(deployed.get("/api/v1/cases/not-a-uuid/diagram.svg", "boss"), 404)


def test_both_diagrams_are_in_the_openapi_document(api):
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/process-models/{process_id}/diagram.svg", "/api/v1/cases/{case_id}/diagram.svg"):
        ok = paths[path]["get"]["responses"]
        assert "image/svg+xml" in ok["200"]["content"]
        assert {"401", "404"} <= set(ok)


def test_a_waiting_timer_is_active_and_an_interrupted_task_is_not_completed(api, engine, clock):
    engine.deploy(fixture_files("boundary_timer_interrupting.bpmn", "approve.schema.json"))
    case = api.ok("post", "/api/v1/cases", "tester", 201, json={"process_model": "boundary_timer_interrupting",
                                                                "data": {}})
    path = f"/api/v1/cases/{case['id']}/diagram.svg"
    marks = marked(svg_of(api.get(path, "tester")))
    assert marks["active"] == {"approve", "approve_timeout"} and marks["completed"] == {"start",
                                                                                         "flow_start_to_approve"}
    clock.advance(hours=1, seconds=1)
    assert engine.fire_due_timers() == 1
    marks = marked(svg_of(api.get(path, "tester")))
    assert marks["active"] == {"escalated_approve"}
    assert {"start", "approve_timeout", "escalate"} <= marks["completed"]
    assert "approve" not in marks["completed"] and "approved_end" not in marks["completed"]


def test_a_retried_case_is_no_longer_marked_failed(api, engine):
    engine.deploy(fixture_files("script_error.bpmn", "confirm.schema.json"))
    case = api.ok("post", "/api/v1/cases", "tester", 201, json={"process_model": "script_error",
                                                                "data": {"divisor": 0}})
    api.ok("post", f"/api/v1/cases/{case['id']}/retry", "admin", json={"data": {"divisor": 4}})
    marks = marked(svg_of(api.get(f"/api/v1/cases/{case['id']}/diagram.svg", "tester")))
    assert not marks["failed"] and marks["active"] == {"check"}
    assert {"start", "compute"} <= marks["completed"]


def simple_bpmn(pid: str, name: str, called: str | None = None) -> bytes:
    """start → a task (or a call activity of `called`) → end, with its diagram interchange."""
    middle = (f'<bpmn:callActivity id="{pid}_step" name="调用{called}" calledElement="{called}"/>' if called
              else f'<bpmn:scriptTask id="{pid}_step" name="{name}步骤"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="{pid}_defs" targetNamespace="t">
  <bpmn:process id="{pid}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="{pid}_start"/>{middle}<bpmn:endEvent id="{pid}_end"/>
    <bpmn:sequenceFlow id="{pid}_f1" sourceRef="{pid}_start" targetRef="{pid}_step"/>
    <bpmn:sequenceFlow id="{pid}_f2" sourceRef="{pid}_step" targetRef="{pid}_end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{pid}_dia"><bpmndi:BPMNPlane id="{pid}_plane" bpmnElement="{pid}">
    <bpmndi:BPMNShape id="s1" bpmnElement="{pid}_start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s2" bpmnElement="{pid}_step"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s3" bpmnElement="{pid}_end"><dc:Bounds x="350" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="e1" bpmnElement="{pid}_f1"><di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="e2" bpmnElement="{pid}_f2"><di:waypoint x="300" y="118"/><di:waypoint x="350" y="118"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>'''.encode("utf-8")


def test_a_bundle_of_files_draws_the_file_that_defines_the_process(api, engine):
    engine.deploy({"a_child.bpmn": simple_bpmn("child_proc", "子流程"),
                   "b_parent.bpmn": simple_bpmn("parent_proc", "主流程", called="child_proc")})
    assert [f["filename"] for f in engine.process_model("parent_proc")["files"]] == ["a_child.bpmn", "b_parent.bpmn"]
    parent = elements(svg_of(api.get("/api/v1/process-models/parent_proc/diagram.svg", "tester")))
    assert parent["parent_proc_step"].get("data-element-type") == "callActivity"
    assert "child_proc_step" not in parent
    child = elements(svg_of(api.get("/api/v1/process-models/child_proc/diagram.svg", "tester")))
    assert "child_proc_step" in child and "parent_proc_step" not in child
