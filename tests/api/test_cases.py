"""Cases over HTTP: start, list with filters and paging, detail, events, cancel, retry."""
from __future__ import annotations

from tests.api.support import APPROVE, assert_error, loan
from tests.conftest import fixture_files


def test_start_read_and_follow_a_case(deployed):
    case = deployed.start(key="JY-2026-0001")
    assert case["status"] == "waiting" and case["business_key"] == "JY-2026-0001" and case["version"] == 1
    assert case["started_by"] == "wang.clerk" and case["created_at"] == "2026-01-05T01:00:00+00:00"
    assert case["data"]["total_value"] == 1200 and case["completed_at"] is None and case["incidents"] == []
    [task] = case["open_tasks"]
    assert (task["name"], task["title"], task["role"], task["scope"]) == ("unit_head_signoff", "单位负责人签批",
                                                                          "UNIT_HEAD", "U07")
    detail = deployed.ok("get", f"/api/v1/cases/{case['id']}", "wang.clerk")
    assert detail == case
    events = deployed.ok("get", f"/api/v1/cases/{case['id']}/events", "wang.clerk")["items"]
    assert [e["type"] for e in events] == ["started", "task_created"]
    assert set(events[0]) == {"at", "type", "actor", "task", "detail"} and events[0]["actor"] == "wang.clerk"


def test_start_needs_the_start_lane_role(deployed):
    body = {"process_model": "asset_request", "data": loan()}
    assert_error(deployed.post("/api/v1/cases", "li.head", json=body), 403, "not_candidate")
    assert_error(deployed.post("/api/v1/cases", "wang.clerk", json={"process_model": "nope"}), 404, "process_not_found")


def test_list_filters_and_paging(deployed, clock):
    first = deployed.start(key="JY-1")
    clock.advance(days=1)
    deployed.tokens.clear()                     # tokens follow the engine clock: log in again
    second = deployed.start(region="锦江区", key="JY-2")
    deployed.ok("post", f"/api/v1/tasks/{second['open_tasks'][0]['id']}/complete", "li.head", json={"data": APPROVE})
    clock.advance(minutes=1)
    third = deployed.start(user="jj.clerk", key="JY-3")

    def ids(query, user="boss"):
        body = deployed.ok("get", f"/api/v1/cases{query}", user)
        return [c["id"] for c in body["items"]], body["total"]

    assert ids("") == ([third["id"], second["id"], first["id"]], 3)
    assert ids("?limit=1&offset=1") == ([second["id"]], 3)
    assert ids("?offset=5") == ([], 3)
    assert ids("?business_key=JY-2") == ([second["id"]], 1)
    assert ids("?started_by=jj.clerk") == ([third["id"]], 1)
    assert ids("?status=waiting&process_model=asset_request")[1] == 3
    assert ids("?status=completed") == ([], 0)
    assert ids("?process_model=other") == ([], 0)
    assert ids("?created_to=2026-01-05") == ([first["id"]], 1)
    assert ids("?created_from=2026-01-06T00:00:00%2B00:00")[1] == 2
    assert ids("?created_from=2026-01-06&created_to=2026-01-06T12:00:00") == ([third["id"], second["id"]], 2)
    assert ids("?overdue=true") == ([], 0)
    clock.advance(days=1, hours=1)              # the first sign-off (due in two days) is late now
    deployed.tokens.clear()
    assert ids("?overdue=true")[0] == [first["id"]]
    assert ids("?overdue=false")[1] == 3
    assert ids("", user="wang.clerk") == ([second["id"], first["id"]], 2)     # the cases he started
    item = deployed.ok("get", "/api/v1/cases?limit=1", "boss")["items"][0]
    assert "open_tasks" not in item and item["data"]["holder_region"] == "武侯区"


