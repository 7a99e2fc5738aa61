"""S5 (DOMAIN §4): emergency dispatch across warehouses with a missed SLA and replenishment, over HTTP.

龙泉驿区 declares a III-level flood at 14:00; 100 tents, 400 beds, 800 quilts and 600 cases of water go to
某安置点 from WH-LQY (all it has), WH-JY (only above its safety reserve) and WH-CD-MAIN (the rest). WH-JY
misses its 6-hour window: alert at 17:00, re-allocation to WH-CD-MAIN at 20:00 with the city command told.
598 cases of water arrive; tents and beds come back; water and quilts are written off and replenished by S09
within 30 days, with the saving against the budget price recorded.
"""
from __future__ import annotations

from datetime import datetime

from tests.scenarios.support import local

DECLARATION = {"incident_type": "FLOOD", "location": "龙泉驿区洪安镇", "level": "III", "region": "龙泉驿区",
               "requesting_unit": "U08",
               "demands": [{"site": "某安置点", "address": "龙泉驿区洪安镇中心小学", "receiver": "钱接收",
                            "items": [{"code": "E301", "qty": 100}, {"code": "E302", "qty": 400},
                                      {"code": "E303", "qty": 800}, {"code": "E306", "qty": 600}]}]}
ITEMS = ("E301", "E302", "E303", "E306")
KEEPERS = {"WH-LQY": "wu.lqy", "WH-JY": "jy.keeper", "WH-CD-MAIN": "cd.keeper"}
BUDGET, CONTRACT = 196000, 171500


def stock(desk, warehouse, user="zhao.center"):
    rows = desk.get(f"emergency-stock?warehouse={warehouse}", user)["items"]
    return {r["code"]: r["qty"] for r in rows if r["code"] in ITEMS}


def lines(batch):
    return {x["code"]: x["qty"] for x in batch["lines"]}


def batch_of(task, key="dispatch_batches"):
    """The batch a keeper's task is about: the one of the round addressed to the task's scope."""
    found = [b for b in task["data"][key] if b["scope"] == task["scope"]]
    assert len(found) == 1, (task["scope"], [b["scope"] for b in task["data"][key]])
    return found[0]


def notices(desk, user, case_id):
    return desk.get(f"notices?case_id={case_id}", user)["items"]


def at(desk, when):
    """Move time; everybody logs in again afterwards (tokens expire while the hours pass)."""
    desk.at(when)
    desk.tokens.clear()


def dispatch(departed):
    return {"dispatch_decision": "DISPATCH", "driver": "张师傅", "vehicle": "川A·5K627",
            "departed_at": departed, "tracking": "YJ-2026-0701"}


