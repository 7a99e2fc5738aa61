"""Use cases on whole cases: start, read, list, cancel, retry."""
from __future__ import annotations

import uuid

from sqlalchemy import bindparam, func, select

from ..caches import StatementCache
from ..errors import (CaseNotActiveError, CaseNotFoundError, InvalidInputError, NotCandidateError,
                      PermissionDeniedError, ProcessNotFoundError)
from ..runtime.runner import CaseStep
from ..runtime.script_engine import CaseContext
from ..runtime.snapshot import start_properties
from ..store.fastsql import Read
from ..store.tables import Case, Event, HumanTask, Incident, Job, ProcessVersion
from .access import is_manager_of, require_visible, sees_everything, visible_case_count, visible_case_keys
from .case_io import add_event, open_case, open_task_rows, save_case
from .forms import validate_form
from .users import Principal, load_principal
from .views import case_view, event_view


# What starting a case needs of the latest version (the spec, large, comes from the spec cache): read
# on the DBAPI cursor (store/fastsql.py), every start asks.
_LATEST = Read(select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.version, ProcessVersion.name,
                      ProcessVersion.start_role)
               .where(ProcessVersion.process_id == bindparam("process_id"))
               .order_by(ProcessVersion.version.desc()).limit(1))
_UNRESOLVED = (select(Incident).where(Incident.case_id == bindparam("case_id"), Incident.resolved_at.is_(None))
               .order_by(Incident.id))


def _latest(s, process_id: str):
    """The latest version's id, process_id, version, name and start_role (attributes, as on the row)."""
    found = _LATEST.rows(s, {"process_id": process_id})
    if not found:
        raise ProcessNotFoundError(f"流程 {process_id} 未部署")
    return found[0]


def start_case(eng, process_id: str, data: dict | None, user: str, business_key: str | None = None,
               *, _message=None) -> dict:
    """Start a case of the latest version, run it to its next wait state, persist it: one transaction."""
    if data is not None and not isinstance(data, dict):
        raise InvalidInputError("data 必须是 JSON 对象")
    with eng.db.unit_of_work() as s:
        version = _latest(s, process_id)
        principal = load_principal(s, user)
        if version.start_role and not principal.has_role(version.start_role) and not principal.is_admin:
            raise NotCandidateError(f"启动“{version.name}”需要角色 {version.start_role}")
        start = start_properties(eng.specs.get(s, version.id)[0])     # the start event's properties
        _check_start_form(eng, s, version, start, data or {})
        _check_start_scope(eng, version, start, data or {}, principal)
        started = start_in_session(eng, s, version, data, user, business_key, _message)
        _check_scope_after_start(eng, version, start, started, principal)
        return started


def _check_start_form(eng, s, version: ProcessVersion, start: dict, data: dict) -> None:
    """The start event's `formJsonSchemaFilename`: start data is checked against it like a task's
    submission (every broken field at once, 422), before anything is created. Without it, missing start
    data only showed up as a script's NameError in a case created in error."""
    form = start.get("formJsonSchemaFilename")
    if form:
        validate_form(eng.specs.form(s, version.id, form), data)


def _check_start_scope(eng, version: ProcessVersion, start: dict, data: dict, principal) -> None:
    """The start event's `scope` property narrows who may start, like a user task's, by an expression
    over the start data (a scope the start data does not name: `scopeAfterStart`, below)."""
    expression = start.get("scope")
    if not expression or not version.start_role or principal.is_admin:
        return
    try:
        scope = eng.environment.evaluate(expression, dict(data))
    except Exception as exc:   # noqa: BLE001 - the start data lacks what the scope needs
        raise InvalidInputError(f"启动数据无法确定办理范围（{expression}）：{exc}", {"scope": expression}) from None
    if not principal.holds(version.start_role, None if scope is None else str(scope)):
        raise NotCandidateError(f"启动“{version.name}”需要角色 {version.start_role}@{scope}")


def _check_scope_after_start(eng, version: ProcessVersion, start: dict, started: dict, principal) -> None:
    """The start event's `scopeAfterStart` property: whose case it is, known only once the case has run
    to its first wait state (a repair request names a vehicle; its first service task finds the vehicle's
    unit). The starter must hold the start role in that scope, or the start is refused and, raised inside
    the start's unit of work, nothing of it is kept. A case that already ended there (it refused its own
    start data) holds no work for anyone and is not checked; a running one whose data gives no scope is
    refused (failing closed)."""
    expression = start.get("scopeAfterStart")
    if not expression or not version.start_role or principal.is_admin or started["status"] in ("completed",
                                                                                               "cancelled"):
        return
    try:
        scope = eng.environment.evaluate(expression, dict(started["data"] or {}))
    except Exception as exc:   # noqa: BLE001 - the case's data lacks what the scope needs
        raise InvalidInputError(f"案件数据无法确定发起范围（{expression}）：{exc}", {"scopeAfterStart": expression}) from None
    if scope is None:
        raise InvalidInputError(f"案件数据无法确定发起范围（{expression} 为空）", {"scopeAfterStart": expression})
    if not principal.holds(version.start_role, str(scope)):
        raise NotCandidateError(f"启动“{version.name}”需要角色 {version.start_role}@{scope}")


