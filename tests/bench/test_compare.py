"""`python -m bench.compare REV` keeps working: it serves REV from a temporary work tree beside this
checkout, alternates the two on the same load and prints medians and ratios. No speed is asserted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_compare_serves_both_versions_in_turn_and_leaves_no_work_tree():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWC_") or k.startswith("GWC_BENCH_")}
    before = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True).stdout
    proc = subprocess.run([sys.executable, "-m", "bench.compare", "HEAD", "--rounds", "1", "--seconds", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    turns = [line.split()[0] for line in proc.stdout.splitlines() if "approvals/s" in line and "medians" not in line
             and "this /" not in line]
    assert sorted(turns) == ["HEAD", "this"]
    assert "server/client" in proc.stdout and "this / HEAD" in proc.stdout
    after = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True).stdout
    assert after == before
