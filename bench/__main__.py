"""`python -m bench [--quick] [--only 1,2,...] [--out DIR]`: measure, print one table, write
DIR/latest.json (default bench/results), DIR/latest.md (the table as markdown) and PNG charts.

Sections (issue #7): 1 engine ceiling, 2 full stack over HTTP, 3 inbox at scale, 4 cost growth,
5 timers, 6 emergency dispatch. Every figure is a ratio to a baseline measured in the same run; see
bench/figures.py for the JSON fields. A full run takes about 6-9 minutes on 2 cores, --quick under 2.
Exit status 1 when a section failed to run (a broken harness), never because a target was missed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from . import services
from .figures import Figure, table

FULL = dict(speed_s=1.0, ceiling_s=3.0, http_s=10.0, inbox_sizes=(10_000, 100_000, 1_000_000), inbox_runs=100,
            step_sizes=(10, 100, 1000),
            step_repeat=5, step_modes=("pruned", "unpruned"), timers=(10_000, 200, 10.0, 100, 5.0, 1000), dispatch_repeat=5)
QUICK = dict(speed_s=0.2, ceiling_s=0.5, http_s=1.5, inbox_sizes=(10_000, 20_000), inbox_runs=10, step_sizes=(10, 100),
             step_repeat=1, step_modes=("pruned",), timers=(1000, 30, 2.0, 10, 1.0, 60), dispatch_repeat=1)


def _machine(when: str) -> Figure:
    cores = os.cpu_count() or 1
    return Figure(f"machine.load.{when}", os.getloadavg()[0], "runnable", float(cores), "cores",
                  section="0 machine", note="1-minute load average; ratio > 1: the machine was busy")


def _speed(when: str, seconds: float, base: Figure | None) -> Figure:
    """How fast the machine is now: the root workload of `calibration.json` again (JSON round trips per
    second), as a ratio to its speed when the run began. These machines' speed drifts, within a run
    and between runs: a section whose probe is far from 1 ran on a machine that much slower or faster.
    It probes pure-Python speed only: a machine faster by this probe than another was seen to serve the
    same code 22% slower over HTTP (README, "Measured"), so it tells drift within a run, not one
    machine from another."""
    from .ceiling import calibration
    got = calibration(seconds)
    return Figure(f"machine.speed.{when}", got.value, got.unit, base.value if base else None,
                  base.name if base else None, section="0 machine",
                  note="JSON round trips/s now; ratio < 1: the machine is slower than at the start of the run")


def run(cfg: dict, only: set[int]) -> tuple[list[Figure], list[str]]:
    from . import ceiling, fanout, http_load, inbox_scale, step_cost, timer_lag
    pg_url, pg_why = services.postgres()
    speed = _speed("start", cfg["speed_s"], None)
    figures: list[Figure] = [_machine("start"), speed]
    failures: list[str] = []
    ceiling_fig = Figure("ceiling.save_load", None, "approvals/s")
    runtime_fig = None
    sections = [
        (1, lambda: ceiling.measure(cfg["ceiling_s"])),
        (2, lambda: http_load.measure(ceiling_fig, cfg["http_s"], pg_url, pg_why, runtime_fig)),
        (3, lambda: inbox_scale.measure(pg_url, pg_why, cfg["inbox_sizes"], cfg["inbox_runs"])),
        (4, lambda: step_cost.measure(cfg["step_repeat"], cfg["step_modes"], cfg["step_sizes"])),
        (5, lambda: timer_lag.measure(*cfg["timers"])),
        (6, lambda: fanout.measure(pg_url, pg_why, repeat=cfg["dispatch_repeat"])),
    ]
    for number, fn in sections:
        if only and number not in only:
            continue
        if number > 1:
            figures.append(_speed(f"before_s{number}", cfg["speed_s"], speed))
        t0 = time.perf_counter()
        try:
            got = fn()
        except Exception as exc:   # noqa: BLE001 - one broken section must not hide the others
            traceback.print_exc()
            failures.append(f"section {number}: {type(exc).__name__}: {exc}")
            got = [Figure(f"section{number}.error", None, "", section=str(number),
                          note=f"{type(exc).__name__}: {str(exc)[:200]}")]
        for f in got:
            if f.name == "ceiling.save_load":
                ceiling_fig = f
            elif f.name == "runtime.save_load":
                runtime_fig = f
        figures += got
        print(f"\n== section {number} ({time.perf_counter() - t0:.0f} s)\n{table(_main_rows(got))}", flush=True)
    figures += [_speed("end", cfg["speed_s"], speed), _machine("end")]
    return figures, failures


def _main_rows(figures: list[Figure]) -> list[Figure]:
    return [f for f in figures if "latency" not in f.extra]


def latency_matrix(figures: list[Figure], markdown: bool = False) -> str:
    """HTTP latency: one row per database, clients and endpoint; p50/p95/p99 and p95 / healthz p50."""
    cells: dict[tuple, dict[int, Figure]] = {}
    for f in figures:
        if "latency" in f.extra:
            db, clients, endpoint, p = f.extra["latency"]
            cells.setdefault((db, clients, endpoint), {})[p] = f
    if not cells:
        return ""
    head = ("database", "clients", "endpoint", "p50 ms", "p95 ms", "p99 ms", "p95 / healthz p50")
    rows = [(db, str(c), ep, *(f"{ps[p].value:.1f}" for p in (50, 95, 99)), f"{ps[95].ratio:.1f}")
            for (db, c, ep), ps in cells.items()]
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] +
                         ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in [head, *rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and short runs (CI), under 2 minutes")
    ap.add_argument("--only", default="", help="comma-separated section numbers, e.g. 1,2")
    ap.add_argument("--out", default=str(services.ROOT / "bench" / "results"), help="where results go")
    args = ap.parse_args(argv)
    only = {int(x) for x in args.only.split(",") if x.strip()}
    t0 = time.perf_counter()
    figures, failures = run(QUICK if args.quick else FULL, only)
    elapsed = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps([f.to_dict() for f in figures], ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    mode = "--quick" if args.quick else "full"
    (out / "latest.md").write_text(
        f"Run: `make bench` ({mode}), {elapsed:.0f} s.\n\n{table(_main_rows(figures), markdown=True)}\n\n"
        f"{latency_matrix(figures, markdown=True)}\n", encoding="utf-8")
    from .charts import draw
    charts = draw(figures, out)
    print(f"\n== all figures ({mode}, {elapsed:.0f} s)\n{table(_main_rows(figures))}\n")
    print(latency_matrix(figures))
    print(f"\nwrote {out / 'latest.json'}, {out / 'latest.md'} and {len(charts)} charts")
    for failure in failures:
        print("FAILED", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
