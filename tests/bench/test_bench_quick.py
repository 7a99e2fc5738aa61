"""The benchmark harness keeps working: `python -m bench --quick` runs every section once and writes
latest.json (with the fields issue #7 documents) and the charts. Nothing about speed is asserted: CI
machines are shared and noisy. Results go to a temporary folder, never over bench/results/."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "baseline", "ratio", "target", "met"}
# At least one figure of each of the six items (PostgreSQL- and Redis-backed ones included).
EXPECTED = {"machine.speed.start", "machine.speed.before_s2", "machine.speed.end", "calibration.json", "ceiling.memory", "ceiling.save_load", "http.sqlite.c1", "http.sqlite.c8",
            "http.postgres.c1", "http.postgres.c8", "http.floor.c1", "http.floor.c8", "http.sqlite.c1.server_budget",
            "http.sqlite.c1.server_floor", "http.postgres.c8.server_budget", "http.postgres.c8.server_floor",
            "inbox.10k.p95", "cases.manager.10k.p95",
            "step.loop.pruned.100", "step.reminders.pruned.100", "dispatch.task.50", "dispatch.subprocess.50"}


def test_quick_run_writes_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWC_") or k.startswith("GWC_BENCH_")}
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "== all figures" in proc.stdout

    figures = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert all(FIELDS <= set(f) for f in figures)
    by_name = {f["name"]: f for f in figures}
    assert EXPECTED <= set(by_name), EXPECTED - set(by_name)
    assert any(name.startswith("timers.") for name in by_name)
    for name in ("ceiling.memory", "ceiling.save_load", "http.sqlite.c1", "http.floor.c8", "step.loop.pruned.100"):
        assert by_name[name]["value"] > 0, by_name[name]
    # the machine's speed is probed again before each section, against its speed at the start
    assert by_name["machine.speed.end"]["baseline_of"] == "machine.speed.start"
    assert by_name["machine.speed.end"]["ratio"] > 0
    # A figure with a target says whether it was met; one compared with a baseline gives the ratio.
    for f in figures:
        if f["target"] is not None and f["value"] is not None:
            assert f["met"] in (True, False), f
        if f["value"] is not None and f["baseline"]:
            assert f["ratio"] is not None, f
    if os.environ.get("CI") == "true":          # CI has PostgreSQL and Redis: nothing may go unmeasured
        unmeasured = [f["name"] for f in figures if f["value"] is None and not f["name"].startswith("step.loop.unp")]
        assert not unmeasured, [(n, by_name[n]["note"]) for n in unmeasured]

    assert (tmp_path / "latest.md").read_text(encoding="utf-8").count("|") > 50
    for chart in ("throughput", "latency", "inbox_scale", "step_cost", "timer_lag", "dispatch"):
        assert (tmp_path / f"{chart}.png").stat().st_size > 5000, chart