def start_in_session(eng, s, version: ProcessVersion, data: dict | None, user: str,
                     business_key: str | None = None, hook=None) -> dict:
    """Create and run a case of `version` inside the caller's unit of work. `hook(step)`, if given, runs
    after the first engine steps (a message or a start timer is delivered there)."""
    now = eng.clock.now()
    case = Case(id=str(uuid.uuid4()), process_id=version.process_id, version_id=version.id,
                version=version.version, status="running", business_key=business_key, started_by=user,
                created_at=now, updated_at=now, data={}, state="", serializer_version="")
    # Not added to the session: save_case inserts it once, with its state, when the first step is done.
    spec, subs = eng.specs.get(s, version.id)
    ctx = CaseContext(case_id=case.id, process_id=version.process_id, session=s)
    step = CaseStep.new(spec, subs, eng.environment, eng.operators, ctx, now)
    initial = dict(data or {})
    initiator = start_properties(spec).get("initiator")
    if initiator:
        initial[initiator] = user                  # like camunda:initiator: who started the case

    def begin():
        step.wf.task_tree.data.update(initial)     # the root's data flows to every task that runs
        if hook is not None:
            step.wf.do_engine_steps()
            hook(step)

    step.log.events.append(("started", None, {"version": version.version, "business_key": business_key}))
    step.run(begin)
    return _case_detail(s, case, save_case(eng, s, case, step, user))


def _find(s, case_id: str, user: str | None) -> Case:
    """The case, if `user` (None: the system) may see it; otherwise not found."""
    if user is not None:
        return require_visible(s, load_principal(s, user), case_id)
    case = s.get(Case, case_id)
    if case is None:
        raise CaseNotFoundError(f"案件 {case_id} 不存在")
    return case


def get_case(eng, case_id: str, user: str | None = None) -> dict:
    with eng.db.unit_of_work(write=False) as s:
        return _case_detail(s, _find(s, case_id, user))


def case_events(eng, case_id: str, user: str | None = None) -> list[dict]:
    with eng.db.unit_of_work(write=False) as s:
        _find(s, case_id, user)
        rows = s.execute(select(Event).where(Event.case_id == case_id).order_by(Event.id)).scalars()
        return [event_view(e) for e in rows]


STATUSES = ("running", "waiting", "completed", "cancelled", "error")


# A list shows no workflow state: a running case's state is the largest thing it has. Its statements are
# built once per shape (whose list: everyone's or one principal's; which filters; a status or not) and run
# on the cursor, values as bind parameters: building one for a scoped manager and computing its cache key
# cost more CPU than PostgreSQL takes to run it at a million tasks, and so did loading 50 ORM objects.
_LISTED = [c for c in Case.__table__.columns if c.key != "state"]
_FILTERS = {"created_from": lambda v: Case.created_at >= v, "created_to": lambda v: Case.created_at < v,
            "process_id": lambda v: Case.process_id == v, "business_key": lambda v: Case.business_key == v,
            "started_by": lambda v: Case.started_by == v,
            "overdue": lambda now: Case.id.in_(select(HumanTask.case_id).where(HumanTask.state == "open",
                                                                                HumanTask.due_at < now))}
_FILTER_TYPES = {"created_from": Case.created_at.type, "created_to": Case.created_at.type,
                 "process_id": Case.process_id.type, "business_key": Case.business_key.type,
                 "started_by": Case.started_by.type, "overdue": HumanTask.due_at.type}
_LISTS = StatementCache()


