"""emergency_dispatch (应急物资调拨, DOMAIN §2(e)): declare, approve by level, allocate, one dispatch task per
warehouse with an alert at half the window and re-allocation at the deadline, sign-for-receipt, end of
response, write-off, recovery, replenishment.

Each scenario runs twice and must take the same path to the same data: straight through in memory (one
workflow object, never serialized, on its own database) and through the engine services (saved and restored
at every step, timers fired by the engine). The data decides: other districts, levels I and IV, a refusal.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock
from engine.config import Settings
from engine.deploy_files import collect_files
from engine.models.validate import validate_bundle
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from tests.conftest import FAST, ROOT, make_operators
from tests.processes.approval_harness import walk
from warehouse import catalogue, notices
from warehouse.data.users import DEMO_USERS
from warehouse.demo_data import load_demo_data
from warehouse.emergency_tables import EmergencyContractReserve, EmergencyLine

CST = timezone(timedelta(hours=8))
PATHS = [ROOT / "workflows" / "emergency_dispatch", ROOT / "forms" / "emergency_dispatch"]
EXTRA_USERS = {"jj.cmd": ["EMERGENCY_COMMAND@锦江区"], "jj.keeper": ["BRANCH_KEEPER@锦江区"],
               "jj.site": ["SITE_RECEIVER@锦江区"], "jy.cmd": ["EMERGENCY_COMMAND@简阳市"],
               "jy.site": ["SITE_RECEIVER@简阳市"]}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def demand(*pairs, site="某安置点"):
    return [{"site": site, "items": [{"code": c, "qty": q} for c, q in pairs]}]


def declaration(region, level, items, unit="U08", kind="FLOOD"):
    return {"incident_type": kind, "location": f"{region}某镇", "level": level, "region": region,
            "requesting_unit": unit, "demands": items}


S5 = declaration("龙泉驿区", "III", demand(("E301", 100), ("E302", 400), ("E303", 800), ("E306", 600)))
APPROVE = {"approval": "APPROVE"}


def go(departed):
    return {"dispatch_decision": "DISPATCH", "driver": "张师傅", "vehicle": "川A·5K627", "departed_at": departed,
            "eta": departed, "tracking": "YJ-001"}


def short_water(data):
    """The site receiver counts 2 cases of water fewer on the last water line."""
    water = [x for x in data["dispatched_lines"] if x["code"] == "E306"][-1]
    return {"receipts": [{"lineId": water["lineId"], "receivedQty": water["qty"] - 2, "note": "2箱破损"}],
            "received_at": "2026-07-01T23:00:00+08:00"}


END = {"response_ended": True, "end_comment": "洪水退去，响应终止"}
ORDER = {"supplier": "S09", "budget_amount": 196000, "contract_amount": 171500}

# step: ("at", time) | (user, element, scope, answer or fn(data) -> answer)
SCENARIOS = {
    "s5_flood_iii_jianyang_late": (S5, None, [
        ("at", t("2026-07-01 14:00")), ("lqy.cmd", "approve_dispatch", "龙泉驿区", APPROVE),
        ("at", t("2026-07-01 16:00")),
        ("wu.lqy", "keeper_dispatch", "龙泉驿区", go("2026-07-01T16:00:00+08:00")),
        ("cd.keeper", "keeper_dispatch", "成都市本级", go("2026-07-01T16:10:00+08:00")),
        ("at", t("2026-07-01 17:01")), ("at", t("2026-07-01 20:01")),
        ("cd.keeper", "keeper_dispatch", "成都市本级", go("2026-07-01T21:00:00+08:00")),
        ("qian.site", "site_receipt", "龙泉驿区", short_water),
        ("at", t("2026-07-05 10:00")), ("lqy.cmd", "end_response", "龙泉驿区", END),
        ("at", t("2026-07-12 10:00")),
        ("wu.lqy", "recover_reusables", "龙泉驿区", {}),
        ("cd.keeper", "recover_reusables", "成都市本级", {}),
        ("zhao.center", "replenish_order", None, ORDER),
        ("at", t("2026-07-25 10:00")), ("s09.jingcheng", "replenish_delivery", "S09", {"delivered": True}),
    ]),
    "level_i_city_approves_dispatch_before_paperwork": (declaration("龙泉驿区", "I", S5["demands"]), None, [
        ("at", t("2026-07-01 14:00")), ("he.cmd", "approve_dispatch", "成都市本级", APPROVE),
        ("at", t("2026-07-01 15:00")),
        ("wu.lqy", "keeper_dispatch", "龙泉驿区", go("2026-07-01T15:00:00+08:00")),
        ("jy.keeper", "keeper_dispatch", "简阳市", go("2026-07-01T15:10:00+08:00")),
        ("cd.keeper", "keeper_dispatch", "成都市本级", go("2026-07-01T15:20:00+08:00")),
        ("at", t("2026-07-03 09:00")), ("lqy.cmd", "paperwork", "龙泉驿区", {"order_no": "成应急调〔2026〕1号"}),
    ]),
    "level_iv_jinjiang_small_flood": (
        declaration("锦江区", "IV", demand(("E301", 30), ("E303", 50)), unit="U06"), None, [
            ("at", t("2026-07-02 09:00")), ("jj.cmd", "approve_dispatch", "锦江区", APPROVE),
            ("at", t("2026-07-02 12:00")),
            ("jj.keeper", "keeper_dispatch", "锦江区", go("2026-07-02T12:00:00+08:00")),
            ("wu.lqy", "keeper_dispatch", "龙泉驿区", go("2026-07-02T12:30:00+08:00")),
            ("jj.site", "site_receipt", "锦江区", {}),
            ("jj.cmd", "end_response", "锦江区", END),
            ("jj.keeper", "recover_reusables", "锦江区", {"recoveries": []}),
            ("wu.lqy", "recover_reusables", "龙泉驿区", {}),
            ("zhao.center", "replenish_order", None, {"supplier": "S09", "budget_amount": 9000, "contract_amount": 7600}),
            ("s09.jingcheng", "replenish_delivery", "S09", {"delivered": True}),
        ]),
    "district_rejects": (S5, None, [
        ("at", t("2026-07-01 14:00")),
        ("lqy.cmd", "approve_dispatch", "龙泉驿区", {"approval": "REJECT", "approval_comment": "本区自行解决"})]),
    "stock_short_adjusted_then_cancelled": (declaration("龙泉驿区", "III", demand(("E301", 5000))), None, [
        ("at", t("2026-07-01 14:00")), ("lqy.cmd", "approve_dispatch", "龙泉驿区", APPROVE),
        ("lqy.cmd", "adjust_demand", "龙泉驿区", {"adjust_decision": "RESUBMIT", "demands": demand(("E301", 4000))}),
        ("lqy.cmd", "adjust_demand", "龙泉驿区", {"adjust_decision": "CANCEL", "adjust_comment": "改由省级调拨"}),
    ]),
    "keeper_unable_goes_to_next_candidate_at_once": (
        declaration("龙泉驿区", "III", demand(("E301", 50))), None, [
            ("at", t("2026-07-01 14:00")), ("lqy.cmd", "approve_dispatch", "龙泉驿区", APPROVE),
            ("wu.lqy", "keeper_dispatch", "龙泉驿区", {"dispatch_decision": "UNABLE", "unable_reason": "库房进水"}),
            ("jy.keeper", "keeper_dispatch", "简阳市", go("2026-07-01T14:30:00+08:00")),
            ("cd.keeper", "keeper_dispatch", "成都市本级", go("2026-07-01T14:40:00+08:00")),
        ]),
    "level_ii_jianyang_contract_reserve_supplier": (
        declaration("简阳市", "II", demand(("E306", 5000)), unit="U10"), "S09:E306:5000", [
            ("at", t("2026-07-01 14:00")), ("he.cmd", "approve_dispatch", "成都市本级", APPROVE),
            ("s09.jingcheng", "supplier_dispatch", "S09", go("2026-07-01T15:00:00+08:00")),
        ]),
}
EXPECTED_PATH = {
    "s5_flood_iii_jianyang_late": [
        ("approve_dispatch", "龙泉驿区"), ("keeper_dispatch", "龙泉驿区"), ("keeper_dispatch", "成都市本级"),
        ("keeper_dispatch", "成都市本级"), ("site_receipt", "龙泉驿区"), ("end_response", "龙泉驿区"),
        ("recover_reusables", "龙泉驿区"), ("recover_reusables", "成都市本级"), ("replenish_order", None),
        ("replenish_delivery", "S09")],
}


# ---------------------------------------------------------------------------------------------- the two runners
def _setup(db, extra):
    load_demo_data(db)
    if extra:
        supplier, item, qty = extra.split(":")
        with db.unit_of_work() as session:
            session.add(EmergencyContractReserve(supplier_id=supplier, item_code=item, qty=int(qty)))


def _strip(value):
    """Case data without what differs by construction between the runs (case ids of notices and orders)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("case_id",)}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def run_in_memory(tmp_path: Path, name: str):
    from engine.bootstrap import Engine
    from engine.sandbox import Sandbox, SandboxEnvironment
    from warehouse.operators import register
    start, extra, steps = SCENARIOS[name]
    clock = FrozenClock()
    clock.set(steps[0][1])
    store = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'memory.sqlite3'}", **FAST), make_operators(), clock)
    store.db.create_all()
    _setup(store.db, extra)
    operators = make_operators()
    register(operators, clock=clock)
    sandbox = Sandbox(clock=clock)
    result = validate_bundle(collect_files(PATHS), operators, sandbox)
    assert not result.problems, result.problems
    defn = result.processes["emergency_dispatch"]
    path = []
    with store.db.unit_of_work() as session:
        step = CaseStep.new(defn.spec, defn.subprocess_specs, SandboxEnvironment(sandbox), operators,
                            CaseContext("memory", "emergency_dispatch", session=session), clock.now())
        assert step.run(lambda: step.wf.task_tree.data.update(start)), step.log.incidents
        for s in steps[1:]:
            if s[0] == "at":
                clock.set(s[1])
                step.now = s[1]
                for _ in range(3):
                    assert step.run(), step.log.incidents
                continue
            user, element, scope, answer = s
            ready = [x for x in step.wf.get_tasks(state=TaskState.READY, manual=True)
                     if x.task_spec.bpmn_id == element and _scope(sandbox, x) == scope]
            assert len(ready) == 1, (element, scope, [x.task_spec.bpmn_id for x in
                                                      step.wf.get_tasks(state=TaskState.READY, manual=True)])
            task = ready[0]
            data = answer(task.data) if callable(answer) else answer
            path.append((element, scope))
            assert step.run(lambda task=task, data=data: (task.set_data(**data), task.run())), step.log.incidents
        open_tasks = sorted(x.task_spec.bpmn_id for x in step.wf.get_tasks(state=TaskState.READY, manual=True))
        result = path, _strip(step.data()), open_tasks
    store.close()
    return result


