"""What the migration of one case checks besides the workflow itself, and the inbox after a move.

Forms (the rule, also in the README):
- the form of the task the case waits at may change freely: the next submission is validated against
  the new form (a note says so);
- a task the case has already completed whose form in the target version *requires* a field the case
  data does not hold blocks the move: the new version was designed to have collected that field, and its
  later steps may read it.
Inbox rows of tasks that stay open keep their id, creation time and due date, and take the new
version's title, role, scope, form and priority. A claim is released when the task's role or scope
changed (the assignee may no longer be a candidate).
"""
from __future__ import annotations

from sqlalchemy import delete, select

from ..runtime.migrate import Blocker
from ..runtime.snapshot import take, task_properties
from ..store.tables import Case, HumanTask, TaskCandidateRole
from .inbox_rows import candidate_roles, new_inbox_row

FORM = "formJsonSchemaFilename"


def _specs_by_id(spec, subs) -> dict:
    found = {}
    for owner in [spec, *subs.values()]:
        for task_spec in owner.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id:
                found.setdefault(bpmn_id, task_spec)
    return found


def form_blockers(eng, s, case: Case, target, spec, subs, available: set[str]) -> list[Blocker]:
    """`available`: every variable the case holds (runtime.migrate.data_keys)."""
    done = set(s.execute(select(HumanTask.element_id).where(HumanTask.case_id == case.id,
                                                           HumanTask.state == "completed")).scalars())
    blockers = []
    for bpmn_id, task_spec in sorted(_specs_by_id(spec, subs).items()):
        if bpmn_id not in done:
            continue
        schema = eng.specs.form(s, target.id, task_properties(task_spec).get(FORM)) or {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        missing = [f for f in required if isinstance(f, str) and f not in available]
        if missing:
            name = getattr(task_spec, "bpmn_name", None) or bpmn_id
            blockers.append(Blocker(bpmn_id, name, f"已完成的任务 {bpmn_id}（{name}）在版本 {target.version} 的表单中"
                                                   f"必填 {', '.join(missing)}，本案件没有这些数据 "
                                                   f"(a completed task's form now requires missing fields)"))
    return blockers


def form_notes(eng, s, case: Case, target, old_specs, new_specs) -> list[str]:
    """Notes for open tasks whose form changed between the case's version and the target."""
    before, after, notes = _specs_by_id(*old_specs), _specs_by_id(*new_specs), []
    open_ids = set(s.execute(select(HumanTask.element_id).where(HumanTask.case_id == case.id,
                                                               HumanTask.state == "open")).scalars())
    for bpmn_id in sorted(open_ids):
        if bpmn_id not in before or bpmn_id not in after:
            continue
        old = eng.specs.form(s, case.version_id, task_properties(before[bpmn_id]).get(FORM))
        new = eng.specs.form(s, target.id, task_properties(after[bpmn_id]).get(FORM))
        if old != new:
            notes.append(f"任务 {bpmn_id} 的表单已更新，之后按新表单提交 (form changed)")
    return notes


def refresh_inbox(eng, s, case: Case, step) -> list[str]:
    """Bring the open inbox rows of the moved case to the new version; returns notes."""
    notes = []
    for ready in take(step.wf).human:
        row = s.get(HumanTask, ready.id)
        if row is None or row.state != "open":
            continue
        fresh = new_inbox_row(eng, case, ready, step.now)
        if row.assignee and (row.role, row.scope) != (fresh.role, fresh.scope):
            notes.append(f"任务 {fresh.element_id} 的角色或范围已改变，{row.assignee} 的认领已释放 (claim released)")
            row.assignee = None
        for name in ("element_id", "title", "role", "scope", "form", "ui_form", "priority"):
            setattr(row, name, getattr(fresh, name))
        if row.scope is not None:
            from .case_io import remember_scope
            remember_scope(s, case.id, row.scope)
        s.execute(delete(TaskCandidateRole).where(TaskCandidateRole.task_id == row.id))
        roles = candidate_roles(ready.properties)
        if len(roles) > 1:
            s.add_all([TaskCandidateRole(task_id=row.id, role=role) for role in dict.fromkeys(roles)])
    return notes
