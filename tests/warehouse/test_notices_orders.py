"""Notices and service orders: written by process steps, read by the people they concern."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, NotFoundError, RefusalError
from engine.services.users import Principal
from warehouse import notices, service_orders


def who(name, *grants):
    return Principal(name, name, tuple((g.partition("@")[0], g.partition("@")[2] or None) for g in grants))


def test_a_notice_reaches_its_user_role_scope_and_unit_and_nobody_else(demo, call):
    call("notify", key="k1", title="借用到期提醒（T-7）", body="10台便携式计算机将于6月30日到期", unit="U09",
         kind="REMINDER")
    call("notify", key="k2", title="逾期升级", role="DISTRICT_AGENCY", scope="郫都区", kind="ESCALATION")
    call("notify", key="k3", title="调拨令已下达", user="he.cmd")
    call("notify", key="k4", title="全市通报", role="EMERGENCY_COMMAND")
    seen = {name: [n["title"] for n in notices.for_principal(demo.db, p)[0]] for name, p in {
        "pi.clerk": who("pi.clerk", "UNIT_CLERK@U09"), "wang.clerk": who("wang.clerk", "UNIT_CLERK@U07"),
        "pd.district": who("pd.district", "DISTRICT_AGENCY@郫都区"),
        "xu.district": who("xu.district", "DISTRICT_AGENCY@武侯区"),
        "all.district": who("all.district", "DISTRICT_AGENCY"),
        "he.cmd": who("he.cmd", "EMERGENCY_COMMAND"), "lqy.cmd": who("lqy.cmd", "EMERGENCY_COMMAND@龙泉驿区"),
    }.items()}
    assert seen == {"pi.clerk": ["借用到期提醒（T-7）"], "wang.clerk": [], "pd.district": ["逾期升级"],
                    "xu.district": [], "all.district": ["逾期升级"], "he.cmd": ["全市通报", "调拨令已下达"],
                    "lqy.cmd": ["全市通报"]}


def test_a_retried_step_notifies_once(demo, call):
    first = call("notify", key="same", title="提醒", user="pi.clerk")
    again = call("notify", key="same", title="提醒", user="pi.clerk")
    assert first["id"] == again["id"]
    assert notices.for_principal(demo.db, who("pi.clerk"))[1] == 1


@pytest.mark.parametrize("params, error", [({"title": "无人"}, InvalidInputError),
                                           ({"title": " ", "user": "a"}, InvalidInputError),
                                           ({"title": "x", "user": "a", "kind": "SPAM"}, InvalidInputError),
                                           ({"title": "x", "unit": "U99"}, NotFoundError)])
def test_a_notice_without_a_reader_or_title_is_refused(demo, call, params, error):
    with pytest.raises(error):
        call("notify", **params)


def test_a_logistics_order_to_the_logistics_supplier(demo, call):
    order = call("create_service_order", key="o1", supplier="S07", unit="U07", kind="LOGISTICS",
                 description="LED屏及会议椅送达武侯区民政局（2趟）", unit_price=800, qty=2, due_in_hours=24)
    assert (order["supplier"], order["category"], order["amount"], order["status"]) == ("S07", "C08", 1600.0,
                                                                                       "SUBMITTED")
    assert order["due_at"] is not None
    for status in ("ACCEPTED", "DELIVERED"):
        order = call("update_service_order", key=f"u-{status}", order_id=order["order_id"], status=status)
    settled = call("update_service_order", key="u-s", order_id=order["order_id"], status="SETTLED")
    assert settled["settled_amount"] == 1600.0 and settled["status"] == "SETTLED"


def test_a_repair_order_is_charged_to_the_borrower(demo, call):
    order = call("create_service_order", key="o2", supplier="S08", unit="U01", kind="REPAIR", amount=650,
                 charged_to="U09", description="便携式计算机屏幕更换")
    assert order["charged_to"] == "U09" and order["category"] == "C07"
    assert [o["order_id"] for o in service_orders.orders(demo.db, unit="U09")] == [order["order_id"]]


@pytest.mark.parametrize("supplier, kind, unit, reason", [
    ("S13", "LOGISTICS", "U07", "不提供该类服务"),         # 会展视听 does not move goods
    ("S11", "PURCHASE", "U07", "服务区域不含成都"),       # 东坡泡菜 serves 眉山 only (category C11)
    ("S99", "LOGISTICS", "U07", "未入驻"),
])
def test_an_ineligible_supplier_is_refused_with_a_reason_the_process_can_route_on(demo, call, supplier, kind,
                                                                                   unit, reason):
    with pytest.raises(RefusalError) as refused:
        call("create_service_order", supplier=supplier, unit=unit, kind=kind,
             category="C11" if kind == "PURCHASE" else None)
    assert refused.value.error_code == "SUPPLIER_NOT_ELIGIBLE" and reason in refused.value.message


def test_a_settled_order_cannot_be_cancelled(demo, call):
    order = call("create_service_order", key="o3", supplier="S07", unit="U07", kind="MOVING", amount=800)
    for status in ("ACCEPTED", "DELIVERED", "SETTLED"):
        call("update_service_order", key=f"s{status}", order_id=order["order_id"], status=status)
    with pytest.raises(RefusalError) as refused:
        call("update_service_order", key="c", order_id=order["order_id"], status="CANCELLED")
    assert refused.value.error_code == "ORDER_STATE"


def test_readers_see_their_own_orders(demo, call):
    call("create_service_order", key="a", supplier="S07", unit="U07", kind="LOGISTICS", amount=800)
    call("create_service_order", key="b", supplier="S08", unit="U09", kind="REPAIR", amount=300)
    def visible(*grants):
        units, suppliers = service_orders.visible_to(who("x", *grants))
        return [o["supplier"] for o in service_orders.orders(demo.db, units=units, suppliers=suppliers)]
    assert visible("MANAGER") == ["S07", "S08"]
    assert visible("UNIT_CLERK@U07") == ["S07"]
    assert visible("SUPPLIER@S08") == ["S08"]
    assert visible("UNIT_CLERK@U06") == []
