"""Who may see a case. Used by every case read, so that no list, count or filter reveals a case.

A user sees a case when they hold MANAGER or ADMIN for every scope; when they hold MANAGER@S and a
task of the case is in scope S; when they started it; when they completed, hold or may take one of
its tasks (a candidate of an open task).
"""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select, union

from ..caches import StatementCache
from ..errors import CaseNotFoundError
from ..store.fastsql import Read
from ..store.tables import Case, CaseScope, HumanTask, TaskCandidateRole
from .users import Principal

OVERSEERS = ("MANAGER", "ADMIN")


def sees_everything(p: Principal) -> bool:
    return any(role in OVERSEERS and scope is None for role, scope in p.grants)


def candidate_clause(p: Principal, multi_role_ids: list[str] | tuple = ()):
    """SQL for 'the principal is a candidate': role held for the task's scope, or the task has no role.
    `multi_role_ids`: the open tasks naming several candidate groups that the principal may take
    (see `multi_role_task_ids`); passed as values so the query keeps its index plan."""
    clauses = [HumanTask.role.is_(None)]
    unscoped = sorted({r for r, sc in p.grants if sc is None})
    if unscoped:
        clauses.append(_one_of(HumanTask.role, unscoped))
    for role, scope in p.grants:
        if scope is not None:
            clauses.append(and_(HumanTask.role == role, HumanTask.scope == scope))
    if multi_role_ids:
        clauses.append(HumanTask.id.in_(list(multi_role_ids)))
    return or_(*clauses)


def _one_of(column, values: list):
    """column = v for one value (what PostgreSQL makes of IN (v) anyway; a plain bind parameter, so the
    statement can run on the DBAPI cursor), IN (...) for several."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def multi_role_task_ids(s, p: Principal) -> list[str]:
    """Open tasks with several candidate groups (camunda:candidateGroups="A,B") of which the principal
    holds one for the task's scope. A small indexed query: such tasks are few, and most users have none."""
    read = _MULTI_ROLE.get(p.grants, _multi_role_statement)
    return [] if read is None else [r.task_id for r in read.rows(s, {})]


def _multi_role_statement(grants):
    match = _multi_role_match(Principal("", "", grants))
    if match is None:
        return None
    return Read(select(TaskCandidateRole.task_id).join(HumanTask, HumanTask.id == TaskCandidateRole.task_id)
                .where(HumanTask.state == "open", match).distinct())


_MULTI_ROLE = StatementCache()


def _multi_role_match(p: Principal):
    """SQL on TaskCandidateRole joined to its HumanTask: one of the task's groups is held for its scope
    (None: the principal holds no role)."""
    unscoped = sorted({r for r, sc in p.grants if sc is None})
    match = [_one_of(TaskCandidateRole.role, unscoped)] if unscoped else []
    match += [and_(TaskCandidateRole.role == r, HumanTask.scope == sc) for r, sc in p.grants if sc is not None]
    return or_(*match) if match else None


def task_roles(s, row: HumanTask) -> list[str | None]:
    """Every role whose holders are candidates of this task (several for candidateGroups="A,B")."""
    extra = list(s.execute(select(TaskCandidateRole.role).where(TaskCandidateRole.task_id == row.id)).scalars())
    return extra or [row.role]


def is_candidate(s, p: Principal, row: HumanTask) -> bool:
    # The task's first group is its `role`: holding it settles the question without a query.
    return p.holds(row.role, row.scope) or any(p.holds(role, row.scope) for role in task_roles(s, row))


def _manager_scopes(p: Principal) -> list[str]:
    return sorted({sc for r, sc in p.grants if r == "MANAGER" and sc is not None})


def _in_scopes(case_id, scopes: list[str]):
    """The case is listed under one of `scopes`: a probe of case_scopes' primary key."""
    return exists().where(CaseScope.case_id == case_id, _one_of(CaseScope.scope, scopes))


def _worked(p: Principal):
    return or_(HumanTask.completed_by == p.username, HumanTask.assignee == p.username)


def _may_take(p: Principal, multi_role_ids):
    return and_(HumanTask.state == "open", candidate_clause(p, multi_role_ids))


def own_case_ids(p: Principal):
    """Ids of the cases `p` started, completed or holds a task of, or may take an open task of (tasks
    naming several candidate groups joined in here, rather than read first by `multi_role_task_ids`)."""
    parts = [select(Case.id).where(Case.started_by == p.username), select(HumanTask.case_id).where(_worked(p)),
             select(HumanTask.case_id).where(_may_take(p, ()))]
    multi = _multi_role_match(p)
    if multi is not None:
        parts.append(select(HumanTask.case_id).join(TaskCandidateRole, TaskCandidateRole.task_id == HumanTask.id)
                     .where(HumanTask.state == "open", multi))
    return union(*parts)