def _scope(sandbox, task):
    expr = (task.task_spec.extensions.get("properties") or {}).get("scope")
    return sandbox.evaluate(expr, dict(task.data)) if expr else None


def run_through_engine(engine, clock, name: str):
    start, extra, steps = SCENARIOS[name]
    _setup(engine.db, extra)
    engine.deploy(paths=PATHS)
    clock.set(steps[0][1])
    case = engine.start_case("emergency_dispatch", start, "lqy.cmd" if start["region"] == "龙泉驿区" else
                             {"锦江区": "jj.cmd", "简阳市": "jy.cmd"}[start["region"]])
    path = [(t["name"], t["scope"]) for t in walk(engine, clock, case["id"], steps[1:])]
    case = engine.get_case(case["id"])
    assert not case["incidents"], case["incidents"]
    return path, _strip(case["data"]), sorted(x["name"] for x in case["open_tasks"]), case


@pytest.fixture
def eng(engine):
    for login, display, grants in DEMO_USERS:
        engine.add_user(login, "correct horse battery", grants, display)
    for login, grants in EXTRA_USERS.items():
        engine.add_user(login, "correct horse battery", grants)
    return engine


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_both_ways_take_the_same_path_to_the_same_data(eng, clock, tmp_path, name):
    mem_path, mem_data, mem_open = run_in_memory(tmp_path, name)
    db_path, db_data, db_open, _ = run_through_engine(eng, clock, name)
    assert mem_path == db_path
    assert mem_open == db_open
    assert mem_data == db_data
    if name in EXPECTED_PATH:
        assert db_path == EXPECTED_PATH[name]


