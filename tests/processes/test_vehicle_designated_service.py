"""公务用车三定点 (DOMAIN §2(d)): vehicle_designation (part 1), vehicle_recognition (part 2), vehicle_repair and
vehicle_invoice_check (part 3), all in workflows/vehicle_designated_service/.

Every scenario runs twice: straight through in memory (one workflow object per case, never serialized, the
warehouse operators on a database of their own) and through the engine services (saved and restored at
every step). Both must take the same path to the same data. The scenarios vary what decides: the vehicle's
city, the amount and kind of repair (tier), a contract that ends, a repair at home or away.
"""
from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock
from engine.deploy_files import collect_files
from engine.errors import NotCandidateError, TaskNotFoundError
from engine.models.validate import validate_bundle
from engine.runtime.operators import OperatorRegistry
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from engine.sandbox import Sandbox, SandboxEnvironment
from engine.store.database import Database
from tests.conftest import ROOT
from warehouse.demo_data import load_demo_data
from warehouse.operators import register
from warehouse.suppliers import is_designated_or_recognised

CST = timezone(timedelta(hours=8))
# vehicle_repair calls the shared approval process (call activity): both are deployed together
PATHS = [ROOT / "workflows" / "vehicle_designated_service", ROOT / "forms" / "vehicle_designated_service",
         ROOT / "workflows" / "approval", ROOT / "forms" / "approval"]
USERS = {
    "luo.fleet": ["FLEET_MANAGER@U03"], "yang.head": ["UNIT_HEAD@U03"],
    "ji.fleet": ["FLEET_MANAGER@U01"], "ji.head": ["UNIT_HEAD@U01"],
    "dy.fleet": ["FLEET_MANAGER@U11"], "dy.head": ["UNIT_HEAD@U11"],
    "li.head": ["UNIT_HEAD@U07"],
    "chen.leader": ["VEHICLE_AUTHORITY@成都"], "ms.vehicle": ["VEHICLE_AUTHORITY@眉山"],
    "dy.vehicle": ["VEHICLE_AUTHORITY@德阳"], "zy.vehicle": ["VEHICLE_AUTHORITY@资阳"],
    "s01": ["SUPPLIER@S01"], "s03": ["SUPPLIER@S03"], "s04": ["SUPPLIER@S04"],
}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def grants(user):
    return [tuple(g.split("@", 1)) if "@" in g else (g, None) for g in USERS[user]]


# ------------------------------------------------------------------------------------------------ two desks
class Memory:
    """Straight through: one workflow object, never saved; operators on their own demo database."""

    def __init__(self, tmp_path, stack: ExitStack):
        self.clock = FrozenClock(local("2025-09-15 09:00"))
        db = Database(f"sqlite:///{tmp_path / 'memory.sqlite3'}")
        stack.callback(db.dispose)
        db.create_all()
        load_demo_data(db)
        self.db = db
        self.session = stack.enter_context(db.unit_of_work())
        self.ops = OperatorRegistry()
        register(self.ops, clock=self.clock)
        self.env = SandboxEnvironment(Sandbox(clock=self.clock))
        result = validate_bundle(collect_files(PATHS), self.ops, Sandbox())
        assert not result.problems, result.problems
        self.defs = result.processes
        self.path: list[str] = []
        self.case_id = "memory-case"

    def start(self, process, data, user):
        defn = self.defs[process]
        assert defn.start_role in dict(grants(user)), (user, defn.start_role)
        ctx = CaseContext(self.case_id, process, session=self.session)
        self.step = CaseStep.new(defn.spec, defn.subprocess_specs, self.env, self.ops, ctx, self.clock.now())
        assert self.step.run(lambda: self.step.wf.task_tree.data.update(data)), self.step.log.incidents

    def inbox(self, user):
        mine = dict(grants(user))
        found = []
        for task in self.step.wf.get_tasks(state=TaskState.READY, manual=True):
            role = task.task_spec.lane
            if role not in mine:
                continue
            scope = (task.task_spec.extensions.get("properties") or {}).get("scope")
            value = None if not scope else str(self.env.evaluate(scope, dict(task.data)))
            if mine[role] is None or mine[role] == value:
                found.append(task)
        return found

    def complete(self, user, name, data):
        tasks = [t for t in self.inbox(user) if t.task_spec.bpmn_id == name]
        assert len(tasks) == 1, (user, name, [t.task_spec.bpmn_id for t in self.inbox(user)])
        self.path.append(name)
        self.step.now = self.clock.now()
        task = tasks[0]
        assert self.step.run(lambda: (task.set_data(**data), task.run())), self.step.log.incidents

    def at(self, when):
        self.clock.set(when)
        self.step.now = when
        assert self.step.run(self.step.refresh_timers), self.step.log.incidents

    def status(self):
        return self.step.status()

    def data(self):
        return normalized(self.step.data(), self.case_id)