# A list is not filtered with `visible_case_clause`: a MANAGER@S's scope holds a fifth of all cases, and an
# OR of the ways to see a case can only be tested case by case (PostgreSQL hashed every case id of the
# scope, then tested each case that passed the filters, once for the count and again for the page). The
# two functions below take the managed scopes and a user's own cases apart, each driven by its own index.

def visible_case_count(p: Principal, where=(), status=None):
    """SQL for how many cases `p` sees among those in `status` (None: any) matching `where` (other
    conditions on Case); not for one who `sees_everything`. The cases under the managed scopes plus the
    user's own outside them: two disjoint counts, so no set of ids is gathered to drop the cases seen both
    ways. With no other condition the scopes' cases are counted in case_scopes alone, which carries the
    status: joining a fifth of all cases with the cases of a status took longer than the whole list.
    `status`: a value or a bind parameter."""
    narrow = [*where, Case.status == status] if status is not None else list(where)
    own = own_case_ids(p).subquery()
    if narrow:
        mine, case_id = select(func.count()).select_from(Case).where(*narrow, Case.id.in_(select(own.c.id))), Case.id
    else:       # each id names an existing case (foreign keys): no case row needs reading
        mine, case_id = select(func.count()).select_from(own), own.c.id
    scopes = _manager_scopes(p)
    if not scopes:
        return mine
    mine = mine.where(~_in_scopes(case_id, scopes))
    if where:
        managed = select(func.count()).select_from(Case).where(*narrow, _in_scopes(Case.id, scopes))
    else:
        managed = select(func.count(CaseScope.case_id.distinct()) if len(scopes) > 1 else func.count()
                         ).where(_one_of(CaseScope.scope, scopes),
                                 *([CaseScope.status == status] if status is not None else []))
    return select(mine.scalar_subquery() + managed.scalar_subquery())


def visible_case_keys(p: Principal, where=(), status=None, newest=50):
    """SQL for (id, created_at) of the cases `p` sees in `status` (None: any) matching `where`, as many
    as a page ending `newest` cases down needs: the user's own cases whole (a planner guessing their
    number under a LIMIT may walk every case), and the managed scopes' `newest` newest, walked newest
    first and each probed in case_scopes. `status` and `newest`: values or bind parameters."""
    narrow = [*where, Case.status == status] if status is not None else list(where)
    keys = select(Case.id, Case.created_at).where(*narrow, Case.id.in_(own_case_ids(p)))
    scopes = _manager_scopes(p)
    if not scopes:
        return keys
    top = (select(Case.id, Case.created_at).where(*narrow, _in_scopes(Case.id, scopes))
           .order_by(Case.created_at.desc(), Case.id).limit(newest).subquery())
    return keys.union(select(top.c.id, top.c.created_at))


def visible_case_clause(p: Principal, multi_role_ids: list[str] | tuple = ()):
    """SQL condition on Case for 'p may see this case' (None: every case), for reading one case: each
    way is an EXISTS on the case's own rows, an index probe (an IN would collect a whole scope)."""
    if sees_everything(p):
        return None
    clauses = [Case.started_by == p.username, exists().where(HumanTask.case_id == Case.id, _worked(p)),
               exists().where(HumanTask.case_id == Case.id, _may_take(p, multi_role_ids))]
    scopes = _manager_scopes(p)
    if scopes:
        clauses.append(_in_scopes(Case.id, scopes))
    return or_(*clauses)


def require_visible(s, p: Principal, case_id: str) -> Case:
    q = select(Case).where(Case.id == case_id)
    clause = None if sees_everything(p) else visible_case_clause(p, multi_role_task_ids(s, p))
    if clause is not None:
        q = q.where(clause)
    case = s.execute(q).scalar_one_or_none()
    if case is None:
        raise CaseNotFoundError(f"案件 {case_id} 不存在")
    return case


def is_manager_of(s, p: Principal, case: Case) -> bool:
    """MANAGER (or ADMIN) for every scope, or MANAGER@S of a scope the case has tasks in."""
    if sees_everything(p):
        return True
    scopes = sorted({sc for r, sc in p.grants if r == "MANAGER" and sc is not None})
    if not scopes:
        return False
    hit = s.execute(select(HumanTask.id).where(HumanTask.case_id == case.id, HumanTask.scope.in_(scopes))
                    .limit(1)).first()
    return hit is not None
