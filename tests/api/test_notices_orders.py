"""GET /api/v1/notices and GET /api/v1/service-orders: each caller reads what concerns them."""
from __future__ import annotations

import pytest

from engine.runtime.operators import OperatorContext
from tests.api.support import assert_error


@pytest.fixture
def world(engine, api):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    ops = engine.operators

    def run(name, key, **params):
        with engine.db.unit_of_work() as session:
            ctx = OperatorContext("case-9", "t", "asset_request", key, session, "remind")
            return ops.get(name).fn(ctx, **params)
    run("notify", "n1", title="借用到期提醒", unit="U07", kind="REMINDER")
    run("notify", "n2", title="分仓待办超时", role="BRANCH_KEEPER", scope="锦江区", kind="ALERT")
    run("create_service_order", "o1", supplier="S07", unit="U07", kind="LOGISTICS", unit_price=800, qty=2)
    run("create_service_order", "o2", supplier="S08", unit="U06", kind="REPAIR", amount=300)
    return api


def test_each_user_reads_the_notices_addressed_to_them(world):
    mine = world.ok("get", "/api/v1/notices", "li.head")      # UNIT_HEAD@U07: the unit's notice
    assert [n["title"] for n in mine["items"]] == ["借用到期提醒"] and mine["total"] == 1
    assert mine["items"][0]["case_id"] == "case-9" and mine["items"][0]["task"] == "remind"
    assert [n["title"] for n in world.ok("get", "/api/v1/notices", "jj.keeper")["items"]] == ["分仓待办超时"]
    assert world.ok("get", "/api/v1/notices", "zhou.wh")["items"] == []
    assert world.ok("get", "/api/v1/notices?case_id=other", "li.head")["total"] == 0
    assert_error(world.get("/api/v1/notices?limit=0", "li.head"), 400)
    assert_error(world.get("/api/v1/notices"), 401)


def test_service_orders_are_visible_to_their_unit_and_to_managers(world):
    assert [o["supplier"] for o in world.ok("get", "/api/v1/service-orders", "boss")["items"]] == ["S07", "S08"]
    ours = world.ok("get", "/api/v1/service-orders", "li.head")["items"]
    assert [(o["supplier"], o["amount"], o["status"]) for o in ours] == [("S07", 1600.0, "SUBMITTED")]
    assert world.ok("get", "/api/v1/service-orders?supplier=S08", "li.head")["items"] == []
    assert_error(world.get("/api/v1/service-orders?colour=red", "boss"), 400)