def test_cancel_by_starter_before_any_completion_then_409(deployed):
    case = deployed.start()
    cancelled = deployed.ok("post", f"/api/v1/cases/{case['id']}/cancel", "wang.clerk", json={"reason": "填错了"})
    assert cancelled["status"] == "cancelled" and cancelled["open_tasks"] == []
    assert_error(deployed.post(f"/api/v1/cases/{case['id']}/cancel", "boss"), 409, "case_not_active")
    types = [e["type"] for e in deployed.ok("get", f"/api/v1/cases/{case['id']}/events", "boss")["items"]]
    assert types[-1] == "cancelled" and "cancel_reason" in types


def test_cancel_after_a_completed_task_needs_a_manager(deployed):
    case = deployed.start()
    deployed.ok("post", f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete", "li.head", json={"data": APPROVE})
    assert_error(deployed.post(f"/api/v1/cases/{case['id']}/cancel", "wang.clerk"), 403, "forbidden")
    assert deployed.ok("post", f"/api/v1/cases/{case['id']}/cancel", "boss")["status"] == "cancelled"


def test_retry_an_errored_case_after_fixing_its_data(api, engine):
    engine.deploy(fixture_files("script_error.bpmn", "confirm.schema.json"))
    start = {"process_model": "script_error", "data": {"divisor": 0}}
    case = api.ok("post", "/api/v1/cases", "tester", 201, json=start)
    assert case["status"] == "error" and case["incidents"][0]["element_id"] == "compute"
    assert_error(api.post(f"/api/v1/cases/{case['id']}/retry", "tester", json={"data": {"divisor": 4}}), 403)
    assert_error(api.post(f"/api/v1/cases/{case['id']}/retry", "admin", json={"data": [1]}), 422, "validation_failed")
    fixed = api.ok("post", f"/api/v1/cases/{case['id']}/retry", "admin", json={"data": {"divisor": 4}})
    assert fixed["status"] == "waiting" and fixed["incidents"] == [] and fixed["data"]["result"] == 25
    assert_error(api.post(f"/api/v1/cases/{case['id']}/retry", "admin"), 409, "case_not_active")


START_FORM_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="leave_request" name="\xe8\xaf\xb7\xe5\x81\x87\xe7\x94\xb3\xe8\xaf\xb7" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="leave_start.schema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="note"/>
    <bpmn:scriptTask id="note"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>summary = applicant + ' ' + str(days)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
START_FORM = {"type": "object", "required": ["applicant", "days"],
              "properties": {"applicant": {"type": "string", "minLength": 1}, "days": {"type": "integer", "minimum": 1}}}


def test_start_data_is_checked_against_the_start_form_and_nothing_is_created(engine, api):
    """A start event's formJsonSchemaFilename: wrong start data is a 422 naming every broken field, not a
    case created in error with a script's NameError; the model shows the form to fill."""
    import json
    engine.deploy({"leave.bpmn": START_FORM_BPMN, "leave_start.schema.json": json.dumps(START_FORM).encode()})
    model = api.ok("get", "/api/v1/process-models/leave_request", "admin")
    assert model["start_form"] == START_FORM
    body = assert_error(api.post("/api/v1/cases", "clerk", json={"process_model": "leave_request",
                                                                  "data": {"days": 0}}), 422, "form_invalid")
    assert sorted(p["field"] for p in body["details"]) == ["applicant", "days"]
    assert api.ok("get", "/api/v1/cases", "admin")["total"] == 0
    case = api.ok("post", "/api/v1/cases", "clerk", status=201,
                  json={"process_model": "leave_request", "data": {"applicant": "王", "days": 2}})
    assert case["status"] == "completed" and case["data"]["summary"] == "王 2"


def test_a_start_form_that_is_not_deployed_is_a_model_problem(engine):
    from engine.errors import ModelInvalidError
    import pytest
    with pytest.raises(ModelInvalidError) as err:
        engine.deploy({"leave.bpmn": START_FORM_BPMN})
    assert any("开始事件 start" in p["message"] and "leave_start.schema.json" in p["message"] for p in err.value.details)
