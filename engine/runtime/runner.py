"""Runs one step of one case: load under lock, act, run the engine, capture failures as incidents.

`CaseStep` is used by the services inside their unit of work. It never commits: the service's unit of
work does, after `finish()` has written the workflow state and the index tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from ..errors import EngineError, OperatorError, ScriptError, TaskNotFoundError
from . import clock_patch
from .script_engine import CaseContext, CaseScriptEngine
from . import pruning
from .serialization import SERIALIZER_VERSION, dump_state, load_state
from .snapshot import waiting_kinds

# Prune during a run once a task tree holds this many tasks (SpiffWorkflow's iterator stops at depth 1000).
PRUNE_THRESHOLD = 300


@dataclass
class IncidentInfo:
    task_id: str | None
    element_id: str | None
    message: str
    line: int | None


@dataclass
class StepLog:
    events: list[tuple[str, str | None, dict | None]] = field(default_factory=list)   # type, task, detail
    incidents: list[IncidentInfo] = field(default_factory=list)
    completed_tasks: dict[str, str | None] = field(default_factory=dict)   # human task id -> actor


class CaseStep:
    """A loaded workflow plus what happened to it during this unit of work."""

    def __init__(self, workflow: BpmnWorkflow, context: CaseContext, now: datetime):
        self.wf = workflow
        self.context = context
        self.now = now
        self.log = StepLog()
        self.cancelled = False
        # What the workflow waited on before this unit of work (timers, messages): the store clears
        # the case's timer and message-wait rows only when there can be some. A new case has none.
        self.waited_on: tuple[bool, bool] = (False, False)
        self.is_new = True          # not yet written: no inbox rows exist

    # -------------------------------------------------------------------------------- building
    @classmethod
    def new(cls, spec, subprocess_specs, environment, operators, context, now) -> "CaseStep":
        engine = CaseScriptEngine(environment, operators, context)
        with clock_patch.engine_time(now):
            wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        return cls(wf, context, now)

    @classmethod
    def load(cls, state, serializer_version, spec, subprocess_specs, environment, operators, context,
             now) -> "CaseStep":
        engine = CaseScriptEngine(environment, operators, context)
        wf = load_state(state, serializer_version, spec, subprocess_specs, engine)
        step = cls(wf, context, now)
        step.waited_on, step.is_new = waiting_kinds(wf), False
        return step

    # -------------------------------------------------------------------------------- acting
    def task(self, task_id: str):
        try:
            task = self.wf.get_task_from_id(UUID(task_id))
        except (ValueError, SpiffWorkflowException):
            task = None
        if task is None:
            raise TaskNotFoundError(f"任务 {task_id} 不存在")
        return task

    def run(self, action=None) -> bool:
        """Do `action` (may be None), then run the engine to its next wait state.

        A failing script, condition, timer expression or operator becomes an incident; the workflow
        keeps the failed task in ERROR so it can be retried. Returns False when an incident was raised.
        """
        with clock_patch.engine_time(self.now):
            try:
                if action is not None:
                    action()
                self._engine_steps()
                return True
            except EngineError as exc:
                if not isinstance(exc, (ScriptError, OperatorError)):
                    raise
                self.log.incidents.append(_incident_from(exc))
                return False
            except (SpiffWorkflowException, Exception) as exc:   # noqa: BLE001 - every failure is an incident
                self.log.incidents.append(_incident_from(exc))
                return False

    def _engine_steps(self) -> None:
        """SpiffWorkflow's do_engine_steps, pruning finished history between rounds so that loops of any
        length never reach the library's task-iterator depth limit (~250 iterations otherwise)."""
        wf = self.wf
        while wf._do_engine_steps():
            if len(wf.tasks) > PRUNE_THRESHOLD or any(len(sp.tasks) > PRUNE_THRESHOLD
                                                      for sp in wf.subprocesses.values()):
                pruning.prune(wf)
        wf.refresh_timers()

    def fire_start_timers(self, element_id: str | None = None) -> bool:
        """Mark the process's waiting timer start events (or only `element_id`) as fired now: a
        schedule, not the workflow, decides when a timer-started case begins. True if one was fired."""
        from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
        past = (self.now - timedelta(microseconds=1)).isoformat()
        fired = False
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            spec = task.task_spec
            if not isinstance(spec, StartEvent) or (element_id is not None and spec.bpmn_id != element_id):
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):
                value.update(next=past, cycles=1)
            else:
                task._set_internal_data(event_value=past)
            fired = True
        if fired:
            self.refresh_timers()
        return fired

    def refresh_timers(self) -> None:
        with clock_patch.engine_time(self.now):
            self.wf.refresh_timers()

    # -------------------------------------------------------------------------------- state
    def cancel(self) -> None:
        self.wf.cancel()
        self.cancelled = True

    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.wf.is_completed():
            return "completed"
        if self.log.incidents or any(t.state == TaskState.ERROR for t in _all_tasks(self.wf)):
            return "error"
        if self.context.jobs or any(t.state == TaskState.STARTED and _is_service(t) for t in _all_tasks(self.wf)):
            return "running"
        return "waiting"

    def data(self) -> dict:
        """The case data people see: the end data when completed, else the freshest task's data."""
        if self.wf.is_completed():
            return dict(self.wf.data)
        # A join waiting for its other branches (the process's end join once a side branch such as a
        # reminder has ended) holds only the data of the branches that arrived: never show that.
        tasks = [t for t in self.wf.tasks.values()
                 if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR,
                                TaskState.COMPLETED)
                 and not (t.state == TaskState.WAITING and isinstance(t.task_spec, Join))]
        if not tasks:
            return dict(self.wf.task_tree.data)
        latest = max(tasks, key=lambda t: (t.state != TaskState.COMPLETED, t.last_state_change))
        return dict(latest.data)

    def dump(self) -> tuple[dict, str]:
        return dump_state(self.wf), SERIALIZER_VERSION


def _all_tasks(wf):
    yield from wf.tasks.values()
    for sp in wf.subprocesses.values():
        yield from sp.tasks.values()


def _is_service(task) -> bool:
    return hasattr(task.task_spec, "operation_name")


def _incident_from(exc: Exception) -> IncidentInfo:
    task = getattr(exc, "task", None)
    line = getattr(exc, "line_number", None) or None
    inner = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    if inner is not None and getattr(inner, "line", None):
        line = line or inner.line
    message = str(exc)
    if isinstance(inner, EngineError):
        message = inner.message
    notes = getattr(exc, "__notes__", None)
    if notes and message.strip() == "":
        message = "; ".join(notes)
    return IncidentInfo(str(task.id) if task is not None else None,
                        (task.task_spec.bpmn_id or task.task_spec.name) if task is not None else None,
                        message[:4000], line)
