"""Two ways to play one asset_request scenario, which must agree step by step.

A scenario is start data plus steps: ("do", element, user, answer) completes the one open task `element`
as `user`; ("at", "2026-03-20 09:00") moves the clock (北京时间) and fires what is due. After every step
both runners report the sorted names of the open human tasks; at the end the case data.

- `EngineRun`: the engine services, the case saved and restored (and pruned) at every step, on the
  `engine` fixture's database with the demo data and users.
- `MemoryRun`: one SpiffWorkflow object from start to end, never serialized, with the warehouse operators
  writing to a second database with the same demo data, and the same case id (so results that name the
  case agree).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock
from engine.deploy_files import collect_files
from engine.models.validate import validate_bundle
from engine.runtime.operators import OperatorRegistry
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from engine.runtime.snapshot import take
from tests.conftest import ROOT
from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS
from warehouse.demo_data import load_demo_data

CST = timezone(timedelta(hours=8))
START = "2026-03-02 09:00"
PROCESS = [ROOT / "workflows" / "asset_request", ROOT / "forms" / "asset_request"]
EXTRA_USERS = [("jj.district", "锦江区机关事务中心", ["DISTRICT_AGENCY@锦江区"])]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def plain(data: dict) -> dict:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


class EngineRun:
    def __init__(self, engine, clock):
        self.engine, self.clock = engine, clock
        load_demo_data(engine.db)
        for login, name, grants in DEMO_USERS + EXTRA_USERS:
            engine.add_user(login, DEMO_PASSWORD, grants, name)
        engine.deploy(paths=PROCESS)
        self.case = None

    def start(self, data: dict, user: str = "wang.clerk") -> str:
        self.clock.set(local(START))
        self.case = self.engine.start_case("asset_request", data, user)
        return self.case["id"]

    def open(self) -> list[str]:
        self.case = self.engine.get_case(self.case["id"])
        return sorted(t["name"] for t in self.case["open_tasks"])

    def do(self, element: str, user: str, answer: dict) -> None:
        items, _ = self.engine.inbox(user, limit=500)
        found = [t for t in items if t["name"] == element and t["case_id"] == self.case["id"]]
        assert len(found) == 1, (element, user, [t["name"] for t in items])
        self.engine.complete(found[0]["id"], user, answer)

    def at(self, when: str) -> None:
        self.clock.set(local(when))
        for _ in range(200):
            if not (self.engine.fire_due_timers() + self.engine.run_due_jobs()):
                return
        raise AssertionError("timers did not settle")

    def result(self) -> tuple[str, dict]:
        case = self.engine.get_case(self.case["id"])
        return case["status"], case["data"]


class MemoryRun:
    def __init__(self, tmp_path, case_id: str):
        from engine.sandbox import Sandbox, SandboxEnvironment
        from engine.store.database import Database
        from warehouse.operators import register
        self.clock = FrozenClock(local(START))
        self.db = Database(f"sqlite:///{tmp_path / 'memory.sqlite3'}")
        self.db.create_all()
        load_demo_data(self.db)
        self.ops = OperatorRegistry()
        register(self.ops, clock=self.clock)
        result = validate_bundle(collect_files(PROCESS), self.ops, Sandbox())
        assert not result.problems, result.problems
        self.defn = result.processes["asset_request"]
        self.env = SandboxEnvironment(Sandbox(clock=self.clock))
        self.case_id = case_id
        self.uow = self.db.unit_of_work()
        self.session = self.uow.__enter__()

    def close(self) -> None:
        self.uow.__exit__(None, None, None)
        self.db.engine.dispose()

    def start(self, data: dict, user: str = "wang.clerk") -> None:
        context = CaseContext(self.case_id, "asset_request", session=self.session)
        self.step = CaseStep.new(self.defn.spec, self.defn.subprocess_specs, self.env, self.ops, context,
                                 self.clock.now())
        assert self.step.run(lambda: self.step.wf.task_tree.data.update(data)), self.step.log.incidents

    def open(self) -> list[str]:
        return sorted(t.task_spec.bpmn_id for t in self.step.wf.get_tasks(state=TaskState.READY, manual=True))

    def do(self, element: str, user: str, answer: dict) -> None:
        ready = [t for t in self.step.wf.get_tasks(state=TaskState.READY, manual=True)
                 if t.task_spec.bpmn_id == element]
        assert len(ready) == 1, (element, self.open())
        task = ready[0]
        self.step.now = self.clock.now()
        assert self.step.run(lambda: (task.set_data(**answer), task.run())), self.step.log.incidents

    def at(self, when: str) -> None:
        now = local(when)
        self.clock.set(now)
        self.step.now = now
        for _ in range(200):
            if not any(t.due_at <= now for t in take(self.step.wf).timers):
                return
            assert self.step.run(self.step.refresh_timers), self.step.log.incidents
        raise AssertionError("timers did not settle")

    def result(self) -> tuple[str, dict]:
        return self.step.status(), plain(self.step.data())


def play(runner, data: dict, steps, user: str = "wang.clerk") -> list[list[str]]:
    runner.start(data, user)
    seen = [runner.open()]
    for step in steps:
        if step[0] == "at":
            runner.at(step[1])
        else:
            _, element, who, answer = step
            runner.do(element, who, answer)
        seen.append(runner.open())
    return seen


def both(engine, clock, tmp_path, data: dict, steps, user: str = "wang.clerk"):
    """Play the scenario through the engine, then in memory; both must see the same inboxes and end with
    the same status and data. Returns (engine run, open tasks after each step, status, data)."""
    run = EngineRun(engine, clock)
    db_seen = play(run, data, steps, user)
    db_status, db_data = run.result()
    memory = MemoryRun(tmp_path, run.case["id"])
    try:
        mem_seen = play(memory, data, steps, user)
        mem_status, mem_data = memory.result()
    finally:
        memory.close()
    assert mem_seen == db_seen
    assert mem_status == db_status
    assert mem_data == db_data
    return run, db_seen, db_status, db_data
