"""Paths through an executable process: every element reachable from a start event, every path ending.

Reachable: from the start events of a process or subprocess along sequence flows, from an activity to
the boundary events attached to it, and into the subprocesses (and event subprocesses) of a reachable
container. An element with no incoming flow is already reported by flows.py; here only the entries of
regions that have incoming flows yet are reached from nowhere (e.g. a closed loop) are reported, once
per region.
No way out: a reachable element that is not an end event and has no outgoing sequence flow ends its
path silently (BPMN's "implicit end"); a parallel join waiting for that path would wait for ever. Every
path ends in an end event here. Event subprocesses are exempt; unreachable elements are reported as such.
"""
from __future__ import annotations

from .bundle import Doc, is_executable
from .ns import FLOW_NODES, is_bpmn, local, q
from .problems import Problem

_SUBPROCESSES = ("subProcess", "transaction")


def _is_event_subprocess(node) -> bool:
    return node.get("triggeredByEvent") == "true"


def _graph(container):
    nodes = {el.get("id"): el for el in container if is_bpmn(el, *FLOW_NODES) and el.get("id")}
    succ: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    incoming: dict[str, int] = dict.fromkeys(nodes, 0)
    outgoing: dict[str, int] = dict.fromkeys(nodes, 0)
    for flow in container:
        if not is_bpmn(flow, "sequenceFlow"):
            continue
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in nodes:
            outgoing[source] += 1
        if target in nodes:
            incoming[target] += 1
        if source in nodes and target in nodes:
            succ[source].append(target)
    for node_id, node in nodes.items():
        attached = node.get("attachedToRef") if local(node) == "boundaryEvent" else None
        if attached in nodes:
            succ[attached].append(node_id)
    return nodes, succ, incoming, outgoing


def _walk(seeds, succ) -> set[str]:
    seen, todo = set(), list(seeds)
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            todo.extend(succ.get(node_id, []))
    return seen


def _is_root(node, nodes) -> bool:
    kind = local(node)
    return (kind == "startEvent" or _is_event_subprocess(node) or node.get("isForCompensation") == "true"
            or node.find(q("linkEventDefinition")) is not None
            or (kind == "boundaryEvent" and node.get("attachedToRef") not in nodes))


def _no_way_out(doc: Doc, node_id: str, node) -> list[Problem]:
    if local(node) == "endEvent" or _is_event_subprocess(node) or node.get("isForCompensation") == "true" \
            or node.find(q("linkEventDefinition")) is not None or node.find(q("compensateEventDefinition")) is not None:
        return []   # link events and compensation are refused by name in constructs.py
    return [doc.problem(node, f"{node_id} 没有出口顺序流：流程走到这里，这条路径就悄悄结束了（并行汇合会一直等它）；"
                              f"请把它连到下一步，或连到一个结束事件 (no way out: end every path with an end event)")]


def _container_problems(doc: Doc, container) -> list[Problem]:
    nodes, succ, incoming, outgoing = _graph(container)
    roots = [node_id for node_id, node in nodes.items() if _is_root(node, nodes)]
    if not any(local(nodes[r]) == "startEvent" for r in roots):
        return []   # no start event: the parser and flows.py say so
    reachable = _walk(roots, succ)
    problems = []
    for node_id in nodes:
        if node_id in reachable and not outgoing[node_id]:
            problems += _no_way_out(doc, node_id, nodes[node_id])
    unreachable = [node_id for node_id in nodes if node_id not in reachable]
    explained = _walk([n for n in unreachable if not incoming[n]], succ)
    for node_id in unreachable:
        if node_id in explained:
            continue
        explained |= _walk([node_id], succ)
        problems.append(doc.problem(nodes[node_id], f"{node_id} 从任何开始事件都走不到，永远不会执行（通向它的顺序流只来自同样"
                                                    f"走不到的元素，例如一个没有入口的回路）；请把它连进流程，或删除它 "
                                                    f"(unreachable from every start event)"))
    for node_id in sorted(reachable):
        if is_bpmn(nodes[node_id], *_SUBPROCESSES):
            problems += _container_problems(doc, nodes[node_id])
    return problems


def check_paths(doc: Doc) -> list[Problem]:
    problems = []
    for process in doc.processes():
        if is_executable(process):
            problems += _container_problems(doc, process)
    return problems
