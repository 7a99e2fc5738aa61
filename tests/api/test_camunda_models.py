"""A model made in Camunda Modeler over HTTP: it deploys, its candidate groups fill the right inboxes, its
JSON formKey is the task's form, and downloading it gives back the uploaded bytes (layout and extensions)."""
from __future__ import annotations

from pathlib import Path

from tests.api.support import PASSWORD, assert_error, upload

CAMUNDA = Path(__file__).parents[1] / "fixtures" / "camunda"
FILES = ("repair_request.bpmn", "finance_review.schema.json")


def deploy(api, names=FILES, user="designer"):
    files = {name: (CAMUNDA / name).read_bytes() for name in names}
    return api.post("/api/v1/process-models", user, data=upload(files), content_type="multipart/form-data")


def test_deploy_download_gives_back_the_bytes_with_layout_and_extensions(api):
    original = (CAMUNDA / "repair_request.bpmn").read_bytes()
    r = deploy(api)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["items"] == [{"id": "repair_request", "version": 1}]
    for path in ("/api/v1/process-models/repair_request/xml", "/api/v1/process-models/repair_request/versions/1/xml"):
        downloaded = api.get(path, "wang.clerk")
        assert downloaded.status_code == 200 and downloaded.mimetype == "application/xml"
        assert downloaded.data == original
    assert b"<bpmndi:BPMNShape" in original and b'camunda:candidateGroups="FINANCE_APPROVER"' in original
    detail = api.ok("get", "/api/v1/process-models/repair_request", "wang.clerk")
    assert detail["roles"] == ["FINANCE_APPROVER", "MANAGER", "UNIT_CLERK"] and detail["start_role"] == "UNIT_CLERK"


def test_a_role_no_user_holds_is_a_warning_in_the_deploy_answer(api):
    body = deploy(api).get_json()
    warnings = body["warnings"]
    assert [(w["element_id"], w["severity"], w["element_name"]) for w in warnings] == [
        ("finance_review", "warning", "财务审核")]
    assert "FINANCE_APPROVER" in warnings[0]["message"] and warnings[0]["line"] == 8


def test_candidate_groups_fill_the_inbox_of_the_role_and_the_form_key_is_the_form(engine, api):
    engine.add_user("sun.fin", PASSWORD, ["FINANCE_APPROVER"])
    assert deploy(api).status_code == 201
    assert "warnings" not in deploy(api).get_json()           # the role is held now; same content: 200
    start = {"process_model": "repair_request", "data": {"device": "打印机", "cost": 800}}
    assert_error(api.post("/api/v1/cases", "nobody", json=start), 403)
    case = api.ok("post", "/api/v1/cases", "wang.clerk", 201, json=start)
    inbox = api.inbox("sun.fin")["items"]
    assert [(t["name"], t["role"], t["case_id"]) for t in inbox] == [("finance_review", "FINANCE_APPROVER", case["id"])]
    assert api.inbox("wang.clerk")["items"] == [] and api.inbox("boss")["items"] == []
    task = api.ok("get", f"/api/v1/tasks/{inbox[0]['id']}", "sun.fin")
    assert task["form"]["schema"]["title"] == "财务审核"
    bad = api.post(f"/api/v1/tasks/{task['id']}/complete", "sun.fin", json={"data": {"decision": "MAYBE"}})
    assert_error(bad, 422)
    done = api.ok("post", f"/api/v1/tasks/{task['id']}/complete", "sun.fin", json={"data": {"decision": "REJECT"}})
    assert done["case"]["status"] == "completed"


def test_what_only_camunda_runs_is_a_422_naming_each_element(api):
    body = assert_error(deploy(api, ("camunda_only.bpmn",)), 422, "model_invalid")
    by_element = {}
    for problem in body["details"]:
        assert {"file", "line", "element_id", "message", "severity", "element_name"} <= set(problem)
        by_element.setdefault(problem["element_id"], []).append(problem)
    assert {"load_budget", "check_stock", "notify", "review", "sign"} <= set(by_element)
    assert by_element["load_budget"][0]["element_name"] == "读取预算"
    assert "camunda:class" in by_element["load_budget"][0]["message"]
