"""Moving a live workflow onto another version's spec, after SpiffWorkflow's `migrate_workflow`.

The rules (the README's "Changing a process while cases run" states them for people):
- Tasks are aligned **strictly by BPMN id and kind**. SpiffWorkflow's SpecDiff also guesses by graph
  shape, and would happily turn a removed user task into a new script task; we do not use its guesses.
- Every place the case stands (a ready task, a waiting event or join, a failed task, a running
  subprocess) must exist in the target version with the same kind of element, else the case stays.
- A service task whose asynchronous call is under way blocks the move (its job would come back to a
  task that may mean something else); move once it has returned.
- A waiting parallel/inclusive join whose incoming branches changed blocks the move (it could wait for
  a branch the case never takes).
- A finished step whose element was removed stays in the (pruned) state as an anonymous finished step
  (the new spec's `Start`): the data it produced stays exactly where the following tasks read it.
  (Splicing it out would make them re-inherit older data from further up.)
- The move follows SpiffWorkflow's `migrate_workflow` (bpmn/util/diff.py: swap the specs, reset every
  ready or waiting task so its successors are predicted from the new spec), with three differences:
  a task whose parent is still running (an instance of a multi-instance task) keeps its place and is
  not reset (a reset would lose its item and never become ready); a reset task keeps its data and
  internal state; and a running timer keeps its due time unless its expression changed (Camunda's
  default): a deadline does not restart because a new version was deployed.
Nothing here touches the database; the caller saves the moved workflow (or throws it away).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

from . import clock_patch

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
RESET = TaskState.READY | TaskState.WAITING
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


@dataclass
class Blocker:
    element_id: str | None
    name: str | None
    reason: str


@dataclass
class MoveResult:
    blockers: list[Blocker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


def _label(spec) -> tuple[str, str]:
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None) or bpmn_id
    return bpmn_id, f"{bpmn_id}（{name}）" if name != bpmn_id else bpmn_id


def _aligned(spec, new_spec):
    candidate = new_spec.task_specs.get(spec.name)
    return candidate if candidate is not None and type(candidate).__name__ == type(spec).__name__ else None


def _expression(spec):
    definition = getattr(spec, "event_definition", None)
    return definition.expression if isinstance(definition, TimerEventDefinition) else None


def _check(workflow, new_spec, version: int, result: MoveResult) -> dict:
    """Alignment task -> new task spec (or None), adding a Blocker for every place that cannot move."""
    alignment = {task: _aligned(task.task_spec, new_spec) for task in workflow.tasks.values()}
    for task, target in alignment.items():
        spec = task.task_spec
        bpmn_id, label = _label(spec)
        if not task.has_state(LIVE):
            continue
        if target is None:
            what = "类型已改变" if spec.name in new_spec.task_specs else "已不存在"
            result.blockers.append(Blocker(bpmn_id, getattr(spec, "bpmn_name", None),
                                           f"案件当前停在 {label}，它在版本 {version} 中{what} "
                                           f"(current element missing in version {version})"))
        elif task.state == TaskState.STARTED and hasattr(spec, "operation_name"):
            result.blockers.append(Blocker(bpmn_id, getattr(spec, "bpmn_name", None),
                                           f"服务任务 {label} 的异步调用尚未返回，请等它完成后再迁移 "
                                           f"(service call in progress)"))
        elif isinstance(spec, UnstructuredJoin) and task.state == TaskState.WAITING and \
                sorted(s.name for s in spec.inputs) != sorted(s.name for s in target.inputs):
            result.blockers.append(Blocker(bpmn_id, getattr(spec, "bpmn_name", None),
                                           f"等待汇聚的网关 {label} 在版本 {version} 中的输入分支已改变 "
                                           f"(a waiting join's incoming branches changed)"))
    return alignment


def _connect_loops(spec) -> None:
    """Multi-instance children report to their parent through a signal the deserializer connects (a
    freshly parsed spec has it only once a case created children): connect it as the serializer does."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            child = spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def _swap(workflow, alignment: dict, new_spec, now, result: MoveResult) -> None:
    before = {task.id: task.task_spec for task in alignment}
    workflow.spec = new_spec
    for task, target in alignment.items():
        if target is not None:
            task.task_spec = target
    for task in list(workflow.get_tasks(state=RESET, skip_subprocesses=True)):
        parent = task.parent
        if task.id not in workflow.tasks or parent is None or not parent.has_state(TaskState.COMPLETED):
            continue
        data, internal = task.data, dict(task.internal_data)
        keep_timer = _expression(before[task.id]) == _expression(task.task_spec)
        with clock_patch.engine_time(now):
            task.reset_branch(None)
        task.data = data
        if keep_timer:          # also keeps what a message or multi-instance bookkeeping had stored
            task.internal_data = internal
        else:
            bpmn_id, label = _label(task.task_spec)
            result.notes.append(f"定时器 {label} 的表达式已改变，自迁移时起按新表达式计时 (timer restarted)")
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def _move_one(workflow, new_spec, version: int, now, result: MoveResult) -> None:
    alignment = _check(workflow, new_spec, version, result)
    if result.blockers:
        return
    _connect_loops(new_spec)
    _swap(workflow, alignment, new_spec, now, result)
    for task, target in alignment.items():
        if target is None and task.has_state(FINISHED) and task.id in workflow.tasks:
            task.task_spec = new_spec.start      # a finished step that no longer exists (see above)
    for task in workflow.tasks.values():
        if new_spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            bpmn_id, label = _label(task.task_spec)
            result.blockers.append(Blocker(bpmn_id, None, f"元素 {label} 无法对应到版本 {version} "
                                                          f"(element cannot be aligned)"))


def move_workflow(workflow, spec, subprocess_specs: dict, version: int, now) -> MoveResult:
    """Put `workflow` (a loaded BpmnWorkflow) on `spec`; on blockers the workflow is unusable: discard it."""
    result = MoveResult()
    for sp_id, sub in workflow.subprocesses.items():
        if sub.spec.name not in subprocess_specs:
            owner = workflow.tasks.get(sp_id)
            bpmn_id, label = _label(owner.task_spec) if owner is not None else (None, sub.spec.name)
            result.blockers.append(Blocker(bpmn_id, None, f"进行中的子流程 {label} 在版本 {version} 中已不存在 "
                                                          f"(running subprocess missing)"))
    if result.blockers:
        return result
    for sub in workflow.subprocesses.values():
        _check(sub, subprocess_specs[sub.spec.name], version, result)
    _move_one(workflow, spec, version, now, result)
    if result.blockers:
        return result
    workflow.subprocess_specs = subprocess_specs
    for sub in workflow.subprocesses.values():
        _move_one(sub, subprocess_specs[sub.spec.name], version, now, result)
    return result


def data_keys(workflow) -> set[str]:
    """Every variable name the case holds somewhere: the top data and every kept task's data (parallel
    branches each carry their own until their join merges them)."""
    keys = set(workflow.data)
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            keys.update(task.data)
    return keys