class Stored:
    """Through the engine services: the case is saved and restored at every step."""

    def __init__(self, engine, clock):
        self.engine, self.clock = engine, clock
        clock.set(local("2025-09-15 09:00"))
        load_demo_data(engine.db)
        for name, user_grants in USERS.items():
            engine.add_user(name, "correct horse battery", user_grants)
        engine.deploy(paths=PATHS)
        self.path: list[str] = []

    def start(self, process, data, user):
        self.case_id = self.engine.start_case(process, data, user)["id"]

    def complete(self, user, name, data):
        tasks = [t for t in self.engine.inbox(user, limit=200)[0] if t["name"] == name and t["case_id"] == self.case_id]
        assert len(tasks) == 1, (user, name, [t["name"] for t in self.engine.inbox(user)[0]])
        self.path.append(name)
        self.engine.complete(tasks[0]["id"], user, data)

    def at(self, when):
        self.clock.set(when)
        self.engine.fire_due_timers()

    def case(self):
        return self.engine.get_case(self.case_id)

    def status(self):
        return self.case()["status"]

    def data(self):
        return normalized(self.case()["data"], self.case_id)


def normalized(data, case_id):
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).replace(case_id, "<case>")
    return json.loads(text)


@pytest.fixture
def desks(engine, clock, tmp_path):
    with ExitStack() as stack:
        yield Memory(tmp_path, stack), Stored(engine, clock)


def play_both(desks, scenario):
    """Play a scenario on both desks; same path, same status, same data. Returns the stored desk."""
    memory, stored = desks
    for desk in (memory, stored):
        scenario(desk)
    assert memory.path == stored.path
    assert memory.status() == stored.status()
    assert without_row_ids(memory.data()) == without_row_ids(stored.data())
    return stored


