"""Item 1, the engine ceiling: the 5-step approval run on SpiffWorkflow alone, in memory, and with a
JSON save and load at each wait state (create+save, load+complete+save, load+complete+save: what a
persisted service must do at the least). These are the limits every other approvals/s is compared to.

Also, for the breakdown between the ceiling and the HTTP figures:
- `runtime.save_load`: the same through our runtime (CaseStep: sandboxed scripts, pruning, the
  spec-less serializer), no database;
- `service.sqlite`: the engine's use cases in-process on SQLite (start_case, inbox, complete, complete).
And the run's root baseline `calibration.json`: a fixed pure-Python workload (JSON round trips of a
10 KB document), so that the ceiling itself is a ratio to something measured in the same run.
"""
from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import services
from .figures import Figure

SECTION = "1 engine ceiling"
START_DATA = {"amount": 1200, "team": "t0", "title": "基准审批"}
ANSWERS = ({"decision": "APPROVE", "comment": "同意"}, {"approved": True, "comment": "同意"})


def _rate(fn, seconds: float, min_runs: int = 20) -> float:
    """Runs of fn per second over about `seconds` (after two warm-up runs)."""
    fn(), fn()
    runs, t0 = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - t0 < seconds:
        fn()
        runs += 1
    return runs / (time.perf_counter() - t0)


def calibration(seconds: float) -> Figure:
    doc = {"tasks": {str(i): {"id": i, "state": 64, "data": {"amount": i * 1.5, "name": "审批" * 3}}
                     for i in range(60)}}
    rate = _rate(lambda: json.loads(json.dumps(doc)), seconds)
    return Figure("calibration.json", rate, "round trips/s", section=SECTION,
                  note="root baseline: JSON round trips of a 10 KB document")


def _spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(services.MODELS / "approval.bpmn"))
    return parser.get_spec("bench_approval"), parser.get_subprocess_specs("bench_approval")


def _run_library(spec, subs, serializer=None) -> None:
    def save_load(wf):
        return serializer.deserialize_json(serializer.serialize_json(wf)) if serializer else wf

    wf = BpmnWorkflow(spec, subs)
    wf.task_tree.data.update(START_DATA)
    wf.do_engine_steps()
    for answer in ANSWERS:
        wf = save_load(wf)
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**answer)
        task.run()
        wf.do_engine_steps()
    if serializer:
        serializer.serialize_json(wf)
    assert wf.is_completed() and wf.data.get("result") == "approved", wf.data


def _run_runtime(spec, subs, environment, operators) -> None:
    from engine.runtime.runner import CaseStep
    from engine.runtime.script_engine import CaseContext
    now = datetime.now(timezone.utc)
    ctx = CaseContext(case_id="bench", process_id="bench_approval")
    step = CaseStep.new(spec, subs, environment, operators, ctx, now)
    step.run(lambda: step.wf.task_tree.data.update(START_DATA))
    state, version = step.dump()
    for answer in ANSWERS:
        step = CaseStep.load(state, version, spec, subs, environment, operators, ctx, now)
        task = step.wf.get_tasks(state=TaskState.READY, manual=True)[0]

        def submit(task=task, answer=answer):
            task.set_data(**answer)
            task.run()
        step.run(submit)
        state, version = step.dump()
    assert step.status() == "completed", step.log.incidents


def measure(seconds: float) -> list[Figure]:
    from engine.runtime import clock_patch
    from engine.runtime.operators import OperatorRegistry
    from engine.runtime.parser import make_parser
    from engine.sandbox import Sandbox, SandboxEnvironment
    cal = calibration(seconds)
    spec, subs = _spec()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    memory = _rate(lambda: _run_library(spec, subs), seconds)
    saved = _rate(lambda: _run_library(spec, subs, serializer), seconds)

    clock_patch.install()
    parser = make_parser()
    parser.add_bpmn_file(str(services.MODELS / "approval.bpmn"))
    rspec, rsubs = parser.get_spec("bench_approval"), parser.get_subprocess_specs("bench_approval")
    env = SandboxEnvironment(Sandbox())
    runtime = _rate(lambda: _run_runtime(rspec, rsubs, env, OperatorRegistry()), seconds)
    service = _service_rate(seconds)

    def fig(name, value, base, note):
        return Figure(name, value, "approvals/s", base.value, base.name, section=SECTION, note=note)
    mem = fig("ceiling.memory", memory, cal, "SpiffWorkflow alone, in memory")
    sav = fig("ceiling.save_load", saved, mem, "SpiffWorkflow alone, JSON save/load at each wait state")
    return [cal, mem, sav,
            fig("runtime.save_load", runtime, sav, "our runtime: sandbox, pruning, spec-less state; no database"),
            fig("service.sqlite", service, sav, "engine use cases in-process on SQLite, no HTTP")]


def _service_rate(seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        eng = services.engine(services.fresh_sqlite(Path(tmp), "service"))
        eng.add_user("clerk", services.PASSWORD, ["CLERK", "HEAD@t0", "LEADER@t0"])
        eng.deploy(services.model_files(*services.APPROVAL_FILES))

        def approval():
            case = eng.start_case("bench_approval", START_DATA, "clerk")
            items, _ = eng.inbox("clerk")
            assert items[0]["case_id"] == case["id"]
            done = eng.complete(items[0]["id"], "clerk", ANSWERS[0])
            done = eng.complete(done["case"]["open_tasks"][0]["id"], "clerk", ANSWERS[1])
            assert done["case"]["status"] == "completed"
        try:
            return _rate(approval, seconds, min_runs=10)
        finally:
            eng.close()
