"""Celery tasks: each takes ids only and is a one-line call into an engine service."""
from __future__ import annotations

import logging

from celery import shared_task

from engine.config import Settings

log = logging.getLogger("gwc.worker")
_engine = None


def engine():
    """One Engine per worker process, built from the same settings as the API."""
    global _engine
    if _engine is None:
        from engine.bootstrap import Engine
        _engine = Engine(Settings.from_env())
    return _engine


@shared_task(name="gwc.tick")
def tick() -> dict:
    """Start the cases due timer start events call for; queue every due job and every case with due
    timers (leased, so nothing is queued twice)."""
    eng = engine()
    started = eng.fire_due_schedules()
    jobs = eng.lease_due_jobs()
    for job_id in jobs:
        run_job.delay(job_id)
    cases = eng.lease_due_timer_cases()
    for case_id in cases:
        fire_timers.delay(case_id)
    return {"started": started, "jobs": len(jobs), "cases": len(cases)}


@shared_task(name="gwc.run_job")
def run_job(job_id: int) -> str:
    return engine().run_service_job(job_id)


@shared_task(name="gwc.fire_timers")
def fire_timers(case_id: str) -> int:
    return engine().fire_case_timers(case_id)
