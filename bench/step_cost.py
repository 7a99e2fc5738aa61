"""Item 4, cost growth: does a step cost more as a case's history grows?

Measures, side by side with pruning on and off, the time to complete one user task in a case that
already has N completed tasks, for N about 10, 100 and 1,000 (SQLite, engine use cases, frozen clock),
in two shapes:
- loop:      a back-edge loop ran N/2 times before the user task (2 tasks per iteration; a dispatch
             with many lines);
- reminders: a non-interrupting cycle timer fired N/4 times on the open user task (4 tasks per cycle;
             a loan with many reminder cycles).
Each step(N) is a ratio to step(10) of the same shape and mode; the target is step(1000)/step(10) < 2
with pruning on. "unpruned" is SpiffWorkflow's whole-history state, the before of that design.

    .venv/bin/python bench/step_cost.py [--repeat 5] [--quick]   (standalone; `make bench` runs it too)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.bootstrap import Engine  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.runtime import pruning  # noqa: E402
from bench.figures import Figure  # noqa: E402

SECTION = "4 cost growth"
SIZES = (10, 100, 1000)

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">"""

LOOP = HEAD + """
  <bpmn:process id="bench_loop" name="循环后审批" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inc"/>
    <bpmn:scriptTask id="inc" name="计数"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>count = count + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="继续？" default="out"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>back</bpmn:outgoing><bpmn:outgoing>out</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="back" sourceRef="gw" targetRef="inc">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">count &lt; target</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="gw" targetRef="approve"/>
    <bpmn:userTask id="approve" name="审批"><bpmn:incoming>out</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""

REMIND = HEAD + """
  <bpmn:process id="bench_remind_{n}" name="借用中提醒" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="in_use"/>
    <bpmn:userTask id="in_use" name="使用中"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="remind_timer" name="每日提醒" attachedToRef="in_use" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeCycle>"R{n}/PT1M"</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="remind_timer" targetRef="remind"/>
    <bpmn:scriptTask id="remind" name="发送提醒"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>last_reminder = count</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="remind_end"/>
    <bpmn:endEvent id="remind_end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="in_use" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def make_engine(tmp: Path, name: str) -> Engine:
    eng = Engine(Settings(database_url=f"sqlite:///{tmp / name}.sqlite3", argon2_time_cost=1,
                          argon2_memory_kib=64), clock=FrozenClock())
    eng.db.create_all()
    eng.add_user("u", "bench password", ["ADMIN"])
    return eng


def step_loop(eng: Engine, history: int) -> float:
    case = eng.start_case("bench_loop", {"count": 0, "target": max(1, history // 2)}, "u")
    task = case["open_tasks"][0]
    t0 = time.perf_counter()
    eng.complete(task["id"], "u", {})
    return time.perf_counter() - t0


def step_remind(eng: Engine, history: int) -> float:
    cycles = max(1, history // 4)
    case = eng.start_case(f"bench_remind_{cycles}", {"count": 0}, "u")
    for _ in range(cycles):
        eng.clock.advance(minutes=1, seconds=1)
        eng.fire_due_timers()
    task = eng.get_case(case["id"])["open_tasks"][0]
    t0 = time.perf_counter()
    eng.complete(task["id"], "u", {})
    return time.perf_counter() - t0


def measure(repeat: int = 5, modes: tuple[str, ...] = ("pruned", "unpruned"), sizes=SIZES) -> list[Figure]:
    """Figures step.SHAPE.MODE.N in ms (median of `repeat`), each against step(10) of its shape and mode."""
    original_prune = pruning.prune
    figures: list[Figure] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for mode in modes:
                pruning.prune = original_prune if mode == "pruned" else (lambda wf: 0)
                eng = make_engine(Path(tmp), mode)
                files = {"loop.bpmn": LOOP.encode()}
                files.update({f"remind{n}.bpmn": REMIND.format(n=max(1, n // 4)).encode() for n in sizes})
                eng.deploy(files)
                for shape, fn in (("loop", step_loop), ("reminders", step_remind)):
                    if shape == "loop" and mode == "unpruned" and 1000 in sizes:
                        figures.append(Figure("step.loop.unpruned.1000", None, "ms", section=SECTION,
                                              note="SpiffWorkflow alone stops such loops silently at ~500 iterations"))
                        continue
                    base = None
                    for n in sizes:
                        # unpruned at 1,000: one run (about 250 saves of a growing 1.5 MB state) makes the point
                        runs = 1 if (mode == "unpruned" and n >= 1000) else repeat
                        ms = 1000 * statistics.median(fn(eng, n) for _ in range(runs))
                        fig = Figure(f"step.{shape}.{mode}.{n}", ms, "ms", base.value if base else None,
                                     base.name if base else None, section=SECTION,
                                     target=2.0 if (mode == "pruned" and n == 1000) else None, target_on="ratio",
                                     note=f"complete one task after ~{n} completed tasks ({shape}, {mode})",
                                     extra={"growth": (shape, mode, n)})
                        base = base or fig
                        figures.append(fig)
                eng.close()
    finally:
        pruning.prune = original_prune
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one repeat, for CI")
    args = ap.parse_args()
    from bench.figures import table
    print(table(measure(1 if args.quick else args.repeat)))


if __name__ == "__main__":
    main()
