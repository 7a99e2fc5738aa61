"""Item 6, emergency dispatch fan-out: the time from the incident's approval (completing the approval
task) to every warehouse's dispatch task being in its keeper's inbox, for 1 (the baseline), 5 and 50
warehouses, on PostgreSQL through the engine's use cases.

The inbox rows are written in the approval's own transaction, so a task is in its keeper's inbox the
moment `complete` commits: the figure is the commit time, and every keeper's inbox is then read to check
that it holds exactly its own task (a miss fails the figure). Two bench-local models
(bench/models/bench_fanout_*.bpmn): a parallel multi-instance user task, and the shape of the shipped
workflows/emergency_dispatch round (a multi-instance subprocess: gateway, keeper task, alert timer).
The shipped process itself needs the warehouse data and operators of 50 warehouses and was being
finished while this was written, so it is not driven here.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from . import services
from .figures import Figure

SECTION = "6 emergency dispatch"
FILES = ("bench_fanout_task.bpmn", "bench_fanout_subprocess.bpmn", "bench_approve.schema.json",
         "bench_dispatch.schema.json")
VARIANTS = {"task": "bench_fanout_task", "subprocess": "bench_fanout_subprocess"}


def _keeper(i: int) -> str:
    return f"WH-{i:02d}"


def _one(eng, process: str, n: int) -> tuple[float, str]:
    batches = [{"scope": _keeper(i), "kind": "warehouse", "lines": [{"item": "帐篷", "qty": 20}]} for i in range(n)]
    case = eng.start_case(process, {"incident": "暴雨内涝", "dispatch_batches": batches}, "command")
    approve = case["open_tasks"][0]["id"]
    t0 = time.perf_counter()
    eng.complete(approve, "command", {"approved": True, "comment": "同意调拨"})
    elapsed = (time.perf_counter() - t0) * 1000
    for i in range(n):
        items, _ = eng.inbox(f"k{i}", process_id=process)
        if [t["case_id"] for t in items].count(case["id"]) != 1:
            return elapsed, f"keeper k{i} does not see exactly one dispatch task"
    return elapsed, ""


def measure(pg_url: str | None, pg_why: str, sizes=(1, 5, 50), repeat: int = 5) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        if pg_url:
            services.fresh_postgres(pg_url)
            url, where = pg_url, "PostgreSQL"
        else:
            url, where = services.fresh_sqlite(Path(tmp), "fanout"), f"SQLite ({pg_why})"
        eng = services.engine(url)
        try:
            eng.add_user("command", services.PASSWORD, ["EMERGENCY_COMMAND"])
            for i in range(max(sizes)):
                eng.add_user(f"k{i}", services.PASSWORD, [f"BRANCH_KEEPER@{_keeper(i)}"])
            eng.deploy(services.model_files(*FILES))
            figures = []
            for variant, process in VARIANTS.items():
                base = None
                _one(eng, process, 1)                      # warm the spec cache
                for n in sizes:
                    runs = [_one(eng, process, n) for _ in range(repeat)]
                    problems = [p for _, p in runs if p]
                    fig = Figure(f"dispatch.{variant}.{n}", statistics.median(ms for ms, _ in runs), "ms",
                                 base.value if base else None, base.name if base else None,
                                 target=1000.0 if n == 50 else None, section=SECTION,
                                 note=(problems[0] if problems else
                                       f"approval to {n} keepers' inboxes, multi-instance {variant}, {where}"),
                                 extra={"fanout": (variant, n), "failed": bool(problems)})
                    base = base or fig
                    figures.append(fig)
            return figures
        finally:
            eng.close()