def list_cases(eng, *, user: str | None = None, process_id=None, status=None, business_key=None, started_by=None,
               overdue=False, created_from=None, created_to=None, limit: int = 50,
               offset: int = 0) -> tuple[list[dict], int]:
    """Cases `user` may see (None: all), newest first, with the total matching count."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(f"未知的状态 {status!r}，可用: {', '.join(STATUSES)}")
    given = {"created_from": created_from, "created_to": created_to, "process_id": process_id or None,
             "business_key": business_key or None, "started_by": started_by or None,
             "overdue": eng.clock.now() if overdue else None}
    values = {name: value for name, value in given.items() if value is not None}
    filters = tuple(values)
    if status is not None:
        values["status"] = status
    values.update(limit=limit, offset=offset, newest=offset + limit)
    with eng.db.unit_of_work(write=False) as s:
        principal = load_principal(s, user) if user is not None else None
        whose = None if principal is None or sees_everything(principal) else (principal.username, principal.grants)
        page, count = _LISTS.get((whose, filters, status is not None), _list_statements)
        rows = page.rows(s, values)
        # The page's rows carry the total; past the last page it is counted alone.
        total = rows[0].total if rows else count.rows(s, values)[0].total
        return [case_view(r) for r in rows], total


def _list_statements(shape) -> tuple[Read, Read]:
    """(the page with the total on each row, the total alone) for one shape of list_cases."""
    whose, filters, by_status = shape
    where = [_FILTERS[name](bindparam(name, type_=_FILTER_TYPES[name])) for name in filters]
    status = bindparam("status", type_=Case.status.type) if by_status else None
    newest = (Case.created_at.desc(), Case.id)
    if whose is None:
        narrow = [*where, Case.status == status] if status is not None else where
        count = select(func.count()).select_from(Case).where(*narrow)
        page = select(Case.id).where(*narrow).order_by(*newest)
    else:
        # The managed scopes and the user's own cases, each by its own index (access.visible_case_count).
        principal = Principal(whose[0], "", whose[1])
        count = visible_case_count(principal, where, status)
        keys = visible_case_keys(principal, where, status, newest=bindparam("newest")).subquery()
        page = select(keys.c.id).order_by(keys.c.created_at.desc(), keys.c.id)
    page = page.limit(bindparam("limit")).offset(bindparam("offset"))
    listed = (select(*_LISTED, count.scalar_subquery().label("total")).where(Case.id.in_(page.scalar_subquery()))
              .order_by(*newest))
    return Read(listed), Read(select(count.scalar_subquery().label("total")))



def cancel_case(eng, case_id: str, user: str, reason: str | None = None) -> dict:
    with eng.db.unit_of_work() as s:
        p = load_principal(s, user)
        visible = require_visible(s, p, case_id)
        if not is_manager_of(s, p, visible) and not p.is_admin:
            done = s.execute(select(func.count()).select_from(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.state == "completed")).scalar_one()
            if visible.started_by != user or done:
                raise PermissionDeniedError("只有管理人员，或在尚无任务完成时由发起人，可以取消案件")
        case, step = open_case(eng, s, case_id)
        if case.status in ("completed", "cancelled"):
            raise CaseNotActiveError(f"案件已{'完成' if case.status == 'completed' else '取消'}，不能取消")
        step.cancel()
        for job in s.execute(select(Job).where(Job.case_id == case_id, Job.status == "pending")).scalars():
            job.status = "cancelled"
        for inc in s.execute(select(Incident).where(Incident.case_id == case_id,
                                                    Incident.resolved_at.is_(None))).scalars():
            inc.resolved_at = step.now
        if reason:
            step.log.events.append(("cancel_reason", None, {"reason": reason}))
        return _case_detail(s, case, save_case(eng, s, case, step, user))


def retry_case(eng, case_id: str, user: str, data: dict | None = None) -> dict:
    """Re-run every failed task after merging `data` (the corrected values) into it."""
    if data is not None and not isinstance(data, dict):
        raise InvalidInputError("data 必须是 JSON 对象")
    with eng.db.unit_of_work() as s:
        p = load_principal(s, user)
        if not is_manager_of(s, p, require_visible(s, p, case_id)) and not p.is_admin:
            raise PermissionDeniedError("只有管理人员可以重试出错的案件")
        case, step = open_case(eng, s, case_id)
        if case.status != "error":
            raise CaseNotActiveError("只有出错的案件可以重试 (only a case in error can be retried)")
        from SpiffWorkflow.util.task import TaskState
        failed = [t for wf in [step.wf, *step.wf.subprocesses.values()] for t in wf.tasks.values()
                  if t.state == TaskState.ERROR]

        def rerun():
            for task in failed:
                if data:
                    task.data.update(data)
                if task.state == TaskState.ERROR:
                    task.run()

        for inc in s.execute(select(Incident).where(Incident.case_id == case_id,
                                                    Incident.resolved_at.is_(None))).scalars():
            inc.resolved_at = step.now
        add_event(s, case_id, step.now, "retried", user, None, {"data": sorted(data)} if data else None)
        step.run(rerun)
        return _case_detail(s, case, save_case(eng, s, case, step, user))


def _case_detail(s, case: Case, open_tasks: list[HumanTask] | None = None) -> dict:
    """The case with its open tasks (read, unless the caller has them: save_case returns them) and
    unresolved incidents."""
    if open_tasks is None:
        open_tasks = open_task_rows(s, case.id)
    incidents = [] if case.has_incidents is False else list(s.execute(_UNRESOLVED, {"case_id": case.id}).scalars())
    return case_view(case, open_tasks, incidents)
