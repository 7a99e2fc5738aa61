"""`python -m bench.instructions REV [--approvals N]`: the instructions one approval costs, this checkout
against REV, counted by valgrind's callgrind.

Wall and CPU times on these shared machines drift by tens of percent within minutes; bench.compare
cancels most of that (server ÷ client CPU, to within a few percent). callgrind counts the instructions
the interpreter executes instead, which stay the same for the same code and inputs whatever else the
machine does, so a change of 2% shows as 2%. What it counts is one process: item 2's approval (start,
inbox, complete, complete) through Flask's test client and the engine on SQLite (bench/approvals_driver.py),
without an HTTP server or a database server (bench.compare measures those).

For each version, a run of N approvals and a run of 1 are counted; (N-run - 1-run) / (N - 1) is the cost
of an approval without the process's start-up, migration and deployment. PYTHONHASHSEED is fixed so that
set and dict orders, and with them the work, match between runs. REV is checked out in a temporary git
work tree, removed afterwards. Under callgrind Python runs about 100 times slower: the four runs take
a few minutes, two at a time.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import services

DRIVER = Path(__file__).resolve().parent / "approvals_driver.py"


def instructions_of(report: str) -> int:
    """The total instruction count callgrind prints when the process ends ("I refs: 6,412,220,872")."""
    found = re.findall(r"I\s+refs:\s+([\d,]+)", report)
    if not found:
        raise ValueError("no instruction count in callgrind's report: " + report[-500:])
    return int(found[-1].replace(",", ""))


def count(root: Path, approvals: int) -> int:
    """Instructions of a driver process running `approvals` approvals on the code at `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWC_")}
    env["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
                               sys.executable, str(DRIVER), str(root), str(approvals)],
                              cwd=tmp, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{root}: the driver failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return instructions_of(proc.stderr)


def per_approval(root: Path, approvals: int, pool: ThreadPoolExecutor) -> float:
    many, one = pool.map(lambda n: count(root, n), (approvals, 1))
    return (many - one) / (approvals - 1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the version to compare with (a commit, tag or branch)")
    parser.add_argument("--approvals", type=int, default=31, help="approvals in the long run (default 31)")
    args = parser.parse_args()
    if args.approvals < 2:
        parser.error("--approvals must be at least 2")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    here = services.ROOT
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
        other = Path(tmp) / "other"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(other), args.rev], cwd=here, check=True)
        try:
            theirs = per_approval(other, args.approvals, pool)
            ours = per_approval(here, args.approvals, pool)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=here, check=False)
    print(f"instructions per approval ({args.approvals} approvals less 1, SQLite, Flask test client):")
    print(f"  {args.rev:>12}: {theirs / 1e6:8.2f} M")
    print(f"  {'this':>12}: {ours / 1e6:8.2f} M")
    print(f"  this / {args.rev}: {ours / theirs:.3f}")


if __name__ == "__main__":
    main()
