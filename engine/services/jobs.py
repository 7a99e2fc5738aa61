"""Async service tasks: the background runner calls `run_service_job(job_id)`.

At-least-once delivery, exactly-once effect: the job row and the case are locked together, and the
task is completed only if it is still waiting (STARTED) — a boundary event may have cancelled it.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from ..errors import RefusalError
from ..runtime import refusals
from ..store.tables import Job
from .case_io import add_event, open_case, save_case


def due_jobs(eng, limit: int = 100) -> list[int]:
    with eng.db.unit_of_work(write=False) as s:
        return list(s.execute(select(Job.id).where(Job.status == "pending", Job.next_run_at <= eng.clock.now())
                              .order_by(Job.next_run_at, Job.id).limit(limit)).scalars())


def run_service_job(eng, job_id: int) -> str:
    """Run one async operator call. Returns the job's new status: done, pending (retry), failed, cancelled."""
    with eng.db.unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None or job.status != "pending":
            return job.status if job is not None else "missing"
        case, step = open_case(eng, s, job.case_id)
        s.refresh(job)
        if job.status != "pending":
            return job.status
        try:
            task = step.task(job.task_id)
        except Exception:   # noqa: BLE001 - the task was pruned or removed: nothing left to do
            task = None
        if task is None or task.state != TaskState.STARTED:
            job.status = "cancelled"
            return job.status
        op = eng.operators.get(job.operator)
        job.attempts += 1
        try:
            params = {n: p["value"] for n, p in task.task_spec.evaluate_params(task).items()}
            result = step.wf.script_engine.invoke(op, task, params)
        except RefusalError as exc:
            # A business refusal is final: retrying cannot change it. Route it or raise an incident.
            job.last_error = exc.message[:4000]
            job.status = "refused"
            step.run(lambda refusal=exc: _route_or_fail(task, op.name, refusal))   # unrouted: an incident
            save_case(eng, s, case, step, None)
            return job.status
        except Exception as exc:   # noqa: BLE001
            job.last_error = str(exc)[:4000]
            if job.attempts < job.max_attempts:
                delay = job.backoff_seconds * (2 ** (job.attempts - 1))
                job.next_run_at = step.now + timedelta(seconds=delay)
                job.leased_until = None
                add_event(s, case.id, step.now, "service_retry", None, task.task_spec.bpmn_id,
                          {"operator": job.operator, "attempt": job.attempts, "error": job.last_error})
                return job.status
            job.status = "failed"
            task.error()
            from ..runtime.runner import IncidentInfo
            step.log.incidents.append(IncidentInfo(str(task.id), task.task_spec.bpmn_id,
                                                   f"重试 {job.attempts} 次后仍失败: {job.last_error}", None))
            save_case(eng, s, case, step, None)
            return job.status

        def finish():
            task.data[task.task_spec.result_variable] = result
            task.complete()

        step.run(finish)
        job.status = "done"
        save_case(eng, s, case, step, None)
        return job.status


def _route_or_fail(task, operator: str, exc: RefusalError) -> None:
    if not refusals.route(task, operator, exc):
        task.error()
        raise WorkflowTaskException(f"操作“{operator}”失败: {exc.message}", task=task, exception=exc)


def lease_due_jobs(eng, limit: int = 200) -> list[int]:
    """Take due jobs for queueing: each is leased for `lease_seconds`, so a second dispatcher skips it
    and a job whose worker was lost is leased (and queued) again when the lease runs out."""
    now = eng.clock.now()
    with eng.db.unit_of_work() as s:
        q = (select(Job).where(Job.status == "pending", Job.next_run_at <= now,
                               (Job.leased_until.is_(None)) | (Job.leased_until < now))
             .order_by(Job.next_run_at, Job.id).limit(limit))
        if eng.db.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(s.execute(q).scalars())
        for job in rows:
            job.leased_until = now + timedelta(seconds=eng.settings.lease_seconds)
        return [job.id for job in rows]


def run_due_jobs(eng) -> int:
    count = 0
    for job_id in due_jobs(eng):
        run_service_job(eng, job_id)
        count += 1
    return count
