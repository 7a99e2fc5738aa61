"""The 公物仓 read endpoints over HTTP: catalogue, warehouses, units, suppliers, emergency stock, history."""
from __future__ import annotations

import pytest

from tests.api.support import assert_error


@pytest.fixture
def demo(engine, api):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    return api


def test_catalogue_ranks_own_branch_then_main_then_others(demo):
    body = demo.ok("get", "/api/v1/catalogue?region=武侯区&limit=200", "wang.clerk")
    warehouses = [i["warehouseId"] for i in body["items"]]
    assert body["total"] == len(body["items"]) > 20
    assert warehouses[0] == "WH-WH"
    first_main = warehouses.index("WH-CD-MAIN")
    assert all(w == "WH-WH" for w in warehouses[:first_main])
    partners = [i for i, w in enumerate(warehouses) if w in ("WH-DY", "WH-MS", "WH-ZY")]
    assert partners and min(partners) > max(i for i, w in enumerate(warehouses) if w.startswith("WH-") and
                                            w not in ("WH-DY", "WH-MS", "WH-ZY"))
    led = demo.ok("get", "/api/v1/catalogue?text=LED&region=武侯区", "wang.clerk")
    assert [i["assetId"] for i in led["items"]] == ["A012"] and led["items"][0]["unitValue"] == 168000.0
    chairs = demo.ok("get", "/api/v1/catalogue?category=C01&warehouse=WH-CD-MAIN", "li.head")
    assert {i["assetId"] for i in chairs["items"]} == {"A001", "A002"}


def test_catalogue_query_errors_are_400(demo):
    assert_error(demo.get("/api/v1/catalogue?status=LOST", "wang.clerk"), 400)
    assert_error(demo.get("/api/v1/catalogue?colour=red", "wang.clerk"), 400)
    assert_error(demo.get("/api/v1/catalogue?limit=0", "wang.clerk"), 400)
    assert_error(demo.get("/api/v1/catalogue"), 401)


def test_reference_lists(demo):
    assert len(demo.ok("get", "/api/v1/warehouses", "wang.clerk")["items"]) == 9
    assert len(demo.ok("get", "/api/v1/units", "wang.clerk")["items"]) == 12
    suppliers = demo.ok("get", "/api/v1/suppliers", "wang.clerk")["items"]
    assert len(suppliers) == 13
    stock = demo.ok("get", "/api/v1/emergency-stock?warehouse=WH-JY", "wang.clerk")["items"]
    assert stock and all(row.get("warehouse", row.get("warehouseId")) == "WH-JY" for row in stock)
    assert_error(demo.get("/api/v1/assets/A999/history", "wang.clerk"), 404)


def test_asset_history_shows_a_reservation(engine, demo, clock):
    from engine.runtime.operators import OperatorContext
    with engine.db.unit_of_work() as session:
        ctx = OperatorContext(case_id="case-1", task_id="t-1", process_id="asset_request",
                              idempotency_key="case-1:t-1", session=session)
        engine.operators.get("reserve_assets").fn(ctx, items=[{"assetId": "A012", "qty": 1}], unit="U07")
    history = demo.ok("get", "/api/v1/assets/A012/history", "wang.clerk")["items"]
    assert [(h["fromStatus"], h["toStatus"], h["caseId"]) for h in history] == [("AVAILABLE", "RESERVED", "case-1")]
    found = demo.ok("get", "/api/v1/catalogue?text=LED", "wang.clerk")
    assert found["total"] == 0                            # reserved: no longer offered


def test_openapi_lists_the_domain_endpoints(demo):
    doc = demo.ok("get", "/api/v1/openapi.json", None)
    for path in ("/api/v1/catalogue", "/api/v1/warehouses", "/api/v1/units", "/api/v1/suppliers",
                 "/api/v1/emergency-stock", "/api/v1/assets/{asset_id}/history"):
        assert path in doc["paths"], path


def test_savings_report_over_http(engine, demo):
    from engine.runtime.operators import OperatorContext
    with engine.db.unit_of_work() as session:
        ctx = OperatorContext(case_id="S1", task_id="close", process_id="asset_request",
                              idempotency_key="S1:close", session=session)
        engine.operators.get("record_savings").fn(ctx, unit="U07", reference=19200, actual=4600)
    rows = demo.ok("get", "/api/v1/savings?by=city", "boss")["items"]
    assert rows == [{"key": "成都", "lines": 1, "reference": 19200.0, "actual": 4600.0, "saving": 14600.0,
                     "rate": 0.7604}]
    assert_error(demo.get("/api/v1/savings?by=colour", "boss"), 400)
    assert_error(demo.get("/api/v1/savings?period_from=2026", "boss"), 400)
