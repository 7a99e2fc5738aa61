"""Saving and loading a workflow, without its specs, and pruning its finished history.

A case's stored state is the SpiffWorkflow dict minus `spec` and `subprocess_specs` (restored from the
per-version spec cache). Before every save, `prune` cuts the finished part of each task tree above the
lowest common ancestor of the unfinished tasks, so the state (and the cost of a step) does not grow with
the case's history, and back-edge loops never reach SpiffWorkflow's iterator depth limit. The history
itself lives in the case's event log.
"""
from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

from .parser import OperatorServiceTask

class StatelessWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the dict; they come back from the version's cached spec."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer():
    config = dict(SPIFF_CONFIG)
    config[OperatorServiceTask] = ServiceTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    StatelessWorkflowConverter(BpmnWorkflow, registry)   # replaces the default workflow converter
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION


def spec_to_dict(spec, subprocess_specs) -> dict:
    return {"spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()}}


def spec_from_dict(dct: dict):
    spec = SERIALIZER.from_dict(dct["spec"])
    subs = {k: SERIALIZER.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def dump_state(workflow: BpmnWorkflow) -> dict:
    prune(workflow)
    return SERIALIZER.to_dict(workflow)


def load_state(state: dict, version: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    import copy
    dct = copy.deepcopy(state)
    if version != SERIALIZER_VERSION and version in MIGRATIONS:
        MIGRATIONS[version](dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


# ---------------------------------------------------------------------------------------------- pruning

def _ancestors(task) -> list:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    return chain


def _needed(workflow) -> list:
    """Tasks that must survive a cut: the parents of unfinished and failed tasks (they inherit data from
    them), the splits their joins look up, and the finished inputs a ready or waiting join still merges."""
    needed = []
    for task in workflow.tasks.values():
        if not task.has_state(TaskState.NOT_FINISHED_MASK | TaskState.ERROR):
            continue
        needed.append(task.parent or task)      # a task that is still to run inherits its parent's data
        spec = task.task_spec
        split_name = getattr(spec, "split_task", None)
        if split_name:
            split = task.find_ancestor(split_name)
            if split is not None:
                needed.append(split)
        if isinstance(spec, UnstructuredJoin) and task.has_state(TaskState.READY | TaskState.WAITING):
            for other in workflow.tasks.values():
                if other.task_spec is spec and other is not task:
                    needed.append(other.parent or other)
    return needed


def _cut_point(workflow):
    """The lowest task that is an ancestor of every needed task."""
    needed = _needed(workflow)
    if not needed:
        # A finished workflow keeps only its last task (its data is the workflow's end data).
        return workflow.last_task if workflow.completed else None
    common = _ancestors(needed[0])[::-1]          # root first
    for task in needed[1:]:
        ids = {t.id for t in _ancestors(task)}
        while common and common[-1].id not in ids:
            common.pop()
    return common[-1] if common else None


def _prune_tree(workflow) -> list:
    cut = _cut_point(workflow)
    if cut is None or cut.parent is None:
        return []
    keep = {t.id for t in cut}   # iterating a task walks its subtree
    removed = [tid for tid in workflow.tasks if tid not in keep]
    cut._parent = None           # live data is materialized per task: the new root keeps all of it
    for tid in removed:
        workflow.tasks.pop(tid)
    workflow.task_tree = cut
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = None
    return removed


def prune(workflow: BpmnWorkflow) -> int:
    """Cut finished history from the top workflow and every running subprocess. Returns tasks removed."""
    removed = _prune_tree(workflow)
    for sp in list(workflow.subprocesses.values()):
        if not sp.completed:
            removed += _prune_tree(sp)
    # Subprocesses whose calling task was cut are finished: drop them (and, in turn, their children).
    changed = True
    while changed:
        changed = False
        live = set(workflow.tasks)
        for sp in workflow.subprocesses.values():
            live.update(sp.tasks)
        for sp_id in list(workflow.subprocesses):
            if sp_id not in live:
                del workflow.subprocesses[sp_id]
                changed = True
    return len(removed)
