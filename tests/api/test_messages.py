"""POST /api/v1/messages: routed by name and correlation values to the waiting case."""
from __future__ import annotations

import pytest

from tests.api.support import assert_error
from tests.conftest import fixture_files


@pytest.fixture
def waiting(api, engine):
    engine.deploy(fixture_files("message_catch.bpmn", "order.schema.json"))
    case = api.ok("post", "/api/v1/cases", "clerk", 201, json={"process_model": "message_catch"})
    task = case["open_tasks"][0]["id"]
    order = {"order_id": "PO-2", "order_amount": 200}
    done = api.ok("post", f"/api/v1/tasks/{task}/complete", "clerk", json={"data": order})
    assert done["case"]["status"] == "waiting"
    return case["id"]


def test_message_reaches_the_waiting_case(api, waiting):
    body = {"name": "payment_received", "correlation": {"order_id": "PO-2"}, "data": {"amount": 200}}
    assert api.ok("post", "/api/v1/messages", "center", json=body) == {"case_id": waiting}
    case = api.ok("get", f"/api/v1/cases/{waiting}", "clerk")
    assert case["status"] == "completed" and case["data"]["paid_amount"] == 200


def test_message_nobody_waits_for_is_404(api, waiting):
    body = {"name": "payment_received", "correlation": {"order_id": "PO-9"}, "data": {}}
    assert_error(api.post("/api/v1/messages", "center", json=body), 404, "message_not_routed")
    assert_error(api.post("/api/v1/messages", "center", json={"name": "no_such_message"}), 404, "message_not_routed")
    # a user without the catch event's lane role is told the same: nothing waits for *them*
    good = {"name": "payment_received", "correlation": {"order_id": "PO-2"}, "data": {"amount": 1}}
    assert_error(api.post("/api/v1/messages", "nobody", json=good), 404, "message_not_routed")
    assert api.ok("post", "/api/v1/messages", "admin", json=good) == {"case_id": waiting}


def test_message_body_is_validated(api):
    body = assert_error(api.post("/api/v1/messages", "center", json={"correlation": [], "data": 3, "x": 1}), 422)
    assert {d["field"] for d in body["details"]} == {"name", "correlation", "data", "x"}
    assert_error(api.post("/api/v1/messages", "center", json={"name": ""}), 422, "validation_failed")
