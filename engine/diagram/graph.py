"""The flow graph of a process (flow nodes and the ways a token moves between them), for inferring
which elements a case has passed from the few facts the case's tables record.

Edges: sequence flows; host → boundary event (a boundary fires only while its host runs); subprocess →
its start events and event subprocesses. Roots: the process's start events and event subprocesses.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..models.ns import FLOW_NODES, container_of, is_bpmn, local, q


@dataclass
class FlowGraph:
    kinds: dict[str, str] = field(default_factory=dict)          # node id -> element kind
    succ: dict[str, set[str]] = field(default_factory=dict)
    pred: dict[str, set[str]] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)         # node id -> containing subprocess id
    roots: list[str] = field(default_factory=list)
    attached: dict[str, str] = field(default_factory=dict)       # boundary event id -> host id
    interrupting: set[str] = field(default_factory=set)          # interrupting boundary events
    ends: list[str] = field(default_factory=list)                # end events of the process level
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)   # sequence flow id -> (source, target)

    def link(self, source: str, target: str) -> None:
        if source in self.kinds and target in self.kinds:
            self.succ[source].add(target)
            self.pred[target].add(source)

    def reachable(self, starts) -> set[str]:
        seen, stack = set(), [s for s in starts if s in self.kinds]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.succ[node] - seen)
        return seen


def build_graph(tree, process_id: str) -> FlowGraph:
    graph = FlowGraph()
    process = next((p for p in tree.getroot().iter(q("process")) if p.get("id") == process_id), None)
    if process is None:
        return graph
    nodes = [el for el in process.iter(*(q(n) for n in FLOW_NODES)) if el.get("id")]
    for el in nodes:
        node = el.get("id")
        graph.kinds[node] = local(el)
        graph.succ[node], graph.pred[node] = set(), set()
    for el in nodes:
        node, kind = el.get("id"), local(el)
        owner = container_of(el)
        inner = owner is not None and owner is not process
        if inner:
            graph.parent[node] = owner.get("id")
        entry = kind == "startEvent" or el.get("triggeredByEvent") == "true"
        if entry and inner:
            graph.link(owner.get("id"), node)
        elif entry:
            graph.roots.append(node)
        if kind == "endEvent" and not inner:
            graph.ends.append(node)
        if kind == "boundaryEvent" and el.get("attachedToRef"):
            graph.attached[node] = el.get("attachedToRef")
            graph.link(el.get("attachedToRef"), node)
            if el.get("cancelActivity", "true") != "false":
                graph.interrupting.add(node)
    for flow in process.iter(q("sequenceFlow")):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if is_bpmn(flow) and source in graph.kinds and target in graph.kinds:
            graph.flows[flow.get("id")] = (source, target)
            graph.link(source, target)
    return graph
