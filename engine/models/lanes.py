"""Lanes are roles: a user task's candidates hold its lane name, the start event's lane may start.

A process without lanes may be started and worked by anyone; a process with lanes must put every
human task and its start event into a named lane, or those would silently be open to everyone.
"""
from __future__ import annotations

from .bundle import Doc
from .ns import is_bpmn, local, q
from .problems import Problem

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


def effective_lane(element, index: dict[str, str | None]) -> str | None:
    """The lane SpiffWorkflow gives a flow node: the lane of its outermost enclosing subprocess that
    has one, else its own."""
    chain, node = [], element
    while node is not None and not is_bpmn(node, "process"):
        chain.append(node)
        node = node.getparent()
    for node in reversed(chain):
        name = index.get(node.get("id") or "")
        if name:
            return name
    return None


def roles(process) -> list[str]:
    return sorted({(lane.get("name") or "").strip() for lane in lanes(process)} - {""})


def none_start_events(process) -> list:
    return [el for el in process if el.tag == q("startEvent")
            and not any(is_bpmn(child) and local(child).endswith("EventDefinition") for child in el)]


def start_role(process) -> str | None:
    index = lane_index(process)
    for start in none_start_events(process):
        name = effective_lane(start, index)
        if name:
            return name.strip()
    return None


def check_lanes(doc: Doc) -> list[Problem]:
    problems = []
    for process in doc.processes():
        process_lanes = lanes(process)
        if not process_lanes:
            continue
        for lane in process_lanes:
            if not (lane.get("name") or "").strip():
                problems.append(doc.problem(lane, f"泳道 {lane.get('id')} 没有名称；泳道名称就是可以办理其中任务的角色，"
                                                  f"请填写 (lane without a name)"))
        index = lane_index(process)
        for task in process.iter(*[q(name) for name in HUMAN_TASKS]):
            if not effective_lane(task, index):
                problems.append(doc.problem(task, f"人工任务 {task.get('id')} 不在任何有名称的泳道里，谁都无法办理；"
                                                  f"请把它放进以角色命名的泳道 (human task outside of a lane)"))
        starts = none_start_events(process)
        start_lanes = {effective_lane(start, index) for start in starts}
        for start in starts:
            if not effective_lane(start, index):
                problems.append(doc.problem(start, f"开始事件 {start.get('id')} 不在任何有名称的泳道里；开始事件所在泳道的角色"
                                                   f"才能发起流程，请把它放进泳道 (start event outside of a lane)"))
        if len(start_lanes - {None}) > 1:
            problems.append(doc.problem(starts[0], "几个开始事件分属不同泳道，无法确定谁可以发起流程；请只保留一个开始事件 "
                                                   "(start events in different lanes)"))
    return problems
