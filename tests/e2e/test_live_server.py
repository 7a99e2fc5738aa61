"""The contract over real sockets: `gwc demo` on loopback (waitress), driven with urllib.

login, start, inbox, claim, complete, 401, 404 across scopes, 409 on a double complete, 422 on a bad
form, and a timer fired by the embedded background runner.
"""
from __future__ import annotations

import pytest

from tests.e2e.live import LiveServer

LOAN = {"purpose": "会议", "eventName": "全区民政工作会", "startDate": "2026-12-07", "endDate": "2026-12-09",
        "items": [{"assetId": "A014", "name": "视频会议终端", "qty": 2, "unitValue": 26000}],
        "applicant_unit": "U07", "holder_region": "武侯区", "holder_warehouse": "WH-WH",
        "needDelivery": True, "needInstall": False}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("live"))
    yield live
    live.stop()


def error_body(body) -> None:
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"}, body
    assert body["message"]


def test_demo_loads_the_chengdu_metro_data(server):
    from pathlib import Path
    log = Path(server.log.name).read_text(encoding="utf-8")
    assert "Chengdu-metro demo data:" in log and "30 assets" in log and "9 warehouses" in log


def test_health_and_openapi_need_no_token(server):
    status, body = server.request("GET", "/healthz")
    assert status == 200 and body == {"status": "ok", "database": "ok", "broker": "embedded"}
    status, doc = server.request("GET", "/api/v1/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")


def test_a_loan_request_end_to_end(server):
    status, body = server.request("GET", "/api/v1/tasks")
    assert status == 401
    error_body(body)
    assert server.request("POST", "/api/v1/auth/token", {"username": "li.head", "password": "nope-nope"})[0] == 401
    clerk, head, keeper = server.token("wang.clerk"), server.token("li.head"), server.token("zhou.wh")
    other_keeper = server.token("wu.lqy")
    status, case = server.request("POST", "/api/v1/cases", {"process_model": "asset_request", "data": LOAN,
                                                             "business_key": "LIVE-0001"}, clerk)
    assert status == 201 and case["status"] == "waiting", case
    status, inbox = server.request("GET", "/api/v1/tasks", token=head)
    assert status == 200 and inbox["total"] == 1
    task = inbox["items"][0]
    assert task["name"] == "unit_head_signoff" and task["title"] == "单位负责人签批" and task["case_id"] == case["id"]
    status, claimed = server.request("POST", f"/api/v1/tasks/{task['id']}/claim", token=head)
    assert status == 200 and claimed["assignee"] == "li.head"
    status, body = server.request("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": {"decision": "MAYBE"}},
                                  head)
    assert status == 422 and body["details"][0]["field"] == "decision"
    status, done = server.request("POST", f"/api/v1/tasks/{task['id']}/complete",
                                  {"data": {"decision": "APPROVE", "comment": "同意"}}, head)
    assert status == 200 and done["task"]["state"] == "completed"
    status, body = server.request("POST", f"/api/v1/tasks/{task['id']}/complete",
                                  {"data": {"decision": "APPROVE"}}, head)
    assert status == 409
    error_body(body)
    # the holder review is 武侯区's: 龙泉驿区's keeper sees nothing and gets 404 on the task and the case
    status, mine = server.request("GET", "/api/v1/tasks", token=keeper)
    review = mine["items"][0]
    assert mine["total"] == 1 and review["name"] == "holder_review"
    assert server.request("GET", "/api/v1/tasks", token=other_keeper)[1]["total"] == 0
    for method, path in (("GET", f"/api/v1/tasks/{review['id']}"), ("POST", f"/api/v1/tasks/{review['id']}/claim"),
                         ("GET", f"/api/v1/cases/{case['id']}"), ("GET", f"/api/v1/cases/{case['id']}/events")):
        status, body = server.request(method, path, token=other_keeper)
        assert status == 404, (method, path, body)
        error_body(body)
    status, detail = server.request("GET", f"/api/v1/cases/{case['id']}", token=clerk)
    assert status == 200 and [t["name"] for t in detail["open_tasks"]] == ["holder_review"]
    status, events = server.request("GET", f"/api/v1/cases/{case['id']}/events", token=clerk)
    types = [e["type"] for e in events["items"] if e["type"] != "service_called"]   # checks and reservation
    assert types[:3] == ["started", "task_created", "task_claimed"]
    # the two terminals are reserved for the case while it is approved
    status, stock = server.request("GET", "/api/v1/catalogue?text=A014&status=ANY", token=clerk)
    assert status == 200 and [(i["status"], i["qtyAvailable"]) for i in stock["items"]] == [("RESERVED", 0)]


def test_a_designer_uploads_a_model_and_the_embedded_runner_fires_its_timer(server):
    import time
    from tests.conftest import fixture_files
    from tests.e2e.live import multipart
    admin = server.token("admin")
    body, ctype = multipart(fixture_files("intermediate_timer.bpmn", "confirm.schema.json"))
    status, deployed = server.request("POST", "/api/v1/process-models", body, admin, {"Content-Type": ctype})
    assert status == 201 and deployed["items"] == [{"id": "intermediate_timer", "version": 1}], deployed
    status, case = server.request("POST", "/api/v1/cases", {"process_model": "intermediate_timer", "data": {}}, admin)
    assert status == 201 and case["open_tasks"] == []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        detail = server.request("GET", f"/api/v1/cases/{case['id']}", token=admin)[1]
        if detail["open_tasks"]:
            break
        time.sleep(0.3)
    assert [t["name"] for t in detail["open_tasks"]] == ["after_wait"]
    events = server.request("GET", f"/api/v1/cases/{case['id']}/events", token=admin)[1]["items"]
    assert "timer_fired" in [e["type"] for e in events]
