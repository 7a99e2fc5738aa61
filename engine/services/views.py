"""Read-side shapes (plain dicts) of cases, tasks and events, as the contract names their fields."""
from __future__ import annotations

from datetime import datetime

from ..store.tables import Case, Event, HumanTask, Incident


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_view(t: HumanTask) -> dict:
    return {"id": t.id, "case_id": t.case_id, "process_model": t.process_id, "name": t.element_id,
            "title": t.title, "role": t.role, "scope": t.scope, "assignee": t.assignee,
            "priority": t.priority, "state": t.state, "form": t.form,
            "created_at": iso(t.created_at), "due_at": iso(t.due_at),
            "completed_at": iso(t.completed_at), "completed_by": t.completed_by}


def incident_view(i: Incident) -> dict:
    return {"id": i.id, "task_id": i.task_id, "element_id": i.element_id, "message": i.message,
            "line": i.line, "created_at": iso(i.created_at), "resolved_at": iso(i.resolved_at)}


def case_view(c: Case, open_tasks: list[HumanTask] = (), incidents: list[Incident] = ()) -> dict:
    return {"id": c.id, "process_model": c.process_id, "version": c.version, "status": c.status,
            "business_key": c.business_key, "data": c.data, "started_by": c.started_by,
            "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
            "completed_at": iso(c.completed_at),
            "open_tasks": [task_view(t) for t in open_tasks],
            "incidents": [incident_view(i) for i in incidents]}


def event_view(e: Event) -> dict:
    return {"at": iso(e.at), "type": e.type, "actor": e.actor, "task": e.task, "detail": e.detail}
