"""`python -m bench.compare REV [--db sqlite|postgres] [--clients N] [--workers W] [--rounds R]
[--seconds S]`: this checkout's HTTP server against REV's, side by side.

These machines' speed drifts by tens of percent within minutes, so two bench runs, one per version, say
little about a change of a few percent. Here the two versions' `gwc serve` take turns on the same load
(item 2's approval: start, inbox, complete, complete), alternating which goes first, each turn on a fresh
database; REV is checked out in a temporary git work tree (removed afterwards) and served from there
with this interpreter. Printed per turn and as medians: approvals/s, CPU ms per approval of the server,
the client and PostgreSQL, and server CPU ÷ client CPU. The client's work per approval is the same code
for both, so that last ratio cancels the machine's speed; `this / REV` below 1 means cheaper now.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from . import http_load, services


def _turn(root: Path, db: str, clients: int, workers: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if db == "sqlite":
            url = services.fresh_sqlite(Path(tmp), "compare")
        else:
            url, why = services.postgres()
            if url is None:
                raise SystemExit(f"PostgreSQL: {why}")
            services.fresh_postgres(url)
        http_load._prepare(url)
        server = http_load.Server(url, Path(tmp), workers, root=root)
        try:
            http_load._load(server, clients, 1.0)                   # warm-up
            rate, _samples, errors, cpu = http_load._load(server, clients, seconds)
        finally:
            server.stop()
    if errors:
        raise SystemExit(f"{root}: {errors[0]}")
    return {"approvals/s": rate, **{f"{k} ms": v for k, v in cpu.items()},
            "server/client": cpu["server"] / cpu["client"] if cpu.get("client") else None}


def compare(rev: str, db: str, clients: int, workers: int, rounds: int, seconds: float) -> dict:
    here = services.ROOT
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(other), rev], cwd=here, check=True)
        try:
            turns: dict[str, list[dict]] = {"this": [], rev: []}
            for n in range(rounds):
                order = [("this", here), (rev, other)]
                for name, root in (order if n % 2 == 0 else order[::-1]):
                    got = _turn(root, db, clients, workers, seconds)
                    turns[name].append(got)
                    print(f"{name:>12}  " + "  ".join(f"{k} {v:.2f}" for k, v in got.items() if v is not None),
                          flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=here, check=False)
    medians = {name: {k: statistics.median(t[k] for t in got if t.get(k) is not None)
                      for k in got[0] if any(t.get(k) is not None for t in got)} for name, got in turns.items()}
    print(f"\nmedians over {rounds} turns each ({db}, {clients} clients, {workers} server processes):")
    for key in medians["this"]:
        before, after = medians[rev][key], medians["this"][key]
        print(f"{key:>16}  {rev}: {before:8.2f}   this: {after:8.2f}   this / {rev}: {after / before:.3f}")
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the git revision to compare with, e.g. HEAD~3 or a commit id")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    compare(args.rev, args.db, args.clients, args.workers, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
