"""Lanes are roles: a user task's candidates hold its lane name, the start event's lane may start.

A process without lanes may be started and worked by anyone; a process with lanes must put every
human task and its start event into a named lane, or those would silently be open to everyone.

Files from Camunda Modeler name roles with attributes instead (or as well):
- `camunda:candidateGroups` on a user or manual task (or a `candidateGroups` extension property) is the
  task's role, exactly as if the task were in a lane of that name. It wins over the task's lane: the
  task-level statement is the more specific one, and in Camunda lanes carry no meaning. A task whose lane
  names another role gets a warning saying the lane is ignored for it. Several groups
  (`candidateGroups="UNIT_HEAD,DEPT_REVIEWER"`) make the holders of any of them candidates (within the
  task's scope); the first is the role the inbox shows.
- `camunda:candidateStarterGroups` on the process names the role that may start it when the start
  event is in no lane (one group, as above).
"""
from __future__ import annotations

from .bundle import Doc
from .ns import CAMUNDA, is_bpmn, local, q
from .problems import WARNING, Problem
from .properties import element_properties

HUMAN_TASKS = ("userTask", "manualTask", "task")


def lanes(process) -> list:
    return list(process.iter(q("lane")))


def lane_index(process) -> dict[str, str | None]:
    """flow node id -> name of the innermost lane listing it (document order: children after parents)."""
    index: dict[str, str | None] = {}
    for lane in lanes(process):
        for ref in lane.findall(q("flowNodeRef")):
            if ref.text and ref.text.strip():
                index[ref.text.strip()] = lane.get("name")
    return index


def laned_nodes(element, index: dict[str, str | None]) -> list:
    """`element` and its enclosing subprocesses that are in a named lane, innermost first. SpiffWorkflow
    gives `element` the lane of the last one (the outermost); a designer reads the first."""
    found, node = [], element
    while node is not None and not is_bpmn(node, "process"):
        if index.get(node.get("id") or ""):
            found.append(node)
        node = node.getparent()
    return found


def effective_lane(element, index: dict[str, str | None]) -> str | None:
    """The lane SpiffWorkflow gives a flow node: the lane of its outermost enclosing subprocess that
    has one, else its own."""
    laned = laned_nodes(element, index)
    return index[laned[-1].get("id")] if laned else None


def split_groups(text: str | None) -> list[str]:
    return [group.strip() for group in (text or "").split(",") if group.strip()]


def candidate_groups(task) -> list[str]:
    """The groups a human task names (camunda:candidateGroups or the candidateGroups property)."""
    return split_groups(element_properties(task).get("candidateGroups"))


def starter_groups(process) -> list[str]:
    return split_groups(process.get(q("candidateStarterGroups", CAMUNDA)))


def task_role(task, index: dict[str, str | None]) -> str | None:
    """The role whose holders are a human task's candidates: its one candidate group, else its lane."""
    groups = candidate_groups(task)
    if groups:
        return groups[0]
    lane = effective_lane(task, index)
    return lane.strip() if lane and lane.strip() else None


def human_tasks(process) -> list:
    return list(process.iter(*[q(name) for name in HUMAN_TASKS]))


def roles(process) -> list[str]:
    found = {(lane.get("name") or "").strip() for lane in lanes(process)}
    index = lane_index(process)
    found |= {task_role(task, index) or "" for task in human_tasks(process)}
    found |= {group for task in human_tasks(process) for group in candidate_groups(task)}
    starters = starter_groups(process)
    if len(starters) == 1:
        found.add(starters[0])
    return sorted(found - {""})


def none_start_events(process) -> list:
    return [el for el in process if el.tag == q("startEvent")
            and not any(is_bpmn(child) and local(child).endswith("EventDefinition") for child in el)]


def start_role(process) -> str | None:
    index = lane_index(process)
    for start in none_start_events(process):
        name = effective_lane(start, index)
        if name and name.strip():
            return name.strip()
    groups = starter_groups(process)
    return groups[0] if len(groups) == 1 else None


def check_lanes(doc: Doc) -> list[Problem]:
    problems = []
    for process in doc.processes():
        process_lanes = lanes(process)
        index = lane_index(process)
        for task in human_tasks(process):
            groups, lane = candidate_groups(task), effective_lane(task, index)
            if groups and lane and lane.strip() and lane.strip() not in groups:
                named = "、".join(groups)
                problems.append(doc.problem(task, f"人工任务 {task.get('id')} 的候选组 (candidateGroups) 是 {named}，"
                                                  f"它所在的泳道 {lane.strip()} 对它不生效：办理人是持有 {named} 的用户 "
                                                  f"(candidateGroups wins over the lane)", WARNING))
        if not process_lanes:
            continue
        for lane in process_lanes:
            if not (lane.get("name") or "").strip():
                problems.append(doc.problem(lane, f"泳道 {lane.get('id')} 没有名称；泳道名称就是可以办理其中任务的角色，"
                                                  f"请填写 (lane without a name)"))
        for task in human_tasks(process):
            problems += _overridden_lane(doc, task, index)
            if not effective_lane(task, index) and not candidate_groups(task):
                problems.append(doc.problem(task, f"人工任务 {task.get('id')} 不在任何有名称的泳道里，谁都无法办理；"
                                                  f"请把它放进以角色命名的泳道 (human task outside of a lane)"))
        starts = none_start_events(process)
        start_lanes = {effective_lane(start, index) for start in starts}
        for start in starts:
            if not effective_lane(start, index) and not starter_groups(process):
                problems.append(doc.problem(start, f"开始事件 {start.get('id')} 不在任何有名称的泳道里；开始事件所在泳道的角色"
                                                   f"才能发起流程，请把它放进泳道 (start event outside of a lane)"))
        if len(start_lanes - {None}) > 1:
            problems.append(doc.problem(starts[0], "几个开始事件分属不同泳道，无法确定谁可以发起流程；请只保留一个开始事件 "
                                                   "(start events in different lanes)"))
    return problems


def _overridden_lane(doc: Doc, task, index: dict[str, str | None]) -> list[Problem]:
    """A human task drawn in one lane (itself, or the subprocess nearest to it that is in a lane) inside
    a subprocess drawn in another. SpiffWorkflow gives every node of a subprocess the outermost
    subprocess's lane, so the task would go to the holders of that role, not to those of the lane it is
    drawn in: people the designer did not mean could work it. Refused (an error, not a warning), with
    the two ways to say what is meant. A candidate group names the role outright and is reported by its
    own warning instead."""
    laned = laned_nodes(task, index)
    if len(laned) < 2 or candidate_groups(task):
        return []
    drawn, holder = laned[0], laned[-1]
    meant, outer = (index[drawn.get("id")] or "").strip(), (index[holder.get("id")] or "").strip()
    if meant == outer:
        return []
    where = f"画在泳道 {meant} 里" if drawn is task else f"所在的子流程 {drawn.get('id')} 画在泳道 {meant} 里"
    return [doc.problem(task, f"人工任务 {task.get('id')} {where}，但外层的子流程 {holder.get('id')} 画在泳道 {outer} 里；"
                              f"引擎按最外层子流程的泳道分配，办理人会是持有 {outer} 的用户，而不是 {meant}。请把子流程 "
                              f"{holder.get('id')} 移出泳道（其中的任务各按自己的泳道分配），或把任务放进泳道 {outer} "
                              f"(a subprocess's lane overrides the lanes inside it)")]
