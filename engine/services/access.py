"""Who may see a case. Used by every case read, so that no list, count or filter reveals a case.

A user sees a case when they hold MANAGER or ADMIN for every scope; when they hold MANAGER@S and a
task of the case is in scope S; when they started it; when they completed, hold or may take one of
its tasks (a candidate of an open task).
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from ..errors import CaseNotFoundError
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
        clauses.append(HumanTask.role.in_(unscoped))
    for role, scope in p.grants:
        if scope is not None:
            clauses.append(and_(HumanTask.role == role, HumanTask.scope == scope))
    if multi_role_ids:
        clauses.append(HumanTask.id.in_(list(multi_role_ids)))
    return or_(*clauses)


def multi_role_task_ids(s, p: Principal) -> list[str]:
    """Open tasks with several candidate groups (camunda:candidateGroups="A,B") of which the principal
    holds one for the task's scope. A small indexed query: such tasks are few, and most users have none."""
    unscoped = sorted({r for r, sc in p.grants if sc is None})
    match = [TaskCandidateRole.role.in_(unscoped)] if unscoped else []
    match += [and_(TaskCandidateRole.role == r, HumanTask.scope == sc) for r, sc in p.grants if sc is not None]
    if not match:
        return []
    return list(s.execute(select(TaskCandidateRole.task_id).join(HumanTask, HumanTask.id == TaskCandidateRole.task_id)
                          .where(HumanTask.state == "open", or_(*match)).distinct()).scalars())


def task_roles(s, row: HumanTask) -> list[str | None]:
    """Every role whose holders are candidates of this task (several for candidateGroups="A,B")."""
    extra = list(s.execute(select(TaskCandidateRole.role).where(TaskCandidateRole.task_id == row.id)).scalars())
    return extra or [row.role]


def is_candidate(s, p: Principal, row: HumanTask) -> bool:
    return any(p.holds(role, row.scope) for role in task_roles(s, row))


def visible_case_clause(p: Principal, multi_role_ids: list[str] | tuple = ()):
    """SQL condition on Case for 'p may see this case' (None: every case)."""
    if sees_everything(p):
        return None
    worked = select(HumanTask.case_id).where(or_(HumanTask.completed_by == p.username,
                                                 HumanTask.assignee == p.username))
    candidate = select(HumanTask.case_id).where(HumanTask.state == "open", candidate_clause(p, multi_role_ids))
    clauses = [Case.started_by == p.username, Case.id.in_(worked), Case.id.in_(candidate)]
    manager_scopes = sorted({sc for r, sc in p.grants if r == "MANAGER" and sc is not None})
    if manager_scopes:
        clauses.append(Case.id.in_(select(CaseScope.case_id).where(CaseScope.scope.in_(manager_scopes))))
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
