"""Process models over HTTP: upload (DESIGNER), list, detail with versions, XML download."""
from __future__ import annotations

from engine.deploy_files import collect_files
from tests.api.conftest import make_app
from tests.api.support import ASSET_REQUEST, assert_error, upload
from tests.conftest import fixture_files

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol2;</bpmn:definitions>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&xxe;</bpmn:definitions>"""


def post(api, files, user="designer"):
    return api.post("/api/v1/process-models", user, data=upload(files), content_type="multipart/form-data")


def test_designer_uploads_lists_and_reads_a_model(api):
    files = collect_files(ASSET_REQUEST)
    r = post(api, files)
    assert r.status_code == 201
    assert r.get_json() == {"items": [{"id": "asset_request", "version": 1}]}
    again = post(api, files)
    assert again.status_code == 200 and again.get_json() == {"items": [{"id": "asset_request", "version": 1}]}
    changed = dict(files)
    key = next(k for k in files if k.endswith(".bpmn"))
    changed[key] = files[key].replace("单位负责人签批".encode(), "单位负责人审批".encode())
    r = post(api, changed)
    assert r.status_code == 201 and r.get_json()["items"][0]["version"] == 2

    listed = api.ok("get", "/api/v1/process-models", "wang.clerk")["items"]
    assert [(m["id"], m["name"], m["version"]) for m in listed] == [("asset_request", "资产申领/借用", 2)]
    assert listed[0]["deployed_at"].startswith("2026-01-05T01:00:00")

    detail = api.ok("get", "/api/v1/process-models/asset_request", "wang.clerk")
    assert detail["version"] == 2 and [v["version"] for v in detail["versions"]] == [1, 2]
    assert "UNIT_HEAD" in detail["roles"] and detail["start_role"] == "UNIT_CLERK"
    assert detail["versions"][0]["deployed_by"] == "designer"
    first = api.ok("get", "/api/v1/process-models/asset_request?version=1", "wang.clerk")
    assert first["version"] == 1

    r = api.get("/api/v1/process-models/asset_request/versions/1/xml", "wang.clerk")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert "单位负责人签批" in r.get_data(as_text=True)
    r = api.get("/api/v1/process-models/asset_request/xml", "wang.clerk")
    assert "单位负责人审批" in r.get_data(as_text=True)
    r = api.get("/api/v1/process-models/asset_request/xml?version=1", "wang.clerk")
    assert "单位负责人签批" in r.get_data(as_text=True)


def test_upload_needs_the_designer_role(api):
    assert_error(post(api, collect_files(ASSET_REQUEST), user="admin"), 403, "forbidden")
    assert_error(post(api, collect_files(ASSET_REQUEST), user="wang.clerk"), 403, "forbidden")


def test_invalid_model_reports_every_problem_with_file_line_and_element(api):
    files = fixture_files("service_tasks.bpmn")
    files["service_tasks.bpmn"] = files["service_tasks.bpmn"].replace(b'id="add"', b'id="no_such_operator"')
    body = assert_error(post(api, files), 422, "model_invalid")
    assert len(body["details"]) == 2
    for problem in body["details"]:
        assert set(problem) >= {"file", "line", "element_id", "message"} and problem["severity"] == "error"
    unknown = body["details"][0]
    assert unknown["file"] == "service_tasks.bpmn" and unknown["line"] == 21
    assert unknown["element_id"] == "add_numbers" and "no_such_operator" in unknown["message"]


def test_hostile_xml_is_refused(api):
    for name, content in (("bomb.bpmn", BOMB), ("xxe.bpmn", XXE), ("deep.bpmn", b"<a>" * 100_000)):
        body = assert_error(post(api, {name: content}), 422, "model_invalid")
        assert body["details"][0]["file"] == name


def test_upload_shape_errors(api):
    assert_error(post(api, {"notes.txt": b"hello"}), 422, "validation_failed")
    r = api.post("/api/v1/process-models", "designer", data={"other": "x"}, content_type="multipart/form-data")
    body = assert_error(r, 422, "validation_failed")
    assert {d["field"] for d in body["details"]} == {"other", "files"}
    assert_error(api.post("/api/v1/process-models", "designer", json={"files": []}), 415, "unsupported_media_type")
    assert_error(post(api, {"bad.json": b"{not json", "x.bpmn": b"\xff\xfe"}), 422, "model_invalid")


def test_oversized_upload_is_413(engine, users):
    from tests.api.support import Api
    app = make_app(engine, max_request_bytes=4096)
    with app.test_client() as client:
        r = Api(client).post("/api/v1/process-models", "designer", data=upload({"big.bpmn": b"x" * 10_000}),
                             content_type="multipart/form-data")
        assert_error(r, 413, "payload_too_large")


def test_unknown_model_and_version_are_404(deployed):
    assert_error(deployed.get("/api/v1/process-models/nope", "wang.clerk"), 404, "process_not_found")
    assert_error(deployed.get("/api/v1/process-models/asset_request?version=9", "wang.clerk"), 404)
    assert_error(deployed.get("/api/v1/process-models/asset_request/versions/9/xml", "wang.clerk"), 404)
    assert_error(deployed.get("/api/v1/process-models/nope%00x", "wang.clerk"), 404)
    assert_error(deployed.get("/api/v1/process-models/asset_request?version=abc", "wang.clerk"), 400, "invalid_query")
    assert_error(deployed.get("/api/v1/process-models/asset_request?version=0", "wang.clerk"), 400)
    assert_error(deployed.get("/api/v1/process-models?x=1", "wang.clerk"), 400, "invalid_query")
