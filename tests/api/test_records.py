"""The process record endpoints: each answers from the warehouse tables, validates its query, needs a
token, and the designation exceptions are shown only to those who may audit them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.api.support import assert_error


@pytest.fixture
def world(engine, api):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    return api


def test_a_unit_loan_record(world):
    record = world.ok("get", "/api/v1/units/U09/loans", "wang.clerk")
    assert record["unit"] == "U09" and record["blocked"] is False and record["overdueEpisodes"] == 0
    assert_error(world.get("/api/v1/units/U99/loans", "wang.clerk"), 404)


def test_lists_answer_and_validate_their_queries(world):
    for path in ("transfer-requests?unit=U10", "title-transfers?asset=A018", "vehicle-repairs?unit=U03",
                 "vehicle-invoices?flag=NON_DESIGNATED", "vehicle-exceptions", "service-offers?category=C08"):
        body = world.ok("get", f"/api/v1/{path}", "wang.clerk")
        assert isinstance(body["items"], list), path
    assert_error(world.get("/api/v1/vehicle-invoices?flag=MAYBE", "wang.clerk"), 400)
    assert_error(world.get("/api/v1/emergency-allocations", "wang.clerk"), 400)        # case_id required
    assert world.ok("get", "/api/v1/emergency-allocations?case_id=nope", "wang.clerk") == {"record": None}
    assert_error(world.get("/api/v1/purchase-flags?period_from=2026-1", "wang.clerk"), 400)
    assert_error(world.get("/api/v1/title-transfers"), 401)


def test_the_designated_list_of_a_city_on_a_date(world):
    during = world.ok("get", "/api/v1/designated-suppliers?city=成都&date=2025-09-15", "wang.clerk")["items"]
    after = world.ok("get", "/api/v1/designated-suppliers?city=成都&date=2026-09-15", "wang.clerk")["items"]
    assert {"S01", "S02", "S03"} <= {i.get("supplier") or i.get("supplierId") for i in during}
    assert len(after) < len(during)
    assert_error(world.get("/api/v1/designated-suppliers", "wang.clerk"), 400)


def test_exceptions_are_shown_to_auditors_and_to_their_own_unit_only(world, engine):
    from warehouse import vehicle_invoices
    with engine.db.unit_of_work() as s:
        now = datetime(2025, 9, 20, 2, tzinfo=timezone.utc)
        inv = vehicle_invoices.check_invoice(s, vehicle="V02", amount=300, service_date="2025-09-20", now=now,
                                             supplier_name="路边轮胎店", location="眉山市东坡区", case_id="case-x")
        vehicle_invoices.file_exception(s, invoice_id=inv["invoiceId"], reason="眉山途中爆胎，就近更换",
                                        approved_by="yang.head", now=now, case_id="case-x")
    engine.add_user("audit", "correct horse battery", ["AUDITOR"])
    engine.add_user("u03.clerk", "correct horse battery", ["UNIT_CLERK@U03"])
    assert len(world.ok("get", "/api/v1/vehicle-exceptions", "audit")["items"]) == 1
    assert len(world.ok("get", "/api/v1/vehicle-exceptions", "u03.clerk")["items"]) == 1
    assert world.ok("get", "/api/v1/vehicle-exceptions", "wang.clerk")["items"] == []