# ---------------------------------------------------------------------------------------------- what people notice
def _stock(engine, warehouse):
    return {r["code"]: r["qty"] for r in catalogue.emergency_stock(engine.db, warehouse)}


def _notices(engine, user):
    return notices.for_principal(engine.db, engine.principal(user), limit=100)[0]


def test_s5_alert_reallocation_shortage_recovery_and_replenishment(eng, clock):
    load_demo_data(eng.db)
    before = {w: _stock(eng, w) for w in ("WH-LQY", "WH-JY", "WH-CD-MAIN")}
    path, data, open_tasks, case = run_through_engine(eng, clock, "s5_flood_iii_jianyang_late")
    assert case["status"] == "completed" and data["outcome"] == "COMPLETED" and open_tasks == []
    # the alert at half the window went to 简阳's keeper, the re-allocation to the city command
    alerts = [n for n in _notices(eng, "jy.keeper") if n["kind"] == "ALERT"]
    assert [n["title"] for n in alerts] == ["出库时限已过半：简阳市分仓"]
    assert alerts[0]["created_at"] == "2026-07-01T09:01:00+00:00"          # 17:01 北京时间
    city = {n["title"] for n in _notices(eng, "he.cmd")}
    assert "简阳市分仓未按时出库，已改派" in city and "跨区调拨令：龙泉驿区III级洪涝灾害应急响应" in city
    assert not [n for n in _notices(eng, "lqy.cmd") if "改派" in n["title"]]
    moved = data["reallocations"][0]
    assert moved["source"] == "WH-JY" and {m["source"] for m in moved["moved"]} == {"WH-CD-MAIN"}
    assert {m["code"]: m["qty"] for m in moved["moved"]} == {"E301": 30, "E302": 60, "E303": 100, "E306": 75}
    # 598 of 600 cases of water: a 2-case shortage line, written off as lost in transit
    assert [(s["code"], s["qty"]) for s in data["receipt"]["shortages"]] == [("E306", 2)]
    assert {r["code"]: r["qty"] for r in data["write_off_result"]["writtenOff"]} == {"E303": 800, "E306": 600}
    # WH-JY never sent anything; tents and beds came back; water and quilts were replenished to the quota
    after = {w: _stock(eng, w) for w in ("WH-LQY", "WH-JY", "WH-CD-MAIN")}
    assert after == before
    gaps = {(x["warehouse"], x["code"]): x["gap"] for x in data["replenishment"]["lines"]}
    assert gaps == {("WH-LQY", "E303"): 300, ("WH-LQY", "E306"): 200, ("WH-CD-MAIN", "E303"): 500,
                    ("WH-CD-MAIN", "E306"): 400}
    assert data["replenish_order_result"]["status"] == "DELIVERED"
    assert data["replenish_saving"]["saving"] == ORDER["budget_amount"] - ORDER["contract_amount"]


