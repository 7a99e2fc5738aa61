"""Load a case under lock and save it back with its index tables, inside the caller's unit of work."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import CaseNotFoundError, ConflictError
from ..runtime.runner import CaseStep
from ..runtime.script_engine import CaseContext
from ..runtime.snapshot import take
from ..store.tables import (Case, CaseScope, Event, HumanTask, Incident, Job, MessageWait, TaskCandidateRole,
                            Timer)
from .inbox_rows import candidate_roles, new_inbox_row


def add_event(s: Session, case_id: str, at: datetime, type_: str, actor: str | None = None,
              task: str | None = None, detail: dict | None = None) -> None:
    s.add(Event(case_id=case_id, at=at, type=type_, actor=actor, task=task, detail=detail))


def lock_case(eng, s: Session, case_id: str) -> Case:
    """The case row, locked for this transaction (PostgreSQL row lock; SQLite holds the write lock)."""
    stmt = select(Case).where(Case.id == case_id)
    if eng.db.dialect == "postgresql":
        s.execute(text("SET LOCAL lock_timeout = '10s'"))
        stmt = stmt.with_for_update()
    try:
        row = s.execute(stmt).scalar_one_or_none()
    except OperationalError as exc:
        raise ConflictError("该案件正在被其他操作处理，请稍后重试 (case is locked by another writer)") from exc
    if row is None:
        raise CaseNotFoundError(f"案件 {case_id} 不存在")
    return row


def open_case(eng, s: Session, case_id: str) -> tuple[Case, CaseStep]:
    row = lock_case(eng, s, case_id)
    spec, subs = eng.specs.get(s, row.version_id)
    ctx = CaseContext(case_id=row.id, process_id=row.process_id, session=s)
    step = CaseStep.load(row.state, row.serializer_version, spec, subs, eng.environment, eng.operators, ctx,
                         eng.clock.now())
    return row, step


def save_case(eng, s: Session, row: Case, step: CaseStep, actor: str | None) -> None:
    """Write the workflow state and bring the inbox, timers, message waits, jobs and log up to date."""
    current = s.execute(select(Case.revision).where(Case.id == row.id)).scalar_one_or_none()
    if current != row.revision:
        raise ConflictError("案件已被其他操作修改，请刷新后重试 (case changed concurrently)")
    now = step.now
    log = step.log
    for type_, task, detail in log.events:
        add_event(s, row.id, now, type_, actor if type_ != "timer_fired" else None, task, detail)
    for call in step.context.service_calls:
        add_event(s, row.id, now, "service_called", actor, call["task"], call)
    for inc in log.incidents:
        s.add(Incident(case_id=row.id, task_id=inc.task_id, element_id=inc.element_id, message=inc.message,
                       line=inc.line, created_at=now))
        add_event(s, row.id, now, "incident", actor, inc.element_id, {"message": inc.message, "line": inc.line})

    snap = take(step.wf)
    _sync_inbox(eng, s, row, step, snap, now)
    s.execute(delete(Timer).where(Timer.case_id == row.id))
    s.add_all([Timer(case_id=row.id, task_id=t.task_id, element_id=t.element_id, due_at=t.due_at)
               for t in snap.timers])
    s.execute(delete(MessageWait).where(MessageWait.case_id == row.id))
    for m in snap.messages:
        s.add(MessageWait(case_id=row.id, task_id=m.task_id, element_id=m.element_id, role=m.role,
                          message_name=m.name, correlation_key=_correlation_key(eng, m)))
    for job in step.context.jobs:
        s.add(Job(case_id=row.id, task_id=job.task_id, kind="service", operator=job.operator, status="pending",
                  max_attempts=job.max_attempts, backoff_seconds=job.backoff_seconds, next_run_at=now, created_at=now,
                  idempotency_key=f"{row.id}:{job.task_id}"))
        add_event(s, row.id, now, "service_queued", actor, job.element_id, {"operator": job.operator})

    status = step.status()
    if status != row.status and status in ("completed", "cancelled"):
        row.completed_at = now
        add_event(s, row.id, now, status, actor)
    row.status = status
    row.data = _jsonable(step.data())
    row.state, row.serializer_version = step.dump()
    row.updated_at = now
    try:
        s.flush()
    except StaleDataError as exc:
        raise ConflictError("案件已被其他操作修改，请刷新后重试 (case changed concurrently)") from exc


def _sync_inbox(eng, s: Session, row: Case, step: CaseStep, snap, now) -> None:
    open_rows = {r.id: r for r in s.execute(
        select(HumanTask).where(HumanTask.case_id == row.id, HumanTask.state == "open")).scalars()}
    ready_ids = set()
    for ready in snap.human:
        ready_ids.add(ready.id)
        if ready.id not in open_rows:
            inbox = new_inbox_row(eng, row, ready, now)
            inbox.data = _jsonable(dict(ready.task.data))
            s.add(inbox)
            if inbox.scope is not None:
                remember_scope(s, row.id, inbox.scope)
            roles = candidate_roles(ready.properties)
            if len(roles) > 1:
                s.flush()
                s.add_all([TaskCandidateRole(task_id=inbox.id, role=role) for role in dict.fromkeys(roles)])
            add_event(s, row.id, now, "task_created", None, ready.element_id, {"task_id": ready.id,
                                                                              "title": ready.title})
    for task_id, inbox in open_rows.items():
        if task_id in ready_ids:
            continue
        if task_id in step.log.completed_tasks:
            inbox.state, inbox.completed_at = "completed", now
            inbox.completed_by = step.log.completed_tasks[task_id]
        else:
            inbox.state, inbox.completed_at = "cancelled", now
            add_event(s, row.id, now, "task_cancelled", None, inbox.element_id, {"task_id": task_id})


def remember_scope(s: Session, case_id: str, scope: str) -> None:
    """Index the case under the scope of one of its tasks (once; concurrent writers never collide)."""
    dialect = s.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    s.execute(insert(CaseScope).values(scope=scope, case_id=case_id).on_conflict_do_nothing())


def _correlation_key(eng, wait) -> str:
    expression = wait.properties.get("correlation")
    if not expression:
        return canonical({})
    try:
        value = eng.environment.evaluate(expression, dict(wait.task.data))
    except Exception:   # noqa: BLE001 - an unevaluable correlation matches nothing but an empty one
        value = {"__unresolved__": expression}
    return canonical(value if isinstance(value, dict) else {"value": value})


def canonical(values: dict) -> str:
    return json.dumps(_jsonable(values), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _jsonable(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
