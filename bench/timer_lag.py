"""Item 5, timers: fire lag through the real worker: two `gwc worker` processes (one with the 1-second
beat, each --concurrency=1) on PostgreSQL and Redis. Lag = the `timer_fired` event's time minus the
timer's due time. Three phases (see `measure`): a few timers alone (the baseline), 200 falling due while
10,000 wait (the target: p99 < 2 s, every timer fired, none early), and a burst of 1,000 due at once
(the fire capacity). The waiting cases are bulk copies of one case started through the engine (see
`_clone`), so that setting up 10,000 of them takes seconds, not minutes.

    .venv/bin/python bench/timer_lag.py [--waiting 10000] [--burst 1000] [--quick]   (standalone)
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench import services  # noqa: E402
from bench.figures import Figure, percentile  # noqa: E402
from engine.store.tables import Event  # noqa: E402

SECTION = "5 timers"

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


FAR = "2099-01-01T00:00:00+00:00"
ISO = """to_char((%(first)s::timestamptz + make_interval(secs => (i - 1) * %(step)s)) AT TIME ZONE 'UTC',
                  'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


def _clone(url: str, template: str, n: int, first: datetime | None, window: float = 0.0) -> None:
    """n copies of the template case (started through the engine, waiting on FAR), each waiting on its own
    due time from `first` spread over `window` seconds (None: FAR). Bulk SQL: starting 10,000 cases one by
    one takes minutes; the copies are byte for byte what start_case wrote, but for the due time."""
    import psycopg
    wake = ISO if first else f"'{FAR}'"
    args = {"t": template, "n": n, "first": first, "step": window / max(1, n - 1), "far": FAR}
    with psycopg.connect(url) as conn:
        conn.execute(f"""
            WITH copies AS (
                INSERT INTO cases (id, process_id, version_id, version, status, business_key, started_by, created_at,
                                   updated_at, completed_at, revision, data, state, serializer_version)
                SELECT md5(random()::text || i)::uuid::text, process_id, version_id, version, status, business_key,
                       started_by, now(), now(), completed_at, revision, replace(data::text, %(far)s, {wake})::json,
                       replace(state, %(far)s, {wake}), serializer_version
                FROM cases, generate_series(1, %(n)s) AS i WHERE id = %(t)s
                RETURNING id, data)
            INSERT INTO timers (case_id, task_id, element_id, due_at)
            SELECT c.id, t.task_id, t.element_id, (c.data ->> 'wake_at')::timestamptz
            FROM copies c JOIN timers t ON t.case_id = %(t)s""", args)
        conn.commit()


def _wait_completed(eng, count: int, until: datetime, grace: float = 120) -> None:
    deadline = time.monotonic() + (until - datetime.now(timezone.utc)).total_seconds() + grace
    while time.monotonic() < deadline:
        if eng.list_cases(process_id="lag", status="completed", limit=1)[1] >= count:
            return
        time.sleep(0.25)


def _lags(eng, since: datetime) -> list[float]:
    with eng.db.unit_of_work(write=False) as s:
        rows = s.execute(select(Event.at, Event.detail).where(Event.type == "timer_fired")).all()
    return sorted((at - datetime.fromisoformat(d["due_at"])).total_seconds() for at, d in rows
                  if datetime.fromisoformat(d["due_at"]) >= since)


def _workers(url: str, broker: str) -> list[subprocess.Popen]:
    env = {**os.environ, "GWC_DATABASE_URL": url, "GWC_BROKER_URL": broker}
    logs = Path(tempfile.mkdtemp(prefix="gwc-bench-workers-"))
    return [subprocess.Popen([sys.executable, "-m", "gwc", "worker", "--loglevel=WARNING", "--concurrency=1", *b],
                             cwd=ROOT, env=env, stdout=(logs / f"w{i}.log").open("w"), stderr=subprocess.STDOUT,
                             start_new_session=True)
            for i, b in enumerate((["--beat"], []))]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)     # the worker and its pool child
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


