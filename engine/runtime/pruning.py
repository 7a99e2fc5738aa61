"""Pruning a workflow's finished history so that its state (and a step's cost) stays bounded.

SpiffWorkflow keeps every task it ever ran. We keep only a skeleton:
- every unfinished or failed task, and the whole subtree of multi-instance and loop tasks (they read
  their children's outputs);
- every ancestor of those (a task still to run inherits its parent's data), the split a structured join
  looks up and that split's children (main task and boundary events);
- for a join that is ready or waiting, the finished instances it will merge — compacted into one: their
  branch data is merged in completion order into the latest instance's parent, exactly as the join
  would merge them one by one, and the older branches are dropped;
- but not the boundary-join instances left waiting at the end of finished non-interrupting branches
  (see `_spent_boundary_join`);
and then cut everything above the lowest common ancestor of the skeleton, which becomes the new root.
A finished workflow keeps only its last task. History lives in the case's event log.
"""
from __future__ import annotations

import copy

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def _ancestors(task) -> list:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    return chain


def _compact_join_inputs(join_task, live_ancestor_ids: set) -> object | None:
    """Fold the finished instances of a waiting join into the latest one; returns the one to keep."""
    spec = join_task.task_spec
    others = sorted((t for t in join_task.workflow.tasks.values()
                     if t.task_spec is spec and t is not join_task and t.has_state(TaskState.FINISHED_MASK)
                     and not join_task.is_descendant_of(t)), key=lambda t: t.last_state_change)
    if not others:
        return None
    latest = others[-1]
    holders = [t.parent for t in others]
    if len(others) > 1 and all(h is not None and h.id not in live_ancestor_ids for h in holders):
        merged = copy.deepcopy(holders[0].data)
        for holder in holders[1:]:
            DeepMerge.merge(merged, holder.data)
        latest.parent.data = merged
        return [latest]
    return others        # cannot compact safely: keep them all


def _spent_boundary_join(task) -> bool:
    """A waiting boundary join at the end of a finished non-interrupting branch (a reminder, say).

    Such an instance never continues the process: when the activity ends, the join instance under the
    activity fires first and SpiffWorkflow cancels these. Keeping them would keep every branch forever.
    """
    if not isinstance(task.task_spec, BoundaryEventJoin) or task.state != TaskState.WAITING:
        return False
    node = task.parent
    while node is not None and node.parent is not None:
        if node.parent.task_spec.name == task.task_spec.split_task:
            spec = node.task_spec
            return isinstance(spec, BoundaryEvent) and not spec.cancel_activity
        if not node.has_state(TaskState.FINISHED_MASK):
            return False
        node = node.parent
    return False


def _skeleton(workflow) -> tuple[list, list]:
    """(anchors, subtree roots): tasks to keep with their ancestors, and tasks to keep whole."""
    live = [t for t in workflow.tasks.values() if t.has_state(LIVE) and not _spent_boundary_join(t)]
    live_ancestor_ids = {a.id for t in live for a in _ancestors(t.parent)} if live else set()
    # a task still to run inherits its parent's data: the parent stays, and can be the new root
    anchors, whole = list(live) + [t.parent for t in live if t.parent is not None], []
    for task in live:
        spec = task.task_spec
        split_name = getattr(spec, "split_task", None)
        if split_name:
            split = task.find_ancestor(split_name)
            if split is not None:
                anchors.append(split)
                anchors.extend(split.children)
        if isinstance(spec, LoopTask):
            whole.append(task)
        if isinstance(spec, UnstructuredJoin) and task.has_state(TaskState.READY | TaskState.WAITING):
            for kept in _compact_join_inputs(task, live_ancestor_ids) or []:
                anchors.append(kept)
    return anchors, whole


def _prune_tree(workflow) -> int:
    anchors, whole = _skeleton(workflow)
    if not anchors:
        if not workflow.completed or workflow.last_task is None:
            return 0
        anchors = [workflow.last_task]
    keep = set()
    for task in anchors:
        for a in _ancestors(task):
            if a.id in keep:
                break
            keep.add(a.id)
    for task in whole:
        keep.update(t.id for t in task)           # iterating a task walks its subtree
    # the new root: the lowest common ancestor of everything kept
    cut = workflow.task_tree
    anchor_ids = {a.id for a in anchors}
    while True:
        kept_children = [c for c in cut.children if c.id in keep]
        if len(kept_children) != 1 or cut.id in anchor_ids:
            break
        cut = kept_children[0]
    above = {a.id for a in _ancestors(cut.parent)}
    removed = [tid for tid in workflow.tasks if tid not in keep or tid in above]
    if not removed:
        return 0
    for tid in removed:
        workflow.tasks.pop(tid)
    for task in workflow.tasks.values():
        if any(c not in workflow.tasks for c in task._children):
            task._children = [c for c in task._children if c in workflow.tasks]
    cut._parent = None            # live data is materialized per task: the new root keeps all of it
    workflow.task_tree = cut
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return len(removed)


def prune(workflow) -> int:
    """Prune the top workflow and every running subprocess; drop subprocesses whose caller is gone."""
    removed = _prune_tree(workflow)
    for sp in list(workflow.subprocesses.values()):
        if not sp.completed:
            removed += _prune_tree(sp)
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
    return removed
