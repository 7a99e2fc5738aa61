"""Versions over HTTP: what a deploy changed, the diff of two versions, and migrating running cases."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.support import PASSWORD, assert_error, upload

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"
BASE = "/api/v1/process-models/change_request"


def version_files(version: str) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in MIGRATION.iterdir() if p.suffix == ".json"}
    files[f"change_request_{version}.bpmn"] = (MIGRATION / f"change_request_{version}.bpmn").read_bytes()
    return files


def deploy(api, version: str):
    return api.post("/api/v1/process-models", "designer", data=upload(version_files(version)),
                    content_type="multipart/form-data")


@pytest.fixture
def two_versions(engine, api):
    """Version 1 with a case at `fill` and one at `legacy_sign` (gone in version 2), then version 2."""
    engine.add_user("head.all", PASSWORD, ["UNIT_HEAD"])
    engine.add_user("city.all", PASSWORD, ["CITY_AGENCY_APPROVER"])
    assert deploy(api, "v1").status_code == 201
    stays_at_fill = engine.start_case("change_request", {}, "tester", "A")["id"]
    at_legacy = engine.start_case("change_request", {}, "tester", "C")["id"]
    for user, data in (("tester", {"subject": "旧流程"}), ("head.all", {"approved": True})):
        [task] = engine.get_case(at_legacy)["open_tasks"]
        engine.complete(task["id"], user, data)
    r = deploy(api, "v2")
    assert r.status_code == 201
    return {"A": stays_at_fill, "C": at_legacy, "deploy": r.get_json()}


def test_deploying_a_new_version_answers_what_changed(api, two_versions):
    [item] = two_versions["deploy"]["items"]
    assert (item["id"], item["version"]) == ("change_request", 2)
    changes = item["changes"]
    assert (changes["from_version"], changes["to_version"]) == (1, 2)
    assert changes["summary"] == {"added": 2, "changed": 2, "removed": 2}
    assert {"id": "legacy_sign", "type": "userTask", "name": "旧版会签"} in changes["removed"]
    fill = next(c for c in changes["changed"] if c["id"] == "fill")
    assert fill["from"] == {"name": "填写申请"} and fill["to"] == {"name": "填写变更申请"}
    again = deploy(api, "v2")                    # unchanged: 200, the contract's body, no changes
    assert again.status_code == 200 and again.get_json() == {"items": [{"id": "change_request", "version": 2}]}


def test_first_deploy_has_no_changes_field(api):
    r = deploy(api, "v1")
    assert r.status_code == 201 and r.get_json() == {"items": [{"id": "change_request", "version": 1}]}


def test_version_diff_for_any_user(api, two_versions):
    diff = api.ok("get", f"{BASE}/versions/2/diff", "wang.clerk")
    assert diff == two_versions["deploy"]["items"][0]["changes"]
    backwards = api.ok("get", f"{BASE}/versions/1/diff?against=2", "wang.clerk")
    assert backwards["summary"] == {"added": 2, "changed": 2, "removed": 2}
    assert {e["id"] for e in backwards["added"]} == {"precheck", "legacy_sign"}
    first = api.ok("get", f"{BASE}/versions/1/diff", "wang.clerk")
    assert first["from_version"] is None and first["summary"]["added"] == 8
    assert_error(api.get(f"{BASE}/versions/9/diff", "wang.clerk"), 404, "process_not_found")
    assert_error(api.get(f"{BASE}/versions/2/diff?against=7", "wang.clerk"), 404, "process_not_found")
    assert_error(api.get("/api/v1/process-models/nope/versions/1/diff", "wang.clerk"), 404, "process_not_found")
    assert_error(api.get(f"{BASE}/versions/2/diff?against=x", "wang.clerk"), 400, "invalid_query")
    assert_error(api.get(f"{BASE}/versions/2/diff", None), 401)


def test_only_managers_migrate(api, two_versions):
    for user in ("wang.clerk", "designer", "tester", "wh.manager"):      # a scoped manager is not enough
        assert_error(api.post(f"{BASE}/migrations", user, json={"to_version": 2, "dry_run": True}), 403, "forbidden")
    assert_error(api.post(f"{BASE}/migrations", None, json={"to_version": 2}), 401)


def test_unknown_model_or_version_is_404(api, two_versions):
    assert_error(api.post("/api/v1/process-models/nope/migrations", "boss", json={"to_version": 1}), 404,
                 "process_not_found")
    assert_error(api.post(f"{BASE}/migrations", "boss", json={"to_version": 9}), 404, "process_not_found")
    assert_error(api.post(f"{BASE}/migrations", "boss", json={"to_version": 2, "from_version": 5}), 404)


def test_bad_bodies(api, two_versions):
    url = f"{BASE}/migrations"
    for body in ({}, {"to_version": "2"}, {"to_version": 0}, {"to_version": 2, "extra": 1},
                 {"to_version": 2, "case_ids": "x"}, {"to_version": 2, "case_ids": []}, {"to_version": 2**40},
                 {"to_version": 2, "dry_run": "perhaps"}):
        body_ = assert_error(api.post(url, "boss", json=body), 422, "validation_failed")
        assert body_["details"] and all("field" in d for d in body_["details"])
    assert_error(api.post(url, "boss", data="{", content_type="application/json"), 400, "malformed_json")
    assert_error(api.post(url, "boss", data="to_version=2", content_type="text/plain"), 415)
    assert_error(api.post(url, "boss", json={"to_version": 2, "from_version": 2}), 400, "invalid_input")


def test_dry_run_then_run(api, engine, two_versions):
    url = f"{BASE}/migrations"
    dry = api.ok("post", url, "boss", json={"to_version": 2, "dry_run": True})
    assert dry["dry_run"] is True and dry["moved"] == 0
    items = {i["business_key"]: i for i in dry["items"]}
    assert items["A"]["movable"] is True and items["A"]["from_version"] == 1 and "reason" not in items["A"]
    assert items["C"]["movable"] is False and "legacy_sign" in items["C"]["reason"]
    assert engine.get_case(two_versions["A"])["version"] == 1

    done = api.ok("post", url, "admin", json={"to_version": 2, "from_version": 1})
    assert done["moved"] == 1
    assert {i["business_key"]: i["moved"] for i in done["items"]} == {"A": True, "C": False}
    case = api.ok("get", f"/api/v1/cases/{two_versions['A']}", "boss")
    assert case["version"] == 2 and case["open_tasks"][0]["title"] == "填写变更申请"
    events = api.ok("get", f"/api/v1/cases/{two_versions['A']}/events", "boss")["items"]
    migrated = [e for e in events if e["type"] == "migrated"]
    assert migrated and migrated[0]["actor"] == "admin"
    assert migrated[0]["detail"] == {"from_version": 1, "to_version": 2, "actor": "admin"}
    assert api.inbox("tester")["items"][0]["title"] == "填写变更申请"
    only = api.ok("post", url, "boss", json={"to_version": 2, "case_ids": [two_versions["C"]], "dry_run": True})
    assert [i["movable"] for i in only["items"]] == [False]


def test_the_openapi_document_describes_the_new_endpoints(api):
    doc = api.ok("get", "/api/v1/openapi.json", None)
    assert "post" in doc["paths"]["/api/v1/process-models/{process_id}/migrations"]
    assert "get" in doc["paths"]["/api/v1/process-models/{process_id}/versions/{version}/diff"]
