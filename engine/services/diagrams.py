"""Use cases: draw a process model (a version) and draw a case on its version with its progress marked.

A case's marks come from its tables, not from loading the workflow: the event log (task_completed,
timer_fired, message_received, service_called... each names its element), open human tasks, waiting
timers and message waits, pending service jobs and unresolved incidents. The stored workflow state is
only read as JSON (never deserialized) to name the elements of running async service tasks and of the
few finished tasks pruning kept. engine/diagram/progress.py infers the rest (start events, scripts,
gateways) from the flow graph.
"""
from __future__ import annotations

import json
import re

from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from ..diagram import Evidence, draw
from ..errors import CaseNotFoundError, ProcessNotFoundError
from ..store.tables import Case, Event, HumanTask, Incident, Job, MessageWait, ModelFile, ProcessVersion, Timer
from .access import require_visible
from .users import load_principal

PASSED = ("task_completed", "timer_fired", "message_received", "service_called")
STATUS_TEXT = {"running": "运行中", "waiting": "等待中", "completed": "已完成", "cancelled": "已取消",
               "error": "出错"}


def model_diagram(eng, process_id: str, version: int | None = None) -> str:
    """SVG of the given (default latest) version of a process."""
    with eng.db.unit_of_work(write=False) as s:
        q = select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        q = q.where(ProcessVersion.version == version) if version is not None else q
        row = s.execute(q.order_by(ProcessVersion.version.desc()).limit(1)).scalar_one_or_none()
        if row is None:
            raise ProcessNotFoundError(f"流程 {process_id} 未部署" if version is None
                                       else f"流程 {process_id} 没有版本 {version}")
        filename, xml = _source(s, row.id, process_id)
    return draw(xml, filename, process_id)


def case_diagram(eng, case_id: str, user: str | None = None) -> str:
    """SVG of the version a case runs on, its completed, active and failed elements marked.
    A case `user` may not see is CaseNotFoundError, exactly as for reading the case."""
    with eng.db.unit_of_work(write=False) as s:
        case = require_visible(s, load_principal(s, user), case_id) if user is not None else s.get(Case, case_id)
        if case is None:
            raise CaseNotFoundError(f"案件 {case_id} 不存在")
        version = s.get(ProcessVersion, case.version_id)
        filename, xml = _source(s, case.version_id, case.process_id)
        evidence = _evidence(s, case)
        caption = [f"案件 {case.id}" + (f" · {case.business_key}" if case.business_key else ""),
                   f"{version.name}（{case.process_id}）版本 {case.version} · 状态 "
                   f"{STATUS_TEXT.get(case.status, case.status)} ({case.status})"]
        process_id = case.process_id
    return draw(xml, filename, process_id, evidence, caption)


def _source(s, version_id: int, process_id: str) -> tuple[str, bytes]:
    """The BPMN file of the version that defines the process (bundles may hold several processes)."""
    rows = list(s.execute(select(ModelFile.filename, ModelFile.content).where(
        ModelFile.version_id == version_id, ModelFile.kind == "bpmn").order_by(ModelFile.filename)).all())
    if not rows:
        raise ProcessNotFoundError(f"流程 {process_id} 没有 BPMN 文件")
    pattern = re.compile(r"<(?:[\w.-]+:)?process\s[^>]*?\bid\s*=\s*[\"']" + re.escape(process_id) + "[\"']")
    filename, content = next((r for r in rows if pattern.search(r.content)), rows[0])
    return filename, content.encode("utf-8")


def _evidence(s, case: Case) -> Evidence:
    cid = case.id
    ev = Evidence(finished=case.status == "completed")
    for type_, element in s.execute(select(Event.type, Event.task).where(Event.case_id == cid,
                                                                         Event.task.is_not(None)).distinct()):
        ev.reached.add(element)
        if type_ in PASSED:
            ev.passed.add(element)
    ev.last = s.execute(select(Event.task).where(Event.case_id == cid, Event.type.in_(PASSED))
                        .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()
    ev.active |= set(s.execute(select(HumanTask.element_id).where(HumanTask.case_id == cid,
                                                                  HumanTask.state == "open")).scalars())
    ev.active |= set(s.execute(select(Timer.element_id).where(Timer.case_id == cid)).scalars())
    ev.active |= set(s.execute(select(MessageWait.element_id).where(MessageWait.case_id == cid)).scalars())
    ev.failed |= {e for e in s.execute(select(Incident.element_id).where(
        Incident.case_id == cid, Incident.resolved_at.is_(None))).scalars() if e}
    pending = set(s.execute(select(Job.task_id).where(Job.case_id == cid, Job.status == "pending")).scalars())
    if case.status not in ("completed", "cancelled"):
        _read_state(case.state, pending, ev)
    return ev


def _read_state(state: str, pending_jobs: set[str], ev: Evidence) -> None:
    """Element states from the stored workflow JSON: finished tasks pruning kept, running service calls
    and subprocesses (STARTED), failed tasks (ERROR). Unreadable state adds nothing."""
    try:
        data = json.loads(state or "{}")
        workflows = [data, *(data.get("subprocesses") or {}).values()]
        tasks = {tid: t for wf in workflows for tid, t in (wf.get("tasks") or {}).items()}
    except (ValueError, AttributeError, TypeError):
        return
    for task_id, task in tasks.items():
        if not isinstance(task, dict) or not isinstance(task.get("task_spec"), str):
            continue
        spec, value = task["task_spec"], task.get("state")
        if value == TaskState.COMPLETED:
            ev.passed.add(spec)
        elif value == TaskState.STARTED or task_id in pending_jobs:
            ev.active.add(spec)
        elif value == TaskState.ERROR:
            ev.failed.add(spec)
