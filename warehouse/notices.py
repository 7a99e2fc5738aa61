"""通知 (notices): what a process step tells people — reminders (T-7, T-1), overdue notices, alerts at half
an SLA, escalations. A notice is addressed to a user, to the holders of a role (within a scope, matched
like task candidates: a grant with no scope sees every scope) or to the users of a unit (any grant scoped
to the unit id). Writing is idempotent per step run, so a retried step never notifies twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from engine.errors import InvalidInputError, NotFoundError

from .access import session_of
from .tables import NOTICE_KINDS, Notice, Unit


def send(session, *, key: str, title: str, body: str = "", now: datetime, case_id: str | None = None,
         task: str | None = None, kind: str = "INFO", user: str | None = None, role: str | None = None,
         scope: str | None = None, unit: str | None = None) -> dict:
    existing = session.scalar(select(Notice).where(Notice.idempotency_key == key))
    if existing is not None:
        return _row(existing)
    if not (user or role or unit):
        raise InvalidInputError("通知必须指定接收人：用户、角色或单位 (notice needs user, role or unit)")
    if kind not in NOTICE_KINDS:
        raise InvalidInputError(f"通知类型 {kind!r} 无效，可选 {', '.join(NOTICE_KINDS)}", {"kind": kind})
    if not str(title or "").strip():
        raise InvalidInputError("通知标题不能为空 (notice title is empty)")
    if unit is not None and session.get(Unit, unit) is None:
        raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
    notice = Notice(idempotency_key=key, case_id=case_id, task=task, kind=kind, title=str(title)[:200],
                    body=str(body or ""), to_user=user, to_role=role, to_scope=scope, to_unit=unit,
                    created_at=now)
    session.add(notice)
    session.flush()
    return _row(notice)


def for_principal(db, principal, *, case_id: str | None = None, limit: int = 50, offset: int = 0):
    """The notices addressed to this user, newest first, and their total."""
    clauses = [Notice.to_user == principal.username]
    unit_scopes = set()
    for role, scope in principal.grants:
        if scope is None:
            clauses.append(Notice.to_role == role)
        else:
            clauses.append(and_(Notice.to_role == role, or_(Notice.to_scope.is_(None), Notice.to_scope == scope)))
            unit_scopes.add(scope)
    if unit_scopes:
        clauses.append(and_(Notice.to_role.is_(None), Notice.to_unit.in_(sorted(unit_scopes))))
    where = or_(*clauses)
    if case_id:
        where = and_(where, Notice.case_id == case_id)
    with session_of(db) as s:
        rows = list(s.scalars(select(Notice).where(where).order_by(Notice.created_at.desc(), Notice.id.desc())
                              .limit(limit).offset(offset)))
        total = s.scalar(select(func.count()).select_from(Notice).where(where))
        return [_row(n) for n in rows], total


def _row(n: Notice) -> dict:
    return {"id": n.id, "case_id": n.case_id, "task": n.task, "kind": n.kind, "title": n.title, "body": n.body,
            "to_user": n.to_user, "to_role": n.to_role, "to_scope": n.to_scope, "to_unit": n.to_unit,
            "created_at": n.created_at.isoformat()}
