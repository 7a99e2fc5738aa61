"""Timer fire lag through the real worker: N cases wait on timers due over a one-minute window; two
`gwc worker` processes (one with the 1-second beat) fire them. Prints p50/p95/p99 lag against the
2-second target. Needs PostgreSQL and Redis (GWC_BENCH_POSTGRES_URL, GWC_BENCH_REDIS_URL).

    .venv/bin/python bench/timer_lag.py [--timers 10000] [--quick]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from engine.bootstrap import Engine  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.tables import Base, Event  # noqa: E402

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="lag" name="到期提醒" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="到期"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">wake_at</bpmn:timeDate>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def fresh_database(url: str) -> None:
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    Base.metadata.drop_all(eng)
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    eng.dispose()
    upgrade(url)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timers", type=int, default=10_000)
    ap.add_argument("--window", type=float, default=60.0, help="seconds over which the timers fall due")
    ap.add_argument("--quick", action="store_true", help="1,000 timers over 20 seconds")
    args = ap.parse_args()
    if args.quick:
        args.timers, args.window = 1000, 20.0
    db = os.environ.get("GWC_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    broker = os.environ.get("GWC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    fresh_database(db)
    import redis
    redis.Redis.from_url(broker).flushdb()
    eng = Engine(Settings(database_url=db, argon2_time_cost=1, argon2_memory_kib=64))
    eng.add_user("bench", "bench password", ["ADMIN"])
    eng.deploy({"lag.bpmn": PROCESS.encode()})

    # Measure the start rate, then place the due times after all cases will have been created.
    t0 = time.perf_counter()
    far = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    for _ in range(50):
        eng.start_case("lag", {"wake_at": far}, "bench")
    per_case = (time.perf_counter() - t0) / 50
    first_due = datetime.now(timezone.utc) + timedelta(seconds=per_case * args.timers * 1.5 + 10)
    step = args.window / args.timers
    print(f"creating {args.timers} cases ({per_case * 1000:.1f} ms each); timers due from {first_due:%H:%M:%S} "
          f"over {args.window:.0f} s")
    for i in range(args.timers):
        eng.start_case("lag", {"wake_at": (first_due + timedelta(seconds=i * step)).isoformat()}, "bench")
    waiting = eng.list_cases(process_id="lag", status="waiting", limit=1)[1]
    print(f"{waiting} cases waiting (including 50 due tomorrow)")

    env = {**os.environ, "GWC_DATABASE_URL": db, "GWC_BROKER_URL": broker}
    logs = Path(tempfile.mkdtemp())
    procs = [subprocess.Popen([sys.executable, "-m", "gwc", "worker", "--loglevel=WARNING", "--concurrency=1", *b],
                              cwd=ROOT, env=env, stdout=(logs / f"w{i}.log").open("w"), stderr=subprocess.STDOUT)
             for i, b in enumerate((["--beat"], []))]
    try:
        deadline = time.monotonic() + (first_due - datetime.now(timezone.utc)).total_seconds() + args.window + 120
        while time.monotonic() < deadline:
            if eng.list_cases(process_id="lag", status="completed", limit=1)[1] >= args.timers:
                break
            time.sleep(1)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    with eng.db.unit_of_work(write=False) as s:
        rows = s.execute(select(Event.at, Event.detail).where(Event.type == "timer_fired")).all()
    lags = sorted((at - datetime.fromisoformat(detail["due_at"])).total_seconds() for at, detail in rows)
    if not lags:
        print("no timer fired: see", logs)
        return
    q = statistics.quantiles(lags, n=100)
    early = sum(1 for x in lags if x < 0)
    print(f"fired {len(lags)}/{args.timers}; early {early}; lag p50 {q[49]:.3f} s, p95 {q[94]:.3f} s, "
          f"p99 {q[98]:.3f} s, max {lags[-1]:.3f} s; target p99 < 2 s: ratio {q[98] / 2.0:.2f} "
          f"({'met' if q[98] < 2.0 and len(lags) == args.timers and not early else 'NOT met'})")
    eng.close()


if __name__ == "__main__":
    main()
