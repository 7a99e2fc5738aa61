"""GET /healthz, the OpenAPI document and the docs page."""
from __future__ import annotations

import dataclasses

import pytest

from api.app import create_app
from tests.api.conftest import make_app
from tests.api.support import assert_error

CONTRACT_PATHS = {
    "/healthz": ["get"], "/api/v1/openapi.json": ["get"], "/api/v1/auth/token": ["post"],
    "/api/v1/process-models": ["get", "post"], "/api/v1/process-models/{process_id}": ["get"],
    "/api/v1/cases": ["get", "post"], "/api/v1/cases/{case_id}": ["get"], "/api/v1/cases/{case_id}/events": ["get"],
    "/api/v1/cases/{case_id}/cancel": ["post"], "/api/v1/tasks": ["get"], "/api/v1/tasks/{task_id}": ["get"],
    "/api/v1/tasks/{task_id}/claim": ["post"], "/api/v1/tasks/{task_id}/unclaim": ["post"],
    "/api/v1/tasks/{task_id}/complete": ["post"], "/api/v1/messages": ["post"],
}


def test_health_reports_database_and_embedded_broker(app):
    r = app.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "broker": "embedded"}


def test_health_with_a_broker_it_cannot_check(engine):
    app = make_app(engine, broker_url="amqp://guest@127.0.0.1:1//")
    assert app.test_client().get("/healthz").get_json()["broker"] == "unknown"


def test_health_is_503_when_the_database_is_down(engine, backend, tmp_path):
    from engine.bootstrap import Engine
    url = (f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.sqlite3'}" if backend == "sqlite"
           else "postgresql://postgres@127.0.0.1:1/nowhere")
    down = Engine(dataclasses.replace(engine.settings, database_url=url))
    try:
        app = create_app(dataclasses.replace(down.settings, secret_key="s"), engine=down)
        body = assert_error(app.test_client().get("/healthz"), 503, "service_unavailable")
        assert body["details"]["database"] == "down" and body["details"]["broker"] == "embedded"
    finally:
        down.close()


def test_create_app_requires_a_secret_key(engine):
    with pytest.raises(ValueError, match="secret_key"):
        create_app(engine.settings, engine=engine)


def test_openapi_document_lists_every_contract_path(app):
    r = app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path, methods in CONTRACT_PATHS.items():
        assert path in doc["paths"], path
        for method in methods:
            op = doc["paths"][path][method]
            assert op["summary"] and "responses" in op
    error = doc["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "details"}
    complete = doc["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert {"401", "404", "409", "422"} <= set(complete["responses"])
    error_ref = {"$ref": "#/components/schemas/Error"}
    assert complete["responses"]["422"]["content"]["application/json"]["schema"] == error_ref
    inbox = doc["paths"]["/api/v1/tasks"]["get"]
    assert {"process_model", "assigned", "role", "due_before", "sort", "limit", "offset"} <= {
        p["name"] for p in inbox["parameters"]}
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    upload = doc["paths"]["/api/v1/process-models"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert "400" in doc["info"]["description"] and "422" in doc["info"]["description"]


def test_docs_page_is_self_contained_html(app):
    r = app.test_client().get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "openapi.json" in html and "<script>" in html
    assert "http://" not in html and "https://" not in html      # no CDN: the network may be closed


def test_health_with_an_unreachable_redis_broker_still_answers(engine):
    app = make_app(engine, broker_url="redis://127.0.0.1:1/0")
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.get_json()["database"] == "ok"
    assert (r.get_json()["broker"], r.get_json()["status"]) in (("unknown", "ok"), ("down", "degraded"))
