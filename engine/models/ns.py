"""XML namespaces and small lxml helpers shared by the model checks."""
from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}
SHORT = {BPMN: "bpmn", SPIFF: "spiffworkflow", CAMUNDA: "camunda", ZEEBE: "zeebe", BPMNDI: "bpmndi"}

# Flow nodes that live in a process or subprocess and take part in sequence flows.
ACTIVITIES = ("task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess")
EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
FLOW_NODES = ACTIVITIES + EVENTS + GATEWAYS
CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def q(name: str, ns: str = BPMN) -> str:
    """Clark name: q('task') -> '{bpmn-ns}task'."""
    return f"{{{ns}}}{name}"


def local(element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def namespace(element) -> str | None:
    tag = element.tag
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def is_bpmn(element, *names: str) -> bool:
    return namespace(element) == BPMN and (not names or local(element) in names)


def container_of(element):
    """The process or subprocess element that directly contains a flow element."""
    node = element.getparent()
    while node is not None and not is_bpmn(node, *CONTAINERS):
        node = node.getparent()
    return node
