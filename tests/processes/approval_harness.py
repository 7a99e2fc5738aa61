"""Runs one scenario of a process twice (SpiffWorkflow tests' habit): straight through in memory (one workflow
object, never serialized, on its own database) and through the engine services (saved and restored at every
step, timers fired by the engine). Used by test_approval.py and test_cross_district_transfer.py.

A scenario is a start user, start data and steps: ("at", datetime) moves the clock and lets timers fire;
(user, element, scope, answer) completes the one open task `element` in `scope` (answer: dict or fn(data)).
Both runs return the path [(element, role, scope)], the case data (JSON, case ids stripped) and the open
tasks [(element, role, scope)].
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock
from engine.config import Settings
from engine.deploy_files import collect_files
from engine.models.validate import validate_bundle
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from tests.conftest import FAST, ROOT, make_operators
from warehouse.demo_data import load_demo_data

CST = timezone(timedelta(hours=8))
PASSWORD = "correct horse battery"


def t(text: str) -> datetime:
    """'2026-01-05 09:00' in 北京时间."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def paths(*processes: str) -> list[Path]:
    found = []
    for p in processes:
        found.append(ROOT / "workflows" / p)
        if (ROOT / "forms" / p).is_dir():
            found.append(ROOT / "forms" / p)
    return found


def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def strip(value):
    """Case data without what differs by construction between the two runs (the case id)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "case_id"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def _scope(sandbox, task):
    expr = (task.task_spec.extensions.get("properties") or {}).get("scope")
    if not expr:
        return None
    value = sandbox.evaluate(expr, dict(task.data))
    return None if value is None else str(value)


def _ready(wf):
    return [x for x in wf.get_tasks(state=TaskState.READY, manual=True)]


def run_in_memory(tmp_path: Path, process: str, bundle: list[Path], start: dict, steps: list, setup=None):
    from engine.bootstrap import Engine
    from engine.sandbox import Sandbox, SandboxEnvironment
    from warehouse.operators import register
    clock = FrozenClock()
    clock.set(steps[0][1])
    store = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'memory.sqlite3'}", **FAST), make_operators(), clock)
    store.db.create_all()
    load_demo_data(store.db)
    if setup:
        setup(store.db)
    operators = make_operators()
    register(operators, clock=clock)
    sandbox = Sandbox(clock=clock)
    result = validate_bundle(collect_files(bundle), operators, sandbox)
    assert not result.problems, result.problems
    defn = result.processes[process]
    path = []
    try:
        with store.db.unit_of_work() as session:
            step = CaseStep.new(defn.spec, defn.subprocess_specs, SandboxEnvironment(sandbox), operators,
                                CaseContext("memory", process, session=session), clock.now())
            assert step.run(lambda: step.wf.task_tree.data.update(start)), step.log.incidents
            for s in steps[1:]:
                if s[0] == "at":
                    clock.set(s[1])
                    step.now = s[1]
                    for _ in range(3):
                        assert step.run(), step.log.incidents
                    continue
                user, element, scope, answer = s
                ready = [x for x in _ready(step.wf) if x.task_spec.bpmn_id == element and _scope(sandbox, x) == scope]
                assert len(ready) == 1, (element, scope, [(x.task_spec.bpmn_id, _scope(sandbox, x))
                                                          for x in _ready(step.wf)])
                task = ready[0]
                data = answer(_json(step.data())) if callable(answer) else answer
                path.append((element, task.task_spec.lane, scope))
                assert step.run(lambda task=task, data=data: (task.set_data(**data), task.run())), step.log.incidents
            open_tasks = sorted((x.task_spec.bpmn_id, x.task_spec.lane, _scope(sandbox, x)) for x in _ready(step.wf))
            return path, strip(_json(step.data())), open_tasks
    finally:
        store.close()


def run_through_engine(engine, clock, process: str, bundle: list[Path], starter: str, start: dict, steps: list,
                       setup=None, deploy=True):
    load_demo_data(engine.db)
    if setup:
        setup(engine.db)
    if deploy:
        engine.deploy(paths=bundle)
    clock.set(steps[0][1])
    case = engine.start_case(process, start, starter)
    assert not case["incidents"], case["incidents"]
    path = [(t["name"], t["role"], t["scope"]) for t in walk(engine, clock, case["id"], steps[1:])]
    case = engine.get_case(case["id"])
    assert not case["incidents"], case["incidents"]
    open_tasks = sorted((x["name"], x["role"], x["scope"]) for x in case["open_tasks"])
    return path, strip(case["data"]), open_tasks, case


def walk(engine, clock, case_id: str, steps: list) -> list[dict]:
    """Play `steps` on a started case: ("at", when) moves the clock and fires what fell due; (user,
    element, scope, answer) completes the one matching task in user's inbox (answer: data, or a function
    of the task's data). Returns the completed tasks as the inbox showed them; no step may raise an incident."""
    completed = []
    for s in steps:
        if s[0] == "at":
            clock.set(s[1])
            while engine.fire_due_timers() + engine.run_due_jobs():
                pass
            continue
        user, element, scope, answer = s
        items, _ = engine.inbox(user, limit=200)
        found = [i for i in items if i["name"] == element and i["scope"] == scope and i["case_id"] == case_id]
        assert len(found) == 1, (user, element, scope, [(i["name"], i["scope"]) for i in items])
        data = answer(engine.get_task(found[0]["id"], user)["data"]) if callable(answer) else answer
        completed.append(found[0])
        done = engine.complete(found[0]["id"], user, data)["case"]
        assert not done["incidents"], done["incidents"]
    return completed


def add_users(engine, users: dict[str, list[str]]) -> None:
    for name, grants in users.items():
        engine.add_user(name, PASSWORD, grants)