def test_s5_stock_while_the_response_runs(eng, clock):
    """At 21:00 the stock has left LQY and MAIN (incl. what WH-JY should have sent); WH-JY keeps all its stock."""
    start, _, steps = SCENARIOS["s5_flood_iii_jianyang_late"]
    SCENARIOS["_until_dispatch"] = (start, None, steps[:9])
    try:
        run_through_engine(eng, clock, "_until_dispatch")
    finally:
        del SCENARIOS["_until_dispatch"]
    assert {k: v for k, v in _stock(eng, "WH-LQY").items() if k.startswith("E3")} == {
        "E301": 0, "E302": 0, "E303": 0, "E306": 0}
    assert _stock(eng, "WH-JY") == {"E101": 3000, "E301": 60, "E302": 120, "E303": 200, "E306": 150}
    main = _stock(eng, "WH-CD-MAIN")
    assert (main["E301"], main["E302"], main["E303"], main["E306"]) == (300 - 60, 800 - 250, 2000 - 500, 1500 - 400)


def test_level_i_ignores_the_safety_reserve_and_dispatch_starts_before_paperwork(eng, clock):
    name = "level_i_city_approves_dispatch_before_paperwork"
    start, _, steps = SCENARIOS[name]
    SCENARIOS["_level_i_first"] = (start, None, steps[:2])
    try:
        _, data, open_tasks, case = run_through_engine(eng, clock, "_level_i_first")
    finally:
        del SCENARIOS["_level_i_first"]
    # the city approved once; three dispatch tasks and the paperwork task are open together
    assert open_tasks == ["keeper_dispatch", "keeper_dispatch", "keeper_dispatch", "paperwork"]
    jy = next(b for b in data["allocation"]["batches"] if b["source"] == "WH-JY")
    assert {x["code"]: x["qty"] for x in jy["lines"]} == {"E301": 60, "E302": 120, "E303": 200, "E306": 150}
    due = {x["name"]: x["due_at"] for x in case["open_tasks"]}
    assert due["keeper_dispatch"] == "2026-07-01T08:00:00+00:00"          # 2 h: 16:00 北京时间
    assert eng.inbox("lqy.cmd")[0][0]["name"] == "paperwork"


