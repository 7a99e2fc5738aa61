"""Plays one scenario of a warehouse process twice: straight through in memory (one workflow object, never
saved, on its own fresh database with the demo data) and through the engine services (saved and restored
at every step). A scenario is a list of steps:

    ("do", bpmn_id, user, answer)     the task must be open; `user` completes it (engine: from their inbox)
    ("at", datetime)                  move the clock and fire what fell due (timers, jobs)

Both runs must take the same path (the BPMN ids of the completed tasks, in order) to the same case data
(without what names the case itself: its id, and the notice rows' bookkeeping).
"""
from __future__ import annotations

import json
from datetime import datetime

from jsonschema import Draft202012Validator
from SpiffWorkflow.util.task import TaskState

from engine.clock import FrozenClock
from engine.deploy_files import collect_files
from engine.models.validate import validate_bundle
from engine.runtime.operators import OperatorRegistry
from engine.runtime.runner import CaseStep
from engine.runtime.script_engine import CaseContext
from engine.store.database import Database
from tests.conftest import ROOT
from warehouse import deposit_ledger
from warehouse.demo_data import load_demo_data

START = datetime.fromisoformat("2026-01-05T01:00:00+00:00")       # the engine fixture's FrozenClock start


def paths(process: str):
    return [ROOT / "workflows" / process, ROOT / "forms" / process]


def prepare(db, extra=None) -> None:
    load_demo_data(db)
    deposit_ledger.load_demo(db)
    if extra:
        with db.unit_of_work() as s:
            extra(s)


def comparable(data):
    """Case data without what differs between two runs of the same path: the case id and notice rows."""
    if isinstance(data, dict):
        return {k: comparable(v) for k, v in data.items()
                if k != "case_id" and not (k.startswith("notify_") and k.endswith("_result"))}
    if isinstance(data, list):
        return [comparable(v) for v in data]
    return data


def run_in_memory(tmp_path, process, data, steps, extra=None, process_id=None, start=None):
    clock = FrozenClock(start or START)
    ops = OperatorRegistry()
    from warehouse.operators import register
    register(ops, clock=clock)
    from engine.sandbox import Sandbox
    sandbox = Sandbox(clock=clock)
    files = collect_files(paths(process))
    result = validate_bundle(files, ops, sandbox)
    assert not result.problems, result.problems
    defn = result.processes[process_id or process]
    forms = {name: json.loads(body) for name, body in files.items() if name.endswith(".json")}
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{tmp_path / 'memory.sqlite3'}")
    db.create_all()
    prepare(db, extra)
    try:
        return _play(db, clock, ops, sandbox, defn, forms, process_id or process, data, steps)
    finally:
        db.dispose()


def _play(db, clock, ops, sandbox, defn, forms, process, data, steps):
    from engine.sandbox import SandboxEnvironment
    path = []
    with db.unit_of_work() as session:
        ctx = CaseContext("mem", process, session=session)
        step = CaseStep.new(defn.spec, defn.subprocess_specs, SandboxEnvironment(sandbox), ops, ctx, clock.now())
        assert step.run(lambda: step.wf.task_tree.data.update(data)), step.log.incidents
        for kind, *args in steps:
            if kind == "at":
                clock.set(args[0])
                step.now = args[0]
                assert step.run(step.refresh_timers), step.log.incidents
                continue
            element, _user, answer = args
            ready = [t for t in step.wf.get_tasks(state=TaskState.READY, manual=True)
                     if t.task_spec.bpmn_id == element]
            assert len(ready) == 1, (element, [t.task_spec.bpmn_id for t in
                                               step.wf.get_tasks(state=TaskState.READY, manual=True)])
            task = ready[0]
            form = task.task_spec.extensions["properties"]["formJsonSchemaFilename"]
            schema = next(body for name, body in forms.items() if name.endswith("/" + form) or name == form)
            errors = list(Draft202012Validator(schema).iter_errors(answer))
            assert not errors, (element, [e.message for e in errors])
            step.now = clock.now()
            path.append(element)
            assert step.run(lambda task=task, answer=answer: (task.set_data(**answer), task.run())), \
                step.log.incidents
        status = step.status()
        open_tasks = sorted(t.task_spec.bpmn_id for t in step.wf.get_tasks(state=TaskState.READY, manual=True))
        return path, comparable(step.data()), status, open_tasks


def run_through_engine(engine, clock, process, data, steps, starter, extra=None, process_id=None, start=None):
    prepare(engine.db, extra)
    if start is not None:
        clock.set(start)
    engine.deploy(paths=paths(process))
    case = engine.start_case(process_id or process, data, starter)
    assert case["status"] != "error", case.get("incidents")
    path = []
    for kind, *args in steps:
        if kind == "at":
            clock.set(args[0])
            for _ in range(50):
                if not (engine.fire_due_timers() + engine.run_due_jobs()):
                    break
            continue
        element, user, answer = args
        items, _ = engine.inbox(user)
        mine = [t for t in items if t["case_id"] == case["id"] and t["name"] == element]
        assert len(mine) == 1, (element, user, [(t["name"], t["case_id"]) for t in items])
        path.append(element)
        case = engine.complete(mine[0]["id"], user, answer)["case"]
        assert case["status"] != "error", case.get("incidents")
    case = engine.get_case(case["id"])
    open_tasks = sorted(t["name"] for t in case["open_tasks"])
    return path, comparable(case["data"]), case["status"], open_tasks, case


def play_both(engine, clock, tmp_path, process, data, steps, starter, extra=None, process_id=None, start=None):
    """Run both ways; assert they agree; return the engine run (path, data, status, open tasks, case).
    `process` names the folders (workflows/<process>), `process_id` the process when it differs."""
    mem = run_in_memory(tmp_path, process, data, steps, extra, process_id, start)
    eng = run_through_engine(engine, clock, process, data, steps, starter, extra, process_id, start)
    assert mem[0] == eng[0], (mem[0], eng[0])
    assert mem[2] == eng[2] and mem[3] == eng[3], (mem[2:], eng[2:4])
    assert mem[1] == eng[1]
    return eng
