"""Does a step cost more as a case's history grows?  (issue #7 builds the full benchmark suite)

Measures, side by side with pruning on and off, the time to complete one user task in a case that
already has N completed tasks, for N about 10, 100 and 1,000, in two shapes:
- loop:     a back-edge loop ran N/2 times before the user task (2 tasks per iteration);
- reminders: a non-interrupting cycle timer fired N/4 times on the open user task (4 tasks per cycle).
Prints milliseconds per step (median of repeats) and the ratio step(1000) / step(10).

    .venv/bin/python bench/step_cost.py [--repeat 5]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one repeat, for CI")
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat
    sizes = (10, 100, 1000)
    original_prune = pruning.prune
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for mode in ("pruned", "unpruned"):
            pruning.prune = original_prune if mode == "pruned" else (lambda wf: 0)
            eng = make_engine(Path(tmp), mode)
            files = {"loop.bpmn": LOOP.encode()}
            files.update({f"remind{n}.bpmn": REMIND.format(n=max(1, n // 4)).encode() for n in sizes})
            eng.deploy(files)
            for shape, fn in (("loop", step_loop), ("reminders", step_remind)):
                if shape == "loop" and mode == "unpruned":
                    note = "SpiffWorkflow alone stops such loops silently at ~500 iterations"
                    rows.append((shape, mode, None, note))
                    continue
                ms = {n: 1000 * statistics.median(fn(eng, n) for _ in range(repeat)) for n in sizes}
                rows.append((shape, mode, ms, ""))
            eng.close()
        pruning.prune = original_prune
    print(f"{'shape':<10} {'mode':<9} {'step@10':>9} {'step@100':>9} {'step@1000':>10} {'1000/10':>8}")
    for shape, mode, ms, note in rows:
        if ms is None:
            print(f"{shape:<10} {mode:<9} {'-':>9} {'-':>9} {'-':>10} {'-':>8}  {note}")
            continue
        print(f"{shape:<10} {mode:<9} {ms[10]:>8.2f}ms {ms[100]:>8.2f}ms {ms[1000]:>9.2f}ms "
              f"{ms[1000] / ms[10]:>8.2f}")


if __name__ == "__main__":
    main()