def test_level_iv_other_district_draws_on_its_neighbour_above_the_reserve(eng, clock):
    _, data, open_tasks, case = run_through_engine(eng, clock, "level_iv_jinjiang_small_flood")
    batches = {b["source"]: {x["code"]: x["qty"] for x in b["lines"]} for b in data["allocation"]["batches"]}
    # 锦江区 gives all it has (20 tents); 龙泉驿区 (35 min) the rest, above its 20-tent safety reserve
    assert batches == {"WH-JJ": {"E301": 20, "E303": 50}, "WH-LQY": {"E301": 10}}
    assert case["status"] == "completed" and data["leave_sla_hours"] == 12
    assert _stock(eng, "WH-JJ")["E301"] == 20 and _stock(eng, "WH-JJ")["E303"] == 150


def test_refusals_and_rejection_reserve_nothing(eng, clock):
    _, data, _, case = run_through_engine(eng, clock, "stock_short_adjusted_then_cancelled")
    assert data["outcome"] == "CANCELLED" and data["refusal"]["code"] == "STOCK_SHORT"
    assert data["refusal"]["details"]["shortfall"][0]["code"] == "E301"
    with eng.db.unit_of_work(write=False) as session:
        assert session.scalars(select(EmergencyLine)).first() is None


def test_supplier_batch_goes_to_the_supplier(eng, clock):
    _, data, open_tasks, _ = run_through_engine(eng, clock, "level_ii_jianyang_contract_reserve_supplier")
    sources = [(b["source"], b["tier"]) for b in data["allocation"]["batches"]]
    assert sources == [("WH-JY", "OWN"), ("WH-LQY", "BRANCH"), ("WH-CD-MAIN", "MAIN"), ("WH-ZY", "PARTNER"),
                       ("S09", "SUPPLIER")]
    supplier = {x["code"]: x["qty"] for x in data["allocation"]["batches"][-1]["lines"]}
    assert supplier == {"E306": 5000 - 150 - 100 - 750 - 150}
    assert "paperwork" in open_tasks and "supplier_dispatch" not in open_tasks