def test_s5_emergency_dispatch_across_warehouses(desk):
    desk.deploy("emergency_dispatch")
    at(desk, local("2026-07-01 14:00"))
    before = {w: stock(desk, w) for w in KEEPERS}
    case = desk.start("lqy.cmd", "emergency_dispatch", DECLARATION, business_key="YJ-2026-LQY-0701")
    cid = case["id"]

    # III level: the district command approves (the city commander is not asked)
    approval = desk.task("lqy.cmd", "approve_dispatch", cid)
    assert approval["scope"] == "龙泉驿区" and approval["title"] == "应急调拨审批"
    desk.complete("lqy.cmd", "approve_dispatch", {"approval": "APPROVE", "approval_comment": "同意调拨"}, cid)

    # one dispatch task per warehouse, each in its own keeper's inbox, due at 20:00
    batches = {}
    for wh, keeper in KEEPERS.items():
        task = desk.task(keeper, "keeper_dispatch", cid)
        assert datetime.fromisoformat(task["due_at"]) == local("2026-07-01 20:00")     # 6 h at level III
        assert batch_of(task)["source"] == wh
        batches[wh] = lines(batch_of(task))
    desk.nobody_else_sees("keeper_dispatch", cid, set(KEEPERS.values()), ["zhou.wh", "pd.keeper", "qian.site"])
    assert batches["WH-LQY"] == before["WH-LQY"]                               # all it has
    assert batches["WH-JY"] == {"E301": 30, "E302": 60, "E303": 100, "E306": 75}  # above its safety reserve
    assert batches["WH-CD-MAIN"] == {c: DECLARATION["demands"][0]["items"][i]["qty"] - batches["WH-LQY"][c]
                                     - batches["WH-JY"][c] for i, c in enumerate(ITEMS)}

    # WH-LQY and WH-CD-MAIN leave in time
    at(desk, local("2026-07-01 16:00"))
    desk.complete("wu.lqy", "keeper_dispatch", dispatch("2026-07-01T16:00:00+08:00"), cid)
    desk.complete("cd.keeper", "keeper_dispatch", dispatch("2026-07-01T16:15:00+08:00"), cid)
    assert stock(desk, "WH-LQY") == {c: 0 for c in ITEMS}

    # 17:00 passes: WH-JY has not confirmed -> alert to its keeper
    at(desk, local("2026-07-01 17:01"))
    alerts = [n for n in notices(desk, "jy.keeper", cid) if n["kind"] == "ALERT"]
    assert [n["title"] for n in alerts] == ["出库时限已过半：简阳市分仓"]
    assert desk.tasks("jy.keeper", "keeper_dispatch", cid)

    # 20:00 passes: still nothing -> its open lines go to WH-CD-MAIN, the city command is told
    at(desk, local("2026-07-01 20:01"))
    assert not desk.tasks("jy.keeper", "keeper_dispatch", cid)
    escalations = [n for n in notices(desk, "he.cmd", cid) if n["kind"] == "ESCALATION"]
    assert [n["title"] for n in escalations] == ["简阳市分仓未按时出库，已改派"]
    assert "成都市现代公物仓(主仓)瓶装饮用水(24瓶)75箱" in escalations[0]["body"]
    second = desk.task("cd.keeper", "keeper_dispatch", cid)
    assert batch_of(second)["source"] == "WH-CD-MAIN" and lines(batch_of(second)) == batches["WH-JY"]
    at(desk, local("2026-07-01 21:00"))
    desk.complete("cd.keeper", "keeper_dispatch", dispatch("2026-07-01T21:00:00+08:00"), cid)
    assert stock(desk, "WH-JY") == before["WH-JY"]                             # WH-JY never sent anything
    sent = {c: before["WH-CD-MAIN"][c] - stock(desk, "WH-CD-MAIN")[c] for c in ITEMS}
    assert sent == {c: batches["WH-CD-MAIN"][c] + batches["WH-JY"][c] for c in ITEMS}

    # the site receiver counts 598 cases of water instead of 600
    at(desk, local("2026-07-01 23:30"))
    receipt = desk.task("qian.site", "site_receipt", cid)
    water = [x for x in receipt["data"]["dispatched_lines"] if x["code"] == "E306"]
    assert sum(x["qty"] for x in water) == 600
    short_line = water[-1]
    case = desk.complete("qian.site", "site_receipt", {
        "receipts": [{"lineId": short_line["lineId"], "receivedQty": short_line["qty"] - 2, "note": "2箱破损"}],
        "received_at": "2026-07-01T23:30:00+08:00"}, cid)
    shortage = case["data"]["receipt"]["shortages"]
    assert [(x["code"], x["qty"], x["parentId"]) for x in shortage] == [("E306", 2, short_line["lineId"])]
    assert case["data"]["receipt"]["receivedQty"] == 1900 - 2
    assert any("短少2箱" in n["body"] for n in notices(desk, "lqy.cmd", cid) if n["kind"] == "ALERT")

    # the response ends; tents and beds are collected within 15 days and inspected back into stock
    at(desk, local("2026-07-05 10:00"))
    case = desk.complete("lqy.cmd", "end_response", {"response_ended": True, "end_comment": "汛情解除"}, cid)
    assert {x["code"]: x["qty"] for x in case["data"]["write_off_result"]["writtenOff"]} == {"E303": 800, "E306": 600}
    at(desk, local("2026-07-12 10:00"))
    for keeper in ("wu.lqy", "cd.keeper"):
        task = desk.task(keeper, "recover_reusables", cid)
        assert {x["code"] for x in batch_of(task, "recovery_batches")["lines"]} == {"E301", "E302"}
        desk.complete(keeper, "recover_reusables", {}, cid)
    for wh in ("WH-LQY", "WH-CD-MAIN"):
        now = stock(desk, wh)
        assert (now["E301"], now["E302"]) == (before[wh]["E301"], before[wh]["E302"])
        assert now["E303"] < before[wh]["E303"] and now["E306"] < before[wh]["E306"]

    # replenishment: gap = quota − stock, ordered from S09 with a 30-day deadline
    order_task = desk.task("zhao.center", "replenish_order", cid)
    gaps = {(x["warehouse"], x["code"]): x["gap"] for x in order_task["data"]["replenishment"]["lines"]}
    assert gaps == {(wh, c): before[wh][c] - stock(desk, wh)[c]
                    for wh in ("WH-LQY", "WH-CD-MAIN") for c in ("E303", "E306")}
    desk.complete("zhao.center", "replenish_order", {"supplier": "S09", "budget_amount": BUDGET,
                                                     "contract_amount": CONTRACT}, cid)
    orders = desk.get(f"service-orders?case_id={cid}", "zhao.center")["items"]
    assert [(o["kind"], o["supplier"], o["status"]) for o in orders] == [("REPLENISH", "S09", "SUBMITTED")]
    assert datetime.fromisoformat(orders[0]["due_at"]) == local("2026-08-11 10:00")    # 30 days
    savings = {r["key"]: r for r in desk.get("savings?by=unit", "zhao.center")["items"]}
    assert savings["U08"]["saving"] == BUDGET - CONTRACT
    assert savings["U08"]["rate"] == round((BUDGET - CONTRACT) / BUDGET, 4)
    assert {r["key"] for r in desk.get("savings?by=city", "zhao.center")["items"]} == {"成都"}

    at(desk, local("2026-07-25 10:00"))
    desk.complete("s09.jingcheng", "replenish_delivery", {"delivered": True,
                                                          "delivered_at": "2026-07-25T10:00:00+08:00"}, cid)
    assert desk.case(cid)["status"] == "completed"
    assert desk.get(f"service-orders?case_id={cid}", "zhao.center")["items"][0]["status"] == "DELIVERED"
    assert {w: stock(desk, w) for w in KEEPERS} == before
