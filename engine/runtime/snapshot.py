"""Read what the index tables need out of a live workflow: ready human tasks, timers, message waits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState


@dataclass
class ReadyHumanTask:
    task: object
    id: str
    element_id: str
    title: str
    role: str | None
    properties: dict
    boundary_due: datetime | None


@dataclass
class WaitingTimer:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass
class WaitingMessage:
    task: object
    task_id: str
    element_id: str
    name: str
    role: str | None
    properties: dict


@dataclass
class Snapshot:
    human: list[ReadyHumanTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    messages: list[WaitingMessage] = field(default_factory=list)
    errors: list = field(default_factory=list)
    started: list = field(default_factory=list)


def all_workflows(workflow):
    yield workflow
    yield from workflow.subprocesses.values()


def task_properties(spec) -> dict:
    ext = getattr(spec, "extensions", None) or {}
    return dict(ext.get("properties") or {})


def timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):          # cycle: {'cycles', 'next', 'duration'}
        if value.get("cycles") == 0:
            return None
        value = value.get("next")
    try:
        due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return due.astimezone(timezone.utc) if due else None


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _boundary_due(task) -> datetime | None:
    parent = task.parent
    if parent is None:
        return None
    dues = []
    for sibling in parent.children:
        spec = sibling.task_spec
        if sibling is not task and isinstance(spec, BoundaryEvent) and spec.cancel_activity \
                and _is_timer(sibling) and sibling.state == TaskState.WAITING:
            due = timer_due(sibling)
            if due is not None:
                dues.append(due)
    return min(dues) if dues else None


def take(workflow) -> Snapshot:
    snap = Snapshot()
    for wf in all_workflows(workflow):
        for task in wf.tasks.values():
            spec = task.task_spec
            if task.state == TaskState.READY and spec.manual:
                snap.human.append(ReadyHumanTask(
                    task, str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name or spec.bpmn_id or spec.name,
                    getattr(spec, "lane", None), task_properties(spec), _boundary_due(task)))
            elif task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
                definition = spec.event_definition
                if isinstance(definition, TimerEventDefinition):
                    due = timer_due(task)
                    if due is not None:
                        snap.timers.append(WaitingTimer(str(task.id), spec.bpmn_id or spec.name, due))
                elif isinstance(definition, MessageEventDefinition):
                    snap.messages.append(WaitingMessage(task, str(task.id), spec.bpmn_id or spec.name,
                                                        definition.name, getattr(spec, "lane", None),
                                                        task_properties(spec)))
            elif task.state == TaskState.ERROR:
                snap.errors.append(task)
            elif task.state == TaskState.STARTED:
                snap.started.append(task)
    return snap


def waiting_kinds(workflow) -> tuple[bool, bool]:
    """(any timer, any message) the workflow waits on: a cheap superset of what `take` lists."""
    timers = messages = False
    for wf in all_workflows(workflow):
        for task in wf.tasks.values():
            if task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
                definition = task.task_spec.event_definition
                timers = timers or isinstance(definition, TimerEventDefinition)
                messages = messages or isinstance(definition, MessageEventDefinition)
    return timers, messages


def start_properties(spec) -> dict:
    """Extension properties of the process's none start event (`scope`, `scopeAfterStart`, `initiator`),
    {} if none."""
    from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
    for ts in spec.task_specs.values():
        if isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None), NoneEventDefinition):
            return task_properties(ts)
    return {}
