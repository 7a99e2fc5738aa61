"""Sequence flows: references that resolve, gateway conditions, and splits the engine misreads.

Back-edge loops (cycles in the flow graph) are allowed: the engine prunes history so loops run deep.
An exclusive or inclusive gateway whose every outgoing flow has a condition and none is the default is
a warning: when no condition holds the case stops with an error. Reachability and paths that end
nowhere are checked in reach.py.
"""
from __future__ import annotations

from .bundle import Doc, containers
from .ns import ACTIVITIES, EVENTS, FLOW_NODES, GATEWAYS, is_bpmn, local, q
from .problems import WARNING, Problem, is_model_element

_NEEDS_ID = FLOW_NODES + ("sequenceFlow", "process", "lane", "message", "error", "signal", "escalation")


def _condition(flow):
    expression = flow.find(q("conditionExpression"))
    return expression if expression is not None and (expression.text or "").strip() else None


def _id_problems(doc: Doc) -> list[Problem]:
    """Missing ids on elements that need one, and ids used twice in the file."""
    problems, seen = [], set()
    for element in doc.root.iter():
        element_id = element.get("id") if is_model_element(element) else None
        if element_id and element_id in seen:
            problems.append(Problem(doc.name, element.sourceline, element_id,
                                    f"id \"{element_id}\" 重复：同一文件中每个元素的 id 必须唯一 (duplicate id)"))
        seen.add(element_id)
    for element in doc.root.iter(*[q(name) for name in _NEEDS_ID]):
        if not element.get("id"):
            problems.append(Problem(doc.name, element.sourceline, None,
                                    f"第 {element.sourceline} 行的 <bpmn:{local(element)}> 没有 id；请给它一个唯一的 id "
                                    f"(missing id)"))
    return problems


def _ref_problems(doc: Doc, flow, nodes: dict) -> list[Problem]:
    problems = []
    for attribute, role in (("sourceRef", "起点"), ("targetRef", "终点")):
        ref = flow.get(attribute)
        if not ref or ref in nodes:
            continue
        if ref in doc.ids:
            problems.append(doc.problem(flow, f"顺序流 {flow.get('id')} 的{role} {ref} 不在同一个流程或子流程里；"
                                              f"顺序流不能穿过子流程的边界 ({attribute} crosses a subprocess boundary)"))
        else:
            problems.append(doc.problem(flow, f"顺序流 {flow.get('id')} 的{role} {ref} 不存在；请重新连接这条顺序流 "
                                              f"({attribute} \"{ref}\" does not exist)"))
    return problems


def _gateway_problems(doc: Doc, gateway, outgoing: list) -> list[Problem]:
    kind = local(gateway)
    problems = []
    default = gateway.get("default")
    if default and default not in {flow.get("id") for flow in outgoing}:
        problems.append(doc.problem(gateway, f"网关 {gateway.get('id')} 的默认流 (default) {default} 不是它的出口顺序流 "
                                             f"(default flow is not an outgoing flow)"))
    if kind in ("exclusiveGateway", "inclusiveGateway") and len(outgoing) > 1:
        name = "排他网关" if kind == "exclusiveGateway" else "包容网关"
        if not default and all(_condition(flow) is not None for flow in outgoing):
            problems.append(doc.problem(gateway, f"{name} {gateway.get('id')} 没有默认流：如果所有条件都不成立，案件会出错停下；"
                                                 f"建议把兜底的那条出口设为默认流 (no default flow)", WARNING))
        for flow in outgoing:
            if _condition(flow) is None and flow.get("id") != default:
                problems.append(doc.problem(flow, f"{name} {gateway.get('id')} 的出口顺序流 {flow.get('id')} 既没有条件也不是"
                                                  f"默认流；请给它加条件，或把它设为默认流 (flow needs a condition or "
                                                  f"must be the default flow)"))
    elif kind in ("parallelGateway", "eventBasedGateway"):
        for flow in outgoing:
            if _condition(flow) is not None:
                problems.append(doc.problem(flow, f"并行网关和事件网关出口上的条件会被忽略；要按条件选路请改用排他网关或包容网关 "
                                                  f"(conditions after a {kind} are ignored)"))
    return problems


def _node_problems(doc: Doc, node, outgoing: list, incoming: list) -> list[Problem]:
    kind, node_id, problems = local(node), node.get("id"), []
    if kind in ACTIVITIES or kind in EVENTS:
        if len(outgoing) > 1 and kind != "startEvent":
            problems.append(doc.problem(node, f"{node_id} 有 {len(outgoing)} 条出口顺序流，引擎不支持从活动或事件直接分叉；"
                                              f"请在它后面加一个并行网关（都走）或排他网关（选一条） "
                                              f"(use a gateway to split)"))
        for flow in outgoing:
            if _condition(flow) is not None:
                problems.append(doc.problem(flow, f"顺序流 {flow.get('id')} 从 {node_id} 出发，它上面的条件会被引擎忽略；"
                                                  f"请在 {node_id} 后面加一个排他网关，把条件放在网关的出口上 "
                                                  f"(conditional flows from activities are ignored)"))
    orphan = kind not in ("startEvent", "boundaryEvent") and node.get("triggeredByEvent") != "true"
    if orphan and not incoming and node.get("isForCompensation") != "true" \
            and node.find(q("linkEventDefinition")) is None:
        problems.append(doc.problem(node, f"{node_id} 没有入口顺序流，永远不会执行；请把它连进流程，或删除它 "
                                          f"(no incoming sequence flow)"))
    return problems


def check_flows(doc: Doc) -> list[Problem]:
    problems = _id_problems(doc)
    for container in containers(doc.root):
        if container.tag == q("adHocSubProcess"):
            continue  # refused by name; its activities have no flows by design
        nodes = {el.get("id"): el for el in container if is_bpmn(el, *FLOW_NODES) and el.get("id")}
        flows = [el for el in container if is_bpmn(el, "sequenceFlow")]
        outgoing: dict[str, list] = {}
        incoming: dict[str, list] = {}
        for flow in flows:
            problems += _ref_problems(doc, flow, nodes)
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            incoming.setdefault(flow.get("targetRef"), []).append(flow)
        for node_id, node in nodes.items():
            out, into = outgoing.get(node_id, []), incoming.get(node_id, [])
            if local(node) in GATEWAYS:
                problems += _gateway_problems(doc, node, out)
            problems += _node_problems(doc, node, out, into)
    return problems
