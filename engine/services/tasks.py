"""Use cases on human tasks: the inbox, claim, release, complete, reassign."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select, update
from SpiffWorkflow.util.task import TaskState

from ..caches import StatementCache
from ..errors import (InvalidInputError, PermissionDeniedError, TaskClaimedError, TaskNotFoundError,
                      TaskNotOpenError)
from ..jsonvalues import plain
from ..store.fastsql import Read
from ..store.tables import Case, HumanTask, TaskCandidateRole
from .case_io import add_event, load_open_tasks, lock_case, open_case, save_case
from .forms import validate_form
from .access import candidate_clause, is_candidate, multi_role_task_ids
from .users import Principal, load_principal
from .views import task_view

SORTS = {"due": (HumanTask.due_at.is_(None), HumanTask.due_at), "priority": (HumanTask.priority.desc(),),
         "age": (HumanTask.created_at,), "-age": (HumanTask.created_at.desc(),)}


def inbox(eng, user: str, *, process_id=None, role=None, assigned_to_me=False, due_before=None,
          sort: str = "due", limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    if sort not in SORTS:
        raise InvalidInputError(f"未知的排序方式 {sort!r}，可用: {', '.join(SORTS)}")
    with eng.db.unit_of_work(write=False) as s:
        p = load_principal(s, user)
        multi = [] if assigned_to_me else multi_role_task_ids(s, p)
        shape = (p.grants, bool(multi), assigned_to_me, bool(process_id), bool(role), due_before is not None, sort)
        q = _INBOX.get(shape, _inbox_statement)
        params = {"user": user, "limit": limit, "offset": offset}
        if multi:
            params["multi"] = multi
        if process_id:
            params["process_id"] = process_id
        if role:
            params["role"] = role
        if due_before is not None:
            params["due_before"] = due_before
        rows = q.rows(s, params)
        if rows:
            total = rows[0].total
        elif offset == 0:
            total = 0
        else:
            total = s.execute(_INBOX.get(("count", *shape), _inbox_count), params).scalar_one()
        return [task_view(r) for r in rows], total


_INBOX = StatementCache()
# What an inbox row shows (task_view): every column but the task's data, which can be large.
_LISTED = [c for c in HumanTask.__table__.columns if c.key != "data"]


def _inbox_where(shape, columns=_LISTED):
    grants, multi, assigned_to_me, process_id, role, due_before, _ = shape
    mine = HumanTask.assignee == bindparam("user")
    if assigned_to_me:
        visible = mine
    else:
        offered = candidate_clause(Principal("", "", grants), ())
        if multi:
            offered = or_(offered, HumanTask.id.in_(bindparam("multi", expanding=True)))
        visible = or_(mine, and_(HumanTask.assignee.is_(None), offered))
    q = select(*columns).where(HumanTask.state == "open", visible)
    if process_id:
        q = q.where(HumanTask.process_id == bindparam("process_id"))
    if role:
        q = q.where(or_(HumanTask.role == bindparam("role"), HumanTask.id.in_(
            select(TaskCandidateRole.task_id).where(TaskCandidateRole.role == bindparam("role")))))
    if due_before:
        q = q.where(HumanTask.due_at < bindparam("due_before", type_=HumanTask.due_at.type))
    return q


def _inbox_statement(shape):
    """The page with its total (a window count): one query, unless the page is empty past the end."""
    return Read(_inbox_where(shape).add_columns(func.count().over().label("total"))
                .order_by(*SORTS[shape[-1]], HumanTask.id).limit(bindparam("limit")).offset(bindparam("offset")))


def _inbox_count(key):
    return select(func.count()).select_from(_inbox_where(key[1:], [HumanTask.id]).subquery())


def _visible_task(s, task_id: str, p: Principal, row: HumanTask | None = None) -> HumanTask:
    """The task (read unless given) if the user may see it; otherwise 'not found' (never reveal it exists)."""
    row = row if row is not None else s.get(HumanTask, task_id)
    if row is None or not (row.assignee == p.username or is_candidate(s, p, row) or p.is_admin):
        raise TaskNotFoundError(f"任务 {task_id} 不存在")
    return row


def get_task(eng, task_id: str, user: str) -> dict:
    with eng.db.unit_of_work(write=False) as s:
        p = load_principal(s, user)
        row = _visible_task(s, task_id, p)
        case = s.get(Case, row.case_id)
        view = task_view(row)
        view["form"] = {"schema": eng.specs.form(s, case.version_id, row.form) or {},
                        "ui_schema": eng.specs.form(s, case.version_id, row.ui_form) or {}}
        view["data"] = row.data if row.data is not None else case.data   # the task's own branch/instance
        return view


def claim(eng, task_id: str, user: str) -> dict:
    with eng.db.unit_of_work() as s:
        p = load_principal(s, user)
        row = _visible_task(s, task_id, p)
        _require_open_to(row, user)
        if not is_candidate(s, p, row):
            raise PermissionDeniedError("只有候选人可以认领此任务")
        if row.assignee is None:
            # Conditional update: of two concurrent claims exactly one changes the row.
            won = s.execute(update(HumanTask).where(HumanTask.id == task_id, HumanTask.state == "open",
                                                    HumanTask.assignee.is_(None))
                            .values(assignee=user)).rowcount
            s.refresh(row)
            if not won:
                _require_open(row)
                raise TaskClaimedError(f"任务已由 {row.assignee} 认领")
            add_event(s, row.case_id, eng.clock.now(), "task_claimed", user, row.element_id, {"task_id": row.id})
        return task_view(row)


def unclaim(eng, task_id: str, user: str) -> dict:
    with eng.db.unit_of_work() as s:
        p = load_principal(s, user)
        row = _visible_task(s, task_id, p)
        _require_open(row)
        if row.assignee is None:
            return task_view(row)
        if row.assignee != user and not p.is_admin:
            raise TaskClaimedError(f"任务由 {row.assignee} 认领，只有认领人可以释放")
        row.assignee = None
        add_event(s, row.case_id, eng.clock.now(), "task_released", user, row.element_id, {"task_id": row.id})
        return task_view(row)


def reassign(eng, task_id: str, admin: str, assignee: str | None) -> dict:
    with eng.db.unit_of_work() as s:
        p = load_principal(s, admin)
        if not p.is_admin:
            raise PermissionDeniedError("只有管理员 (ADMIN) 可以转派任务")
        row = _visible_task(s, task_id, p)
        _require_open(row)
        if assignee is not None:
            load_principal(s, assignee)
        previous, row.assignee = row.assignee, assignee
        add_event(s, row.case_id, eng.clock.now(), "task_reassigned", admin, row.element_id,
                  {"task_id": row.id, "from": previous, "to": assignee})
        return task_view(row)


def complete(eng, task_id: str, user: str, data: dict | None) -> dict:
    """Validate the data against the task's form, complete it and run the case to its next wait state."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInputError("data 必须是 JSON 对象")
    with eng.db.unit_of_work() as s:
        p = load_principal(s, user)
        # The case is locked first (found by the task's id) and the task read after: what is read is
        # what nobody else can change until this unit of work ends.
        locked = lock_case(eng, s, task_id=task_id)
        row = load_open_tasks(s, locked.id).get(task_id) if locked is not None else None
        row = _visible_task(s, task_id, p, row)
        _require_open_to(row, user)
        if row.assignee is None and not is_candidate(s, p, row):
            raise PermissionDeniedError("只有候选人或认领人可以完成此任务")
        case, step = open_case(eng, s, locked.id, locked)
        validate_form(eng.specs.form(s, case.version_id, row.form), data)
        try:
            task = step.task(task_id)
        except TaskNotFoundError:
            raise TaskNotOpenError("任务已不在待办状态") from None
        if task.state != TaskState.READY:
            raise TaskNotOpenError("任务已不在待办状态")

        def submit():
            task.set_data(**data)
            step.log.completed_tasks[task_id] = user
            task.run()

        # The submitted values go into the log as well as the workflow: the log is the record of who decided
        # what. Case data can lose them later (a terminate end drops a parallel branch's results, a later
        # task overwrites a field); the log keeps them.
        step.log.events.append(("task_completed", row.element_id,
                                {"task_id": task_id, "fields": sorted(data), "data": plain(data, default=str)}))
        step.run(submit)
        open_tasks = save_case(eng, s, case, step, user)      # closes `row` as completed by `user`
        from .cases import _case_detail
        return {"task": task_view(row), "case": _case_detail(s, case, open_tasks)}


def _require_open(row: HumanTask) -> None:
    if row.state != "open":
        raise TaskNotOpenError("任务已完成或已取消")


def _require_open_to(row: HumanTask, user: str) -> None:
    """Open, and not claimed by someone else."""
    _require_open(row)
    if row.assignee not in (None, user):
        raise TaskClaimedError(f"任务已由 {row.assignee} 认领")
