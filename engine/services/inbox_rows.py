"""Building an inbox row from a ready human task: title, role, scope, form, due date, priority."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..store.tables import Case
from ..timeutil import add_iso_duration

UNRESOLVED_SCOPE = "(范围无法确定)"


@dataclass(slots=True)
class NewInboxRow:
    """A human_tasks row about to be written, with the table's columns as attributes, in their order
    (a test holds the two equal). save_case inserts it on the cursor and answers read it like a loaded
    row: building an ORM object for it cost more than the rest of opening the task."""
    id: str
    case_id: str
    process_id: str
    element_id: str
    title: str
    role: str | None
    scope: str | None
    form: str | None
    ui_form: str | None
    state: str
    assignee: str | None
    priority: int
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None = None
    completed_by: str | None = None
    data: dict | None = None


def new_inbox_row(eng, case: Case, ready, now: datetime) -> NewInboxRow:
    props = ready.properties
    due = ready.boundary_due
    if props.get("dueIn"):
        try:
            due = add_iso_duration(now, props["dueIn"].strip().strip("'\""))
        except ValueError:
            pass
    return NewInboxRow(
        id=ready.id, case_id=case.id, process_id=case.process_id, element_id=ready.element_id,
        title=ready.title, role=_role(props, ready.role), scope=_scope(eng, props.get("scope"), ready.task),
        form=props.get("formJsonSchemaFilename"), ui_form=props.get("formUiSchemaFilename"),
        state="open", assignee=None, priority=_priority(eng, props.get("priority")),
        created_at=now, due_at=due)


def candidate_roles(props: dict) -> list[str]:
    """The roles of camunda:candidateGroups (several when a task names "A,B")."""
    return [g.strip() for g in str(props.get("candidateGroups") or "").split(",") if g.strip()]


def _role(props: dict, lane: str | None) -> str | None:
    """A task's (first) candidate group wins over its lane; the others are in task_candidate_roles."""
    groups = candidate_roles(props)
    return groups[0] if groups else lane


def _scope(eng, expression: str | None, task) -> str | None:
    """The task's scope, matched against grants. A scope that cannot be computed matches no scoped
    grant (only holders of the role for every scope see the task): failing closed, never open."""
    if not expression:
        return None
    try:
        value = eng.environment.evaluate(expression, dict(task.data))
    except Exception:   # noqa: BLE001
        return UNRESOLVED_SCOPE
    return None if value is None else str(value)


def _priority(eng, value) -> int:
    try:
        return max(0, min(100, int(str(value).strip())))
    except (TypeError, ValueError):
        return eng.settings.default_priority