def without_row_ids(value):
    """Database row ids (awardId, designationIds...) aside: PostgreSQL's sequences do not roll back with a
    refused step's savepoint as SQLite's row ids do, so the same run numbers rows differently there."""
    if isinstance(value, dict):
        return {k: ("<id>" if _is_row_id(k, v) else without_row_ids(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_row_ids(v) for v in value]
    return value


def _is_row_id(key: str, value) -> bool:
    ints = value if isinstance(value, list) else [value]
    return (key == "id" or key.endswith(("Id", "Ids", "_id", "_ids"))) and ints != [] and \
        all(isinstance(i, int) and not isinstance(i, bool) for i in ints)


# ------------------------------------------------------------------------------------------------ repair
def repair_request(vehicle="V02", location="眉山东坡区", kind="ROUTINE", mileage=112350):
    return {"request": {"vehicle": vehicle, "mileage": mileage, "fault": "发动机故障灯亮，无法加速",
                        "location": location, "kind": kind}}


def quotes(*pairs, chosen):
    return {"quotes": [{"supplier": s, "amount": a} for s, a in pairs], "chosen_supplier": chosen}


APPROVE = {"decision": "APPROVE", "comment": "同意"}                  # the fleet manager's own form
SIGN = {"approval_decision": "APPROVE", "approval_comment": "同意"}    # a level of the shared approval
CONFIRM = {"confirmation": "CONFIRM"}


def shop(amount, day):
    return {"actual_amount": amount, "service_date": day, "work_items": [{"name": "维修", "amount": amount}],
            "replaced_parts": ["点火线圈"]}


def s4_unit_head_tier(d):
    d.start("vehicle_repair", repair_request(), "luo.fleet")
    d.complete("luo.fleet", "collect_quotes", quotes(("S04", 6800), ("S01", 7300), chosen="S04"))
    d.complete("yang.head", "approve_unit_head", SIGN)
    d.at(local("2025-09-16 17:00"))
    d.complete("s04", "shop_repair", shop(6650, "2025-09-16"))
    d.complete("luo.fleet", "fleet_confirm", CONFIRM)


def quotes_short_then_rejected(d):
    d.start("vehicle_repair", repair_request(), "luo.fleet")
    d.complete("luo.fleet", "collect_quotes", quotes(("S04", 6800), chosen="S04"))
    d.complete("luo.fleet", "collect_quotes", quotes(("S04", 6800), ("S01", 7300), chosen="S04"))
    d.complete("yang.head", "approve_unit_head", {"approval_decision": "REJECT", "approval_comment": "请开回成都维修"})


def small_fleet_tier_with_dispute(d):
    d.start("vehicle_repair", repair_request(location="武侯区"), "luo.fleet")
    d.complete("luo.fleet", "collect_quotes", quotes(("S01", 1200), chosen="S01"))
    d.complete("luo.fleet", "fleet_approval", APPROVE)
    d.complete("s01", "shop_repair", shop(1500, "2025-09-15"))
    d.complete("luo.fleet", "fleet_confirm", {"confirmation": "DISPUTE", "confirm_comment": "超出报价，请核实"})
    d.complete("s01", "shop_repair", shop(1180, "2025-09-15"))
    d.complete("luo.fleet", "fleet_confirm", CONFIRM)


def big_repair_goes_to_the_authority(d):
    d.start("vehicle_repair", repair_request(vehicle="V01", location="龙泉驿区", mileage=86500), "ji.fleet")
    d.complete("ji.fleet", "collect_quotes", quotes(("S01", 15000), chosen="S01"))
    d.complete("chen.leader", "approve_vehicle_authority", SIGN)
    d.complete("s01", "shop_repair", shop(14800, "2025-09-17"))
    d.complete("ji.fleet", "fleet_confirm", CONFIRM)


def accident_needs_loss_assessment(d):
    d.start("vehicle_repair", repair_request(location="武侯区", kind="ACCIDENT"), "luo.fleet")
    d.complete("luo.fleet", "collect_quotes", quotes(("S01", 3000), chosen="S01"))
    d.complete("s03", "loss_assessment", {"assessed_amount": 2900, "liability": "THIRD_PARTY",
                                          "insurance_covers": True})
    d.complete("chen.leader", "approve_vehicle_authority", SIGN)
    d.complete("s01", "shop_repair", shop(2900, "2025-09-18"))
    d.complete("luo.fleet", "fleet_confirm", CONFIRM)


def another_city_cannot_use_the_shop(d):
    d.start("vehicle_repair", repair_request(vehicle="V05", mileage=23500), "dy.fleet")
    d.complete("dy.fleet", "collect_quotes", quotes(("S04", 1500), chosen="S04"))
    d.complete("dy.fleet", "collect_quotes", quotes(("S04", 1500), ("S01", 1600), chosen="S01"))
    d.complete("dy.fleet", "fleet_approval", APPROVE)
    d.complete("s01", "shop_repair", shop(1600, "2025-09-15"))
    d.complete("dy.fleet", "fleet_confirm", CONFIRM)


def contract_ends_before_the_repair(d):
    d.clock.set(local("2025-12-29 09:00"))
    d.start("vehicle_repair", repair_request(), "luo.fleet")
    d.complete("luo.fleet", "collect_quotes", quotes(("S04", 6800), ("S01", 7300), chosen="S04"))
    d.complete("yang.head", "approve_unit_head", SIGN)
    d.at(local("2026-01-03 16:00"))
    d.complete("s04", "shop_repair", shop(6650, "2026-01-03"))
    d.complete("luo.fleet", "fleet_confirm", CONFIRM)
    d.complete("yang.head", "unit_head_exception", {"exception_decision": "FILE_EXCEPTION",
                                                    "exception_reason": "元旦前已批准送修，车辆已在眉山解体维修，无法转厂"})


REPAIRS = {  # name: (scenario, path, outcome)
    "s4_unit_head_tier": (s4_unit_head_tier, ["collect_quotes", "approve_unit_head", "shop_repair", "fleet_confirm"],
                          {"repair_tier": "UNIT", "flag": "RECOGNISED", "outcome": "SETTLED", "status": "SETTLED"}),
    "quotes_short_then_rejected": (quotes_short_then_rejected, ["collect_quotes", "collect_quotes",
                                                                "approve_unit_head"],
                                   {"repair_tier": "UNIT", "flag": None, "outcome": None, "status": "REJECTED"}),
    "small_fleet_tier_with_dispute": (small_fleet_tier_with_dispute,
                                      ["collect_quotes", "fleet_approval", "shop_repair", "fleet_confirm", "shop_repair",
                                       "fleet_confirm"],
                                      {"repair_tier": "FLEET", "flag": "DESIGNATED", "outcome": "SETTLED",
                                       "status": "SETTLED"}),
    "big_repair_goes_to_the_authority": (big_repair_goes_to_the_authority,
                                         ["collect_quotes", "approve_vehicle_authority", "shop_repair", "fleet_confirm"],
                                         {"repair_tier": "AUTHORITY", "flag": "DESIGNATED", "outcome": "SETTLED",
                                          "status": "SETTLED"}),
    "accident_needs_loss_assessment": (accident_needs_loss_assessment,
                                       ["collect_quotes", "loss_assessment", "approve_vehicle_authority", "shop_repair",
                                        "fleet_confirm"],
                                       {"repair_tier": "AUTHORITY", "flag": "DESIGNATED", "outcome": "SETTLED",
                                        "status": "SETTLED"}),
    "another_city_cannot_use_the_shop": (another_city_cannot_use_the_shop,
                                         ["collect_quotes", "collect_quotes", "fleet_approval", "shop_repair",
                                          "fleet_confirm"],
                                         {"repair_tier": "FLEET", "flag": "RECOGNISED", "outcome": "SETTLED",
                                          "status": "SETTLED"}),
    "contract_ends_before_the_repair": (contract_ends_before_the_repair,
                                        ["collect_quotes", "approve_unit_head", "shop_repair", "fleet_confirm",
                                         "unit_head_exception"],
                                        {"repair_tier": "UNIT", "flag": "NON_DESIGNATED", "outcome": "SETTLED",
                                         "status": "SETTLED"}),
}


@pytest.mark.parametrize("name", sorted(REPAIRS))
def test_repair_both_ways(desks, name):
    scenario, path, expected = REPAIRS[name]
    stored = play_both(desks, scenario)
    assert stored.path == path
    data = stored.data()
    assert stored.status() == "completed"
    assert data["repair_tier"] == expected["repair_tier"]
    assert data.get("invoice_check", {}).get("flag") == expected["flag"]
    assert data.get("invoice_outcome") == expected["outcome"]
    assert data["repair"]["status"] in ("REPAIRED", "REJECTED")      # the last snapshot the case took
    from warehouse.vehicle_repairs import repairs
    assert repairs(stored.engine.db)[0]["status"] == expected["status"]


def test_s4_repair_details(desks):
    stored = play_both(desks, s4_unit_head_tier)
    data = stored.data()
    assert [s["supplierId"] for s in data["shops"]["items"]] == ["S01", "S04"]
    assert all(s["eligible"] and s["nearLocation"] for s in data["shops"]["items"])
    assert (data["quote_check"]["chosenSupplier"], data["quote_check"]["amount"]) == ("S04", 6800.0)
    assert data["tier_check"]["approverRole"] == "UNIT_HEAD" and data["min_quotes"] == 2
    assert data["settlement"]["serviceOrder"]["status"] == "SETTLED"
    assert data["settlement"]["serviceOrder"]["settled_amount"] == 6650.0
    assert data["settlement"]["settledVia"] == "CHECK"


def test_refusals_are_shown_to_the_fleet_manager(desks):
    stored = play_both(desks, quotes_short_then_rejected)
    refusal = stored.data()["refusal"]
    assert refusal["code"] == "QUOTES_SHORT" and refusal["task"] == "check_quotes"
    assert refusal["message"] == "本次维修报价 6,800 元，须至少 2 家定点或互认维修厂报价，现有 1 家"
    memory, stored = desks
    memory.path, stored.path = [], []
    for desk in desks:
        another_city_cannot_use_the_shop(desk)
    assert stored.data()["refusal"]["code"] == "SUPPLIER_NOT_DESIGNATED"
    assert "不是德阳的定点维修定点或互认供应商" in stored.data()["refusal"]["message"]


def test_a_repair_request_that_names_no_vehicle_ends_with_the_reason(desks):
    def invalid(d):
        d.start("vehicle_repair", {"request": {"vehicle": "川A·00000", "mileage": 1, "fault": "x", "location": "武侯区"}},
                "luo.fleet")

    stored = play_both(desks, invalid)
    assert stored.status() == "completed" and stored.path == []
    assert stored.data()["refusal"]["code"] == "VEHICLE_UNKNOWN"


def test_tasks_reach_only_their_unit_city_and_shop(desks):
    _, stored = desks
    eng = stored.engine
    stored.start("vehicle_repair", repair_request(), "luo.fleet")
    assert eng.inbox("dy.fleet") == ([], 0)
    stored.complete("luo.fleet", "collect_quotes", quotes(("S04", 6800), ("S01", 7300), chosen="S04"))
    approval = eng.inbox("yang.head")[0][0]
    assert (approval["title"], approval["role"], approval["scope"]) == ("单位负责人审批", "UNIT_HEAD", "U03")
    assert approval["due_at"] == "2025-09-18T01:00:00+00:00"                 # approvalStepSla: 3 working days
    assert eng.inbox("li.head") == ([], 0) and eng.inbox("chen.leader") == ([], 0)
    with pytest.raises(TaskNotFoundError):
        eng.complete(approval["id"], "li.head", SIGN)
    stored.complete("yang.head", "approve_unit_head", SIGN)
    assert eng.inbox("s01") == ([], 0)
    assert [t["scope"] for t in eng.inbox("s04")[0]] == ["S04"]


def test_a_fleet_manager_opens_repairs_for_the_own_units_vehicles_only(desks):
    """V02 belongs to U03: ji.fleet (FLEET_MANAGER@U01) is refused and nothing of the attempt is kept (no
    case, no repair row, nothing in anyone's inbox); luo.fleet (U03) may, and an unknown vehicle still ends
    with its reason for whoever asked."""
    from warehouse import vehicle_repairs
    _, stored = desks
    eng = stored.engine
    before = eng.list_cases()[1]
    with pytest.raises(NotCandidateError, match="FLEET_MANAGER@U03"):
        eng.start_case("vehicle_repair", repair_request(), "ji.fleet")
    assert eng.list_cases()[1] == before
    assert vehicle_repairs.repairs(eng.db, vehicle="V02") == []
    assert eng.inbox("luo.fleet") == ([], 0) and eng.inbox("ji.fleet") == ([], 0)
    case = eng.start_case("vehicle_repair", repair_request(), "luo.fleet")
    assert [t["name"] for t in case["open_tasks"]] == ["collect_quotes"]
    assert [r["unit"] for r in vehicle_repairs.repairs(eng.db, vehicle="V02")] == ["U03"]
    unknown = eng.start_case("vehicle_repair", repair_request(vehicle="川A·00000"), "ji.fleet")
    assert unknown["status"] == "completed" and unknown["data"]["refusal"]["code"] == "VEHICLE_UNKNOWN"


# ------------------------------------------------------------------------------------------------ invoices
def tyre(location="眉山东坡区", name="路边轮胎店（眉山东坡区）"):
    return {"invoice": {"vehicle": "V02", "supplierName": name, "amount": 300, "serviceDate": "2025-09-15",
                        "location": location, "description": "更换右后轮胎"}}


def tyre_exception(d):
    d.start("vehicle_invoice_check", tyre(), "luo.fleet")
    d.complete("yang.head", "unit_head_exception", {"exception_decision": "FILE_EXCEPTION",
                                                    "exception_reason": "高速途中爆胎，附近无定点维修厂"})


def tyre_refusal_confirmed(d):
    d.start("vehicle_invoice_check", tyre(), "luo.fleet")
    d.complete("yang.head", "unit_head_exception", {"exception_decision": "CONFIRM_REFUSAL"})


def tyre_at_home(d):
    d.start("vehicle_invoice_check", tyre(location="武侯区", name="武侯路边店"), "luo.fleet")


def designated_invoice(d):
    d.start("vehicle_invoice_check", {"invoice": {"vehicle": "川A·5K627", "supplier": "S01", "amount": 880,
                                                  "serviceDate": "2025-09-15"}}, "luo.fleet")


def after_the_term(d):
    d.start("vehicle_invoice_check", {"invoice": {"vehicle": "V02", "supplier": "S04", "amount": 6650,
                                                  "serviceDate": "2026-01-05", "location": "眉山东坡区"}}, "luo.fleet")
    d.complete("yang.head", "unit_head_exception", {"exception_decision": "CONFIRM_REFUSAL"})


INVOICES = {
    "tyre_exception": (tyre_exception, ["unit_head_exception"], "NON_DESIGNATED", "SETTLED"),
    "tyre_refusal_confirmed": (tyre_refusal_confirmed, ["unit_head_exception"], "NON_DESIGNATED", "NOT_REIMBURSED"),
    "tyre_at_home_gets_no_exception": (tyre_at_home, [], "NON_DESIGNATED", "NOT_REIMBURSED"),
    "designated_invoice_passes": (designated_invoice, [], "DESIGNATED", "SETTLED"),
    "recognised_shop_after_its_term": (after_the_term, ["unit_head_exception"], "NON_DESIGNATED", "NOT_REIMBURSED"),
}


@pytest.mark.parametrize("name", sorted(INVOICES))
def test_invoice_check_both_ways(desks, name):
    scenario, path, flag, outcome = INVOICES[name]
    stored = play_both(desks, scenario)
    data = stored.data()
    assert stored.path == path and stored.status() == "completed"
    assert data["invoice_check"]["flag"] == flag and data["invoice_outcome"] == outcome
    assert data["settlement"]["status"] == outcome
    assert ("designation_exception" in data) == (name == "tyre_exception")


def test_the_exception_is_kept_for_audit(desks):
    stored = play_both(desks, tyre_exception)
    from warehouse.vehicle_invoices import exceptions
    [row] = exceptions(stored.engine.db)
    assert (row["caseId"], row["reason"], row["approvedBy"]) == (stored.case_id, "高速途中爆胎，附近无定点维修厂",
                                                                 "UNIT_HEAD@U03")
    calls = [e["detail"]["operator"] for e in stored.engine.case_events(stored.case_id) if e["type"] == "service_called"]
    assert calls == ["check_vehicle_invoice", "file_designation_exception", "settle_vehicle_invoice"]


# ------------------------------------------------------------------------------------------------ recognition
PACKAGE = {"package": {"fromCity": "成都", "partnerCities": ["眉山", "德阳"], "agreementEnd": "2026-03-31",
                       "agreement": "成德眉资共建共享协议(虚构)",
                       "items": [{"supplier": "S01", "service": "REPAIR"}, {"supplier": "S03", "service": "INSURANCE"}]}}


def per_supplier_with_reminder_and_lapse(d):
    d.start("vehicle_recognition", PACKAGE, "chen.leader")
    d.complete("ms.vehicle", "partner_review", {"decision": "ACCEPT", "qualificationChecked": True,
                                                "pricesNotHigher": True})
    d.at(local("2025-09-29 08:59"))
    d.at(local("2025-09-29 09:01"))           # 10 working days (due 09:00): reminder, still pending
    d.complete("dy.vehicle", "partner_review", {"decision": "REJECT", "reason": "本市定点保险费率更低"})
    d.at(local("2026-03-31 23:59"))
    d.at(local("2026-04-01 00:01"))           # the agreement ended: the accepted recognition lapses


def all_rejected(d):
    d.start("vehicle_recognition", {"package": {"fromCity": "眉山", "partnerCities": ["德阳"], "agreementEnd": "2026-12-31",
                                                "items": [{"supplier": "S04", "service": "REPAIR"}]}}, "ms.vehicle")
    d.complete("dy.vehicle", "partner_review", {"decision": "REJECT", "reason": "资质不符"})


def expired_agreement(d):
    d.start("vehicle_recognition", {"package": {**PACKAGE["package"], "agreementEnd": "2025-06-30"}}, "chen.leader")


def test_recognition_decided_per_supplier_reminded_and_lapsed(desks):
    memory, stored = desks
    for desk in desks:
        per_supplier_with_reminder_and_lapse(desk)
    assert memory.path == stored.path == ["partner_review", "partner_review"]
    assert memory.data() == stored.data()
    data = stored.data()
    assert stored.status() == "completed"
    assert [i["toCity"] for i in data["proposal"]["items"]] == ["眉山", "德阳"]          # S01 skipped: recognised
    assert data["reminder"] == {"remindedCities": ["德阳"], "pending": 1}
    assert [(o["toCity"], o["status"]) for o in data["review_outcomes"]] == [("眉山", "ACCEPTED"), ("德阳", "REJECTED")]
    assert data["recognition_summary"]["status"] == "CLOSED"
    assert [i["toCity"] for i in data["recognition_summary"]["lapsed"]] == ["眉山"]
    assert is_designated_or_recognised(stored.engine.db, "S03", "眉山", "INSURANCE", "2026-03-31")[0]
    assert not is_designated_or_recognised(stored.engine.db, "S03", "眉山", "INSURANCE", "2026-04-01")[0]
    assert not is_designated_or_recognised(stored.engine.db, "S03", "德阳", "INSURANCE", "2025-10-01")[0]


def test_recognition_timer_waits_while_nothing_is_decided(desks):
    _, stored = desks
    stored.start("vehicle_recognition", PACKAGE, "chen.leader")
    reviews = {t["scope"]: t for t in stored.engine.inbox("ms.vehicle")[0] + stored.engine.inbox("dy.vehicle")[0]}
    assert sorted(reviews) == ["德阳", "眉山"] and stored.engine.inbox("zy.vehicle") == ([], 0)
    assert stored.engine.inbox("chen.leader") == ([], 0)
    stored.at(local("2025-10-31 09:00"))
    case = stored.case()
    assert case["status"] == "waiting" and len(case["open_tasks"]) == 2          # no auto-accept
    from warehouse.notices import for_principal
    for user in ("ms.vehicle", "dy.vehicle"):
        titles = [n["title"] for n in for_principal(stored.engine.db, stored.engine.principal(user))[0]]
        assert titles[0] == "互认审核已超期：1 家供应商待审核", (user, titles)
    alert = for_principal(stored.engine.db, stored.engine.principal("chen.leader"))[0][0]
    assert (alert["kind"], alert["title"], alert["body"]) == ("ALERT", "互认提议审核超期", "德阳、眉山 尚未审核完毕，已发提醒。")


@pytest.mark.parametrize("scenario,outcome", [(all_rejected, "no_active"), (expired_agreement, "invalid")])
def test_recognition_other_endings(desks, scenario, outcome):
    stored = play_both(desks, scenario)
    data = stored.data()
    assert stored.status() == "completed"
    if outcome == "invalid":
        assert stored.path == [] and data["refusal"]["code"] == "AGREEMENT_EXPIRED"
    else:
        assert stored.path == ["partner_review"] and data["recognition_summary"]["nextLapseAt"] is None
        assert not is_designated_or_recognised(stored.engine.db, "S04", "德阳", "REPAIR", "2025-10-01")[0]


# ------------------------------------------------------------------------------------------------ designation
TENDER = {"tender": {"city": "成都市", "lots": [{"service": "REPAIR", "region": "成都市全域", "termStart": "2026-07-01",
                                                "termEnd": "2028-06-30"}]}}


def award(supplier):
    return {"awards": [{"lotId": 1, "supplier": supplier, "contractNo": "CDCG-2026-017", "outlets": ["武侯区", "眉山东坡区"],
                        "priceTerms": {"labourDiscount": 0.8, "partsCap": "不高于品牌指导价"}}]}


def publish_after_revision(d):
    d.start("vehicle_designation", TENDER, "chen.leader")
    d.complete("chen.leader", "record_award", award("S99"))
    d.complete("chen.leader", "record_award", award("S04"))
    d.complete("chen.leader", "publish_review", {"decision": "REVISE", "comment": "S04 是眉山定点厂，应为 S01"})
    d.complete("chen.leader", "record_award", award("S01"))
    d.complete("chen.leader", "publish_review", {"decision": "PUBLISH"})


def test_designation_published_after_a_refusal_and_a_revision(desks):
    stored = play_both(desks, publish_after_revision)
    data = stored.data()
    assert stored.path == ["record_award", "record_award", "publish_review", "record_award", "publish_review"]
    assert stored.status() == "completed" and data["refusal"]["code"] == "SUPPLIER_UNKNOWN"
    assert [(a["supplierId"], a["status"]) for a in data["designated_list"]["published"]] == [("S01", "PUBLISHED")]
    ok, reason = is_designated_or_recognised(stored.engine.db, "S01", "成都", "REPAIR", "2027-06-30")
    assert ok and "2028-06-30" in reason
    assert not is_designated_or_recognised(stored.engine.db, "S04", "成都", "REPAIR", "2027-06-30")[0]


def test_designation_with_invalid_lots_ends_with_the_reason(desks):
    def invalid(d):
        d.start("vehicle_designation", {"tender": {"city": "成都", "lots": [{"service": "WASH"}]}}, "chen.leader")

    stored = play_both(desks, invalid)
    assert stored.status() == "completed" and stored.data()["refusal"]["code"] == "SERVICE_INVALID"


def test_only_the_city_authority_records_awards(desks):
    _, stored = desks
    stored.start("vehicle_designation", TENDER, "chen.leader")
    assert stored.engine.inbox("ms.vehicle") == ([], 0)
    [task] = stored.engine.inbox("chen.leader")[0]
    assert (task["name"], task["scope"]) == ("record_award", "成都")


def test_a_city_authority_starts_only_its_own_citys_designation_and_recognition(desks):
    from engine.errors import NotCandidateError
    _, stored = desks
    with pytest.raises(NotCandidateError):
        stored.engine.start_case("vehicle_designation", TENDER, "ms.vehicle")          # 眉山 for 成都
    with pytest.raises(NotCandidateError):
        stored.engine.start_case("vehicle_recognition", {"package": {"fromCity": "成都", "partnerCities": ["眉山"],
                                                                      "items": []}}, "ms.vehicle")
    assert stored.engine.start_case("vehicle_designation", TENDER, "chen.leader")["status"] == "waiting"