def measure(waiting: int = 10_000, sample: int = 200, window: float = 10.0, base: int = 100,
            base_window: float = 5.0, burst: int = 1000) -> list[Figure]:
    """Phases, one after the other, with the same two workers:
    - baseline: `base` timers falling due over `base_window` s, nothing else waiting;
    - loaded:   `waiting` timers waiting, of which `sample` fall due over `window` s (the rest next
                century): the lag of those is the figure the target judges;
    - burst:    `burst` timers due at the same instant (fire capacity: fires/s in the note)."""
    pg_url, why = services.postgres()
    broker, why_redis = services.redis() if pg_url else (None, why)
    if not (pg_url and broker):
        return [Figure(f"timers.{waiting}.p99", None, "s", target=2.0, section=SECTION, note=why or why_redis)]
    services.fresh_postgres(pg_url)
    eng = services.engine(pg_url)
    eng.add_user("bench", services.PASSWORD, ["ADMIN"])
    eng.deploy({"lag.bpmn": PROCESS.encode()})
    template = eng.start_case("lag", {"wake_at": FAR}, "bench")["id"]
    procs = _workers(pg_url, broker)
    results = []
    try:
        # Wait until the workers fire timers at all (they take seconds to start, and each loads the spec
        # on its first case): not measured.
        eng.start_case("lag", {"wake_at": datetime.now(timezone.utc).isoformat()}, "bench")
        _wait_completed(eng, 1, datetime.now(timezone.utc))
        _clone(pg_url, template, 20, datetime.now(timezone.utc) + timedelta(seconds=1), 1.0)
        _wait_completed(eng, 21, datetime.now(timezone.utc) + timedelta(seconds=2))
        done = 21
        for label, n, w, extra in (("baseline", base, base_window, 0), ("loaded", sample, window, waiting - sample),
                                   ("burst", burst, 0.0, 0)):
            if extra:
                _clone(pg_url, template, extra - 1, None)      # the template case waits too
            first = datetime.now(timezone.utc) + timedelta(seconds=2)
            _clone(pg_url, template, n, first, w)
            done += n
            _wait_completed(eng, done, first + timedelta(seconds=w))
            lags = _lags(eng, first)
            span = (max(lags) + w) if lags else None
            results.append((label, n, w, lags, extra + n, span))
    finally:
        _stop(procs)
        eng.close()
    figures: list[Figure] = []
    ref: dict[int, Figure] = {}
    for label, n, w, lags, waiting_now, span in results:
        fired, early = len(lags), sum(1 for x in lags if x < 0)
        note = (f"{label}: {n:,} timers due over {w:g} s with {waiting_now:,} waiting; fired {fired:,}; early {early}"
                + (f"; {fired / span:.0f} fires/s" if label == "burst" and span else ""))
        name = {"baseline": f"timers.base{n}", "loaded": f"timers.{waiting_now}", "burst": f"timers.burst{n}"}[label]
        for p in (50, 99):
            value = percentile(lags, p) if lags else None
            base_fig = ref.get(p)
            fig = Figure(f"{name}.p{p}", value, "s", base_fig.value if base_fig else None,
                         base_fig.name if base_fig else None, section=SECTION, note=note,
                         target=2.0 if (label == "loaded" and p == 99 and waiting_now >= 10_000) else None,
                         extra={"lags": lags, "failed": fired < n or early > 0})
            ref.setdefault(p, fig)
            figures.append(fig)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--waiting", type=int, default=10_000)
    ap.add_argument("--burst", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="1,000 waiting, 100 in the burst")
    args = ap.parse_args()
    from bench.figures import table
    if args.quick:
        print(table(measure(1000, 50, 3.0, 20, 2.0, 100)))
    else:
        print(table(measure(args.waiting, burst=args.burst)))


if __name__ == "__main__":
    main()
