"""Which elements a case has completed, is at, or failed in — inferred from what its tables record.

The case's tables record only some elements: human tasks (created, completed), timers and message waits,
service calls, incidents. The rest (start events, scripts, gateways, end events) is inferred from the
flow graph: an element that lies on every path from the start to an element the case reached
(a dominator) was passed; every branch into a parallel join that was passed was passed too; when the
case completed, the end event is the one every way onward from its last recorded element leads to.
An element the records cannot prove is left unmarked rather than guessed (e.g. which branch of a
gateway after the last recorded task a completed case took). The host of an interrupting boundary
event that fired is not marked completed unless the records say it was.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .graph import FlowGraph

MAX_NODES = 3000      # beyond this only the recorded elements are marked (dominators are quadratic)


@dataclass
class Evidence:
    passed: set[str] = field(default_factory=set)     # completed per the records
    reached: set[str] = field(default_factory=set)    # seen in any way (created, cancelled, queued...)
    active: set[str] = field(default_factory=set)     # open tasks, waiting timers and messages, running jobs
    failed: set[str] = field(default_factory=set)     # unresolved incidents
    last: str | None = None                           # the latest element the records name
    finished: bool = False                            # the case completed


@dataclass(frozen=True)
class Marks:
    completed: frozenset = frozenset()
    active: frozenset = frozenset()
    failed: frozenset = frozenset()
    flows: frozenset = frozenset()                    # sequence flows taken

    def state_of(self, element_id: str) -> str | None:
        for state in ("failed", "active", "completed"):
            if element_id in getattr(self, state):
                return state
        return element_id in self.flows and "completed" or None


def dominators(graph: FlowGraph, roots: list[str]) -> dict[str, set[str]]:
    """For each node reachable from `roots`: the nodes on every path from a root to it (itself included)."""
    reach = graph.reachable(roots)
    order, seen = [], set()
    for root in roots:                                 # reverse post-order speeds up convergence
        stack = [(root, iter(sorted(graph.succ[root])))] if root in reach and root not in seen else []
        seen.add(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                order.append(stack.pop()[0])
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(sorted(graph.succ[child]))))
    order.reverse()
    entry = set(roots) if len(roots) == 1 else set()
    dom = {n: ({n} | entry if n in roots else set(reach)) for n in reach}
    changed = True
    while changed:
        changed = False
        for node in order:
            if node in roots:
                continue
            preds = [dom[p] for p in graph.pred[node] if p in reach]
            new = {node} | (set.intersection(*preds) if preds else set())
            if new != dom[node]:
                dom[node], changed = new, True
    return dom


def infer(graph: FlowGraph, ev: Evidence) -> Marks:
    known = lambda ids: {i for i in ids if i in graph.kinds}   # noqa: E731
    passed, failed = known(ev.passed), known(ev.failed)
    active = known(ev.active) - failed
    seen = passed | known(ev.reached) | active | failed
    completed = set(passed)
    if len(graph.kinds) <= MAX_NODES:
        roots = [r for r in graph.roots if graph.reachable([r]) & seen] or list(graph.roots)
        dom = dominators(graph, roots)
        frontier = set(seen)
        while frontier:
            for node in frontier:
                completed |= dom.get(node, {node}) - {node}
            joins = {p for n in completed | seen if graph.kinds[n] == "parallelGateway" and len(graph.pred[n]) > 1
                     for p in graph.pred[n]}
            frontier = joins - completed
            completed |= frontier
        if ev.finished:
            completed |= _finish(graph, ev.last if ev.last in graph.kinds else (roots[0] if len(roots) == 1
                                                                                 else None))
    for boundary in seen & graph.interrupting:
        if graph.attached[boundary] not in passed:
            completed.discard(graph.attached[boundary])
    for node in list(active | failed):
        parent = graph.parent.get(node)
        while parent is not None:
            active.add(parent)
            parent = graph.parent.get(parent)
    active -= failed
    completed -= active | failed
    reached = completed | active | failed
    flows = {fid for fid, (s, t) in graph.flows.items() if s in completed and t in reached}
    return Marks(frozenset(completed), frozenset(active), frozenset(failed), frozenset(flows))


def _finish(graph: FlowGraph, anchor: str | None) -> set[str]:
    """For a completed case: the end event every way on from `anchor` leads to, and what lies between."""
    if anchor is None:
        return set()
    ends = [e for e in graph.ends if e in graph.reachable([anchor])]
    if len(ends) != 1:
        return set()
    return dominators(graph, [anchor]).get(ends[0], set())
