"""Operator refusals routed through BPMN error boundary events.

An operator that refuses an impossible request raises `RefusalError(message, code=...)`. When the
service task has an attached error boundary event catching that code (its `<bpmn:error errorCode>`
equals the code, or it names no error at all), the refusal is a business outcome, not an incident:
the boundary event fires with `refusal = {code, message, details, operator, task}` in its data, an
interrupting boundary cancels the service task, and the flow continues from the boundary event.
This mirrors Camunda's BpmnError thrown from a JavaDelegate.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState


def _boundaries(task):
    """Waiting error boundary events attached to `task`, most specific (with an error code) first."""
    split = task.parent
    if split is None:
        return []
    found = [t for t in split.children
             if t is not task and isinstance(t.task_spec, BoundaryEvent) and t.state == TaskState.WAITING
             and isinstance(t.task_spec.event_definition, ErrorEventDefinition)]
    return sorted(found, key=lambda t: t.task_spec.event_definition.code is None)


def route(task, operator: str, error) -> bool:
    """Fire the boundary event of `task` that catches `error`; False when none does."""
    for boundary in _boundaries(task):
        definition = boundary.task_spec.event_definition
        if definition.code not in (None, error.error_code):
            continue
        refusal = {"code": error.error_code, "message": error.message, "details": error.details,
                   "operator": operator, "task": task.task_spec.bpmn_id}
        thrown = ErrorEventDefinition(definition.name, error.error_code)
        boundary.task_spec.catch(boundary, BpmnEvent(thrown, {"refusal": refusal}))
        # The flow after an interrupting boundary event passes SpiffWorkflow's boundary join, which
        # carries the attached task's data: put the refusal there too so the next tasks see it.
        # SpiffWorkflow deep-merges a parent's data over a child's when the child becomes ready, so a
        # refusal from an earlier pass (a loop back to this task) would win: replace it on the split too.
        task.data["refusal"] = refusal
        boundary.data["refusal"] = refusal
        if boundary.parent is not None:
            boundary.parent.data["refusal"] = refusal
        boundary.task_spec._update(boundary)        # fired: WAITING -> READY, runs on the next engine step
        return True
    return False
