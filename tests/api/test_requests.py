"""The request error matrix: bodies, content types, sizes, ids, query strings. Never a 500."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.api.conftest import make_app
from tests.api.support import Api, assert_error

CASE = "/api/v1/cases"


def test_malformed_json_is_400(deployed):
    for raw in ("{", '{"process_model": }', "{'a': 1}", '{"a": NaN}', '{"a": Infinity}', '{"a": 1e999}', "\xff",
                "[" * 100_000):
        r = deployed.post(CASE, "wang.clerk", data=raw.encode("latin-1") if raw == "\xff" else raw,
                          content_type="application/json")
        assert_error(r, 400, "malformed_json")


def test_body_must_be_a_json_object(deployed):
    for raw in ("[]", "[1, 2]", '"text"', "3", "null", "true"):
        r = deployed.post(CASE, "wang.clerk", data=raw, content_type="application/json")
        assert_error(r, 400, "invalid_body")


def test_wrong_content_type_is_415(deployed):
    body = json.dumps({"process_model": "asset_request"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml", None):
        r = deployed.post(CASE, "wang.clerk", data=body, content_type=content_type)
        assert_error(r, 415, "unsupported_media_type")
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = deployed.post(CASE, "wang.clerk", data=body, content_type=content_type)
        assert r.status_code == 201     # started; without data its first script fails: an incident, not a 4xx
        assert r.get_json()["status"] == "error"


def test_unknown_fields_and_wrong_types_are_422_listing_every_field(deployed):
    r = deployed.post(CASE, "wang.clerk", json={"process_model": ["x"], "data": "y", "business_key": 7, "colour": 1})
    body = assert_error(r, 422, "validation_failed")
    assert {d["field"] for d in body["details"]} == {"process_model", "data", "business_key", "colour"}
    r = deployed.post(CASE, "wang.clerk", json={})
    missing = [{"field": "process_model", "message": "Missing data for required field."}]
    assert assert_error(r, 422)["details"] == missing
    r = deployed.post(CASE, "wang.clerk", json={"process_model": "asset_request", "business_key": "x" * 201})
    assert assert_error(r, 422)["details"][0]["field"] == "business_key"
    r = deployed.post(CASE, "wang.clerk", json={"process_model": "asset_request", "business_key": "a\u0000b"})
    assert assert_error(r, 422)["details"][0]["field"] == "business_key"
    r = deployed.post(CASE, "wang.clerk", json={"process_model": "asset_request", "data": {"x": "a\u0000b"}})
    assert_error(r, 422, "validation_failed")
    deep = {"process_model": "asset_request", "data": {"x": json.loads("[" * 200 + "]" * 200)}}
    assert_error(deployed.post(CASE, "wang.clerk", json=deep), 422, "validation_failed")


def test_oversized_body_is_413(engine, users):
    app = make_app(engine, max_request_bytes=1024)
    with app.test_client() as client:
        api = Api(client)
        r = api.post(CASE, "wang.clerk", json={"process_model": "asset_request", "data": {"x": "y" * 2000}})
        assert assert_error(r, 413, "payload_too_large")["details"] == {"max_request_bytes": 1024}
        r = client.post("/api/v1/auth/token", json={"username": "x" * 2000, "password": "p"})
        assert_error(r, 413, "payload_too_large")


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "0" * 36, "x" * 500, "%00", "a'b", "..%2F..%2Fetc"])
def test_bad_ids_are_404(deployed, bad):
    for method, path in (("get", f"{CASE}/{bad}"), ("get", f"{CASE}/{bad}/events"), ("post", f"{CASE}/{bad}/cancel"),
                         ("post", f"{CASE}/{bad}/retry"), ("get", f"/api/v1/tasks/{bad}"),
                         ("post", f"/api/v1/tasks/{bad}/claim"), ("post", f"/api/v1/tasks/{bad}/unclaim"),
                         ("post", f"/api/v1/tasks/{bad}/complete"), ("post", f"/api/v1/tasks/{bad}/assign")):
        r = getattr(deployed, method)(path, "admin")
        assert_error(r, 404)


def test_well_formed_but_unknown_ids_are_404(deployed):
    ghost = str(uuid.uuid4())
    assert_error(deployed.get(f"{CASE}/{ghost}", "boss"), 404, "case_not_found")
    assert_error(deployed.get(f"{CASE}/{ghost.upper()}", "boss"), 404, "case_not_found")
    assert_error(deployed.get(f"/api/v1/tasks/{ghost}", "admin"), 404, "task_not_found")
    assert_error(deployed.post(f"/api/v1/tasks/{ghost}/complete", "admin", json={"data": {}}), 404, "task_not_found")


def test_query_strings_are_validated(deployed):
    for query in ("?colour=red", "?status=lost", "?limit=0", "?limit=201", "?limit=1.5", "?offset=-1",
                  "?overdue=maybe", "?created_from=yesterday", "?created_to=2026-13-01", "?business_key=a%00b",
                  "?status=waiting&status=error"):
        body = assert_error(deployed.get(f"{CASE}{query}", "boss"), 400, "invalid_query")
        assert body["details"] and all(set(d) == {"field", "message"} for d in body["details"])
    body = assert_error(deployed.get(f"{CASE}?colour=red&size=9", "boss"), 400, "invalid_query")
    assert "colour" in body["message"] and "size" in body["message"]
    assert_error(deployed.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000?x=1", "boss"), 400, "invalid_query")


def test_unknown_url_and_method(deployed):
    assert_error(deployed.get("/api/v1/nothing-here", "boss"), 404, "not_found")
    assert_error(deployed.client.get("/nothing"), 404, "not_found")
    r = deployed.client.delete(CASE)
    assert_error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_unexpected_errors_are_500_without_internals(engine, users, monkeypatch, caplog):
    app = make_app(engine)
    monkeypatch.setattr(engine, "inbox", lambda *a, **k: 1 / 0)
    with app.test_client() as client:
        body = assert_error(Api(client).get("/api/v1/tasks", "wang.clerk"), 500, "internal_error")
    assert "ZeroDivision" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert "ZeroDivisionError" in caplog.text
