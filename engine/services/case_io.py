"""Load a case under lock and save it back with its index tables, inside the caller's unit of work."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import CaseNotFoundError, ConflictError
from ..jsonvalues import plain
from ..runtime.runner import CaseStep
from ..runtime.script_engine import CaseContext
from ..runtime.snapshot import take
from ..store.fastsql import Attach, Read, Write, insert_row
from ..store.tables import (Case, CaseScope, Event, HumanTask, Incident, Job, MessageWait, TaskCandidateRole,
                            Timer)
from .inbox_rows import candidate_roles, new_inbox_row


def add_event(s: Session, case_id: str, at: datetime, type_: str, actor: str | None = None,
              task: str | None = None, detail: dict | None = None) -> None:
    s.add(Event(case_id=case_id, at=at, type=type_, actor=actor, task=task, detail=detail))


# The hot path's reads run on the DBAPI cursor (store/fastsql.py), their rows made ORM objects without
# the ORM's loading machinery: the case row and its open tasks are read on every step. The case row comes
# with whether it has unresolved incidents: the answer after a write reads them only then.
_HAS_INCIDENTS = (select(Incident.id).where(Incident.case_id == Case.id, Incident.resolved_at.is_(None))
                  .exists().label("has_incidents"))
_CASE = select(*Case.__table__.columns, _HAS_INCIDENTS).where(Case.id == bindparam("case_id"))
_CASE_OF_TASK = select(*Case.__table__.columns, _HAS_INCIDENTS).where(
    Case.id == select(HumanTask.case_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery())
_READ_CASE = {(statement, locking): Read(statement.with_for_update(of=Case.__table__) if locking else statement)
              for statement in (_CASE, _CASE_OF_TASK) for locking in (False, True)}
_ATTACH_CASE = Attach(Case)
_READ_OPEN_TASKS = Read(select(*HumanTask.__table__.columns)
                        .where(HumanTask.case_id == bindparam("case_id"), HumanTask.state == "open")
                        .order_by(HumanTask.created_at, HumanTask.id))
_ATTACH_TASK = Attach(HumanTask)


def lock_case(eng, s: Session, case_id: str | None = None, *, task_id: str | None = None) -> Case | None:
    """The case row (by its id, or by one of its task's), locked for this transaction: a PostgreSQL row
    lock (waiting at most the connection's lock_timeout); SQLite's BEGIN IMMEDIATE holds the write lock.
    A case looked up by task id that does not exist is None; by case id, CaseNotFoundError."""
    statement, params = (_CASE, {"case_id": case_id}) if task_id is None else (_CASE_OF_TASK, {"task_id": task_id})
    read = _READ_CASE[statement, eng.db.dialect == "postgresql"]
    found = read.rows(s, params)        # a lock held past lock_timeout: the unit of work answers 409
    if not found:
        if task_id is not None:
            return None
        raise CaseNotFoundError(f"案件 {case_id} 不存在")
    row = _ATTACH_CASE(s, found[0])
    row.has_incidents = found[0].has_incidents      # plain attribute, not a column: read by case_detail
    return row


def load_open_tasks(s: Session, case_id: str) -> dict[str, HumanTask]:
    """The case's open inbox rows, read under its lock; save_case reuses them in this unit of work."""
    rows = _open_tasks(s, case_id)
    s.info.setdefault("gwc_open_tasks", {})[case_id] = rows
    return rows


def open_task_rows(s: Session, case_id: str) -> list:
    """The case's open inbox rows, oldest first, as read-only rows (for an answer)."""
    return _READ_OPEN_TASKS.rows(s, {"case_id": case_id})


def _open_tasks(s: Session, case_id: str) -> dict[str, HumanTask]:
    return {r.id: _ATTACH_TASK(s, r) for r in open_task_rows(s, case_id)}


def open_case(eng, s: Session, case_id: str, row: Case | None = None) -> tuple[Case, CaseStep]:
    """The case locked, with its workflow loaded (`row`: already locked by the caller)."""
    row = row if row is not None else lock_case(eng, s, case_id)
    spec, subs = eng.specs.get(s, row.version_id)
    ctx = CaseContext(case_id=row.id, process_id=row.process_id, session=s)
    step = CaseStep.load(row.state, row.serializer_version, spec, subs, eng.environment, eng.operators, ctx,
                         eng.clock.now())
    return row, step


def save_case(eng, s: Session, row: Case, step: CaseStep, actor: str | None) -> list[HumanTask]:
    """Write the workflow state and bring the inbox, timers, message waits, jobs and log up to date.
    Returns the case's open inbox rows (oldest first), for the answer the caller gives.

    Every statement counts on the hot path (an approval is a handful of these): the case row is written
    once (a new case is inserted with its state), its log in one multi-row insert, and the timer and
    message-wait rows are cleared only when the case waited on some before this step. The revision
    check rides on the case row's UPDATE, the first write: a writer that lost a race fails there."""
    try:
        return _save(eng, s, row, step, actor)
    except StaleDataError as exc:
        raise ConflictError("案件已被其他操作修改，请刷新后重试 (case changed concurrently)") from exc


def _save(eng, s: Session, row: Case, step: CaseStep, actor: str | None) -> list[HumanTask]:
    now = step.now
    log = step.log
    events = [_event(row.id, now, type_, actor if type_ != "timer_fired" else None, task, detail)
              for type_, task, detail in log.events]
    events += [_event(row.id, now, "service_called", actor, call["task"], call)
               for call in step.context.service_calls]
    events += [_event(row.id, now, "incident", actor, inc.element_id, {"message": inc.message, "line": inc.line})
               for inc in log.incidents]

    if log.incidents or step.is_new:
        row.has_incidents = bool(log.incidents)
    snap = take(step.wf)
    status, before = step.status(), row.status
    _write_case(s, row, step, status)
    if status != before and not step.is_new:     # the case's scope index carries its status
        _SCOPES_STATUS.run(s, {"b_case_id": row.id, "v_status": status})
    s.add_all([Incident(case_id=row.id, task_id=inc.task_id, element_id=inc.element_id, message=inc.message,
                        line=inc.line, created_at=now) for inc in log.incidents])
    open_tasks, later = _sync_inbox(eng, s, row, step, snap, now, events)
    for job in step.context.jobs:
        s.add(Job(case_id=row.id, task_id=job.task_id, kind="service", operator=job.operator, status="pending",
                  max_attempts=job.max_attempts, backoff_seconds=job.backoff_seconds, next_run_at=now, created_at=now,
                  idempotency_key=f"{row.id}:{job.task_id}"))
        events.append(_event(row.id, now, "service_queued", actor, job.element_id, {"operator": job.operator}))
    if status != before and status in ("completed", "cancelled"):
        events.append(_event(row.id, now, status, actor))
    s.flush()

    waited_timers, waited_messages = step.waited_on
    if waited_timers:
        s.execute(delete(Timer).where(Timer.case_id == row.id))
    if snap.timers:
        s.execute(insert(Timer), [{"case_id": row.id, "task_id": t.task_id, "element_id": t.element_id,
                                   "due_at": t.due_at} for t in snap.timers])
    if waited_messages:
        s.execute(delete(MessageWait).where(MessageWait.case_id == row.id))
    if snap.messages:
        s.execute(insert(MessageWait), [{"case_id": row.id, "task_id": m.task_id, "element_id": m.element_id,
                                         "role": m.role, "message_name": m.name,
                                         "correlation_key": _correlation_key(eng, m)} for m in snap.messages])
    for write, rows in later:
        write.run_many(s, rows)
    _INSERT_EVENT.run_many(s, events)
    return open_tasks


# The step's writes run on the DBAPI cursor (store/fastsql.py): built and compiled once.
_CASE_COLUMNS = [c.key for c in Case.__table__.columns]
_c = Case.__table__.c
_INSERT_CASE = insert_row(Case.__table__)
_UPDATE_CASE = Write(update(Case.__table__).where(_c.id == bindparam("b_id"), _c.revision == bindparam("b_revision"))
                     .values({name: bindparam(f"v_{name}", type_=_c[name].type)
                              for name in ("status", "data", "state", "serializer_version", "updated_at",
                                           "completed_at", "revision")}))


_TASK_COLUMNS = [c.key for c in HumanTask.__table__.columns]
_t = HumanTask.__table__.c
_INSERT_TASK = insert_row(HumanTask.__table__)
_INSERT_EVENT = insert_row(Event.__table__)
_INSERT_CANDIDATE_ROLE = insert_row(TaskCandidateRole.__table__)
_SCOPES_STATUS = Write(update(CaseScope.__table__).where(CaseScope.__table__.c.case_id == bindparam("b_case_id"))
                       .values(status=bindparam("v_status", type_=CaseScope.__table__.c.status.type)))
_CLOSE_TASK = Write(update(HumanTask.__table__).where(_t.id == bindparam("b_id"))
                    .values({name: bindparam(f"v_{name}", type_=_t[name].type)
                             for name in ("state", "completed_at", "completed_by", "assignee")}))
# A scope row per (scope, case), written once however many writers race to add it.
_INSERT_SCOPE = {name: Write(make(CaseScope.__table__).values(
    {c.name: bindparam(f"p_{c.key}", type_=c.type) for c in CaseScope.__table__.columns}).on_conflict_do_nothing(), "p_")
    for name, make in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}


def _write_case(s: Session, row: Case, step: CaseStep, status: str) -> None:
    """The case row, first of all the writes: a new case is inserted with its state; an existing one is
    updated only if nobody wrote it since it was loaded (its revision), else ConflictError and nothing
    of this step is written. Core statements, the ORM object then set to the written values."""
    now = step.now
    values = {"status": status, "data": _jsonable(step.data()), "updated_at": now,
              "completed_at": now if status != row.status and status in ("completed", "cancelled")
              else row.completed_at}
    values["state"], values["serializer_version"] = step.dump()
    if step.is_new:
        values["revision"] = 1
        values = {**{k: getattr(row, k) for k in _CASE_COLUMNS}, **values}
        _INSERT_CASE.run(s, values)
    else:
        if row in s.dirty:
            s.flush()       # what the caller changed on the row (a migration's version) goes first
        values["revision"] = row.revision + 1
        written = _UPDATE_CASE.run(s, {"b_id": row.id, "b_revision": row.revision,
                                       **{f"v_{k}": v for k, v in values.items()}})
        if written != 1:
            raise ConflictError("案件已被其他操作修改，请刷新后重试 (case changed concurrently)")
    for key, value in values.items():
        set_committed_value(row, key, _stored(value))


def _stored(value):
    """A value as the database hands it back: datetimes in UTC (the answer after a write must read the
    same as a later GET)."""
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


def _event(case_id, at, type_, actor=None, task=None, detail=None) -> dict:
    return {"case_id": case_id, "at": at, "type": type_, "actor": actor, "task": task, "detail": detail}


def _sync_inbox(eng, s: Session, row: Case, step: CaseStep, snap, now, events: list) -> tuple[list, list]:
    """Open an inbox row for each newly ready human task, close the rows of tasks no longer ready.
    Returns (the open rows, [(statement, rows)] to run once the inbox rows are written)."""
    known = {o.id: o for o in s.identity_map.values() if isinstance(o, HumanTask) and o.case_id == row.id}
    open_rows: dict[str, HumanTask] = {}
    if not step.is_new:
        loaded = s.info.get("gwc_open_tasks", {}).pop(row.id, None)
        open_rows = loaded if loaded is not None else _open_tasks(s, row.id)
        known.update(open_rows)
    # Scopes already indexed for this case: those of its task rows this unit of work has seen.
    scopes = {t.scope for t in known.values() if t.scope is not None}
    new_rows, new_scopes, multi_roles, closed = [], [], [], []
    ready_ids = set()
    still_open = []
    for ready in snap.human:
        ready_ids.add(ready.id)
        if ready.id in open_rows:
            still_open.append(open_rows[ready.id])
            continue
        inbox = new_inbox_row(eng, row, ready, now)
        inbox.data = _jsonable(dict(ready.task.data))
        new_rows.append({name: getattr(inbox, name) for name in _TASK_COLUMNS})
        inbox.created_at, inbox.due_at = _stored(inbox.created_at), _stored(inbox.due_at)
        still_open.append(inbox)
        if inbox.scope is not None and inbox.scope not in scopes:
            scopes.add(inbox.scope)
            new_scopes.append({"scope": inbox.scope, "case_id": row.id, "status": row.status})
        roles = candidate_roles(ready.properties)
        if len(roles) > 1:
            multi_roles += [{"task_id": inbox.id, "role": role} for role in dict.fromkeys(roles)]
        events.append(_event(row.id, now, "task_created", None, ready.element_id,
                             {"task_id": ready.id, "title": ready.title}))
    for task_id, inbox in open_rows.items():
        if task_id in ready_ids:
            continue
        if task_id in step.log.completed_tasks:
            by = step.log.completed_tasks[task_id]
            values = {"state": "completed", "completed_at": now, "completed_by": by, "assignee": inbox.assignee or by}
        else:
            values = {"state": "cancelled", "completed_at": now, "completed_by": inbox.completed_by,
                      "assignee": inbox.assignee}
            events.append(_event(row.id, now, "task_cancelled", None, inbox.element_id, {"task_id": task_id}))
        closed.append({"b_id": task_id, **{f"v_{k}": v for k, v in values.items()}})
        for key, value in values.items():
            set_committed_value(inbox, key, _stored(value))
    _CLOSE_TASK.run_many(s, closed)
    _INSERT_TASK.run_many(s, new_rows)
    later = []
    if new_scopes:
        later.append((_INSERT_SCOPE[eng.db.dialect], new_scopes))
    if multi_roles:
        later.append((_INSERT_CANDIDATE_ROLE, multi_roles))
    still_open.sort(key=lambda t: (t.created_at, t.id))
    return still_open, later


def _insert_ignoring_duplicates(s: Session, entity):
    dialect = s.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(entity).on_conflict_do_nothing()


def remember_scope(s: Session, case_id: str, scope: str) -> None:
    """Index the case under the scope of one of its tasks (once; concurrent writers never collide)."""
    status = select(Case.status).where(Case.id == case_id).scalar_subquery()
    s.execute(_insert_ignoring_duplicates(s, CaseScope).values(scope=scope, case_id=case_id, status=status))


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
    return plain(value, default=str)
