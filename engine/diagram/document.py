"""Reading a process's BPMN diagram interchange (bpmndi) into plain shapes and edges.

Only the plane that shows the process is read: a plane whose `bpmnElement` is the process, a
collaboration with a participant for it, or (tools that leave it out) any plane holding a shape of one
of its flow nodes. Names, markers and kinds come from the semantic elements the shapes point at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..models.ns import BPMNDI, is_bpmn, local, q

DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
EVENT_MARKERS = ("timer", "message", "error", "signal", "escalation", "terminate", "conditional", "link",
                 "compensate", "cancel")
LOOPS = {"multiInstanceLoopCharacteristics": "parallel", "standardLoopCharacteristics": "loop"}


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Shape:
    id: str
    kind: str                      # local name of the semantic element: userTask, lane, participant...
    name: str
    bounds: Bounds
    label: Bounds | None = None
    horizontal: bool = True
    expanded: bool = True
    marker: str | None = None      # event definition: timer, message, error... ("multiple" for several)
    throwing: bool = False
    interrupting: bool = True
    attached_to: str | None = None
    loop: str | None = None        # parallel, sequential, loop
    event_subprocess: bool = False


@dataclass
class Edge:
    id: str
    kind: str                      # sequenceFlow, messageFlow, association, dataInputAssociation...
    name: str
    points: list[tuple[float, float]]
    label: Bounds | None = None
    default: bool = False


@dataclass
class Diagram:
    process_id: str
    name: str
    shapes: list[Shape] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    panels: list["Diagram"] = field(default_factory=list)   # drill-down planes of collapsed subprocesses


def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _bounds(element) -> Bounds | None:
    b = element.find(q("Bounds", DC)) if element is not None else None
    if b is None:
        return None
    values = [_num(b.get(k)) for k in ("x", "y", "width", "height")]
    if any(v is None for v in values) or values[2] < 0 or values[3] < 0:
        return None
    return Bounds(*values)


def _name(element) -> str:
    if element is None:
        return ""
    if local(element) == "textAnnotation":
        text = element.find(q("text"))
        return (text.text or "").strip() if text is not None else ""
    return (element.get("name") or "").strip()


def find_plane(root, process_id: str):
    """The BPMNPlane that draws `process_id`, or None."""
    owners = {process_id}
    for collab in root.iter(q("collaboration")):
        if any(p.get("processRef") == process_id for p in collab.iter(q("participant"))):
            owners.add(collab.get("id"))
    planes = list(root.iter(q("BPMNPlane", BPMNDI)))
    for plane in planes:
        if plane.get("bpmnElement") in owners:
            return plane
    process = next((p for p in root.iter(q("process")) if p.get("id") == process_id), None)
    nodes = {el.get("id") for el in process.iter()} if process is not None else set()
    for plane in planes:
        if any(s.get("bpmnElement") in nodes for s in plane.iter(q("BPMNShape", BPMNDI))):
            return plane
    return None


def _event_marker(element) -> tuple[str | None, bool]:
    kinds = [local(c)[: -len("EventDefinition")] for c in element
             if is_bpmn(c) and local(c).endswith("EventDefinition")]
    kinds += ["message" for _ in element.iter(q("messageEventDefinitionRef"))]
    marker = None if not kinds else kinds[0] if len(kinds) == 1 else "multiple"
    if marker is not None and marker not in EVENT_MARKERS and marker != "multiple":
        marker = None
    throwing = local(element) in ("endEvent", "intermediateThrowEvent")
    return marker, throwing


def _shape(di, element, element_id: str) -> Shape | None:
    bounds = _bounds(di)
    if bounds is None:
        return None
    kind = local(element) if element is not None and is_bpmn(element) else "unknown"
    shape = Shape(element_id, kind, _name(element), bounds, _bounds(di.find(q("BPMNLabel", BPMNDI))),
                  horizontal=di.get("isHorizontal", "true") != "false",
                  expanded=di.get("isExpanded", "true" if kind in ("participant", "lane") else "false") == "true")
    if element is None:
        return shape
    if kind.endswith("Event"):
        shape.marker, shape.throwing = _event_marker(element)
        shape.interrupting = (element.get("cancelActivity", "true") != "false"
                              and element.get("isInterrupting", "true") != "false")
        shape.attached_to = element.get("attachedToRef")
    for child in element:
        if is_bpmn(child) and local(child) in LOOPS:
            shape.loop = LOOPS[local(child)]
            if child.get("isSequential") == "true":
                shape.loop = "sequential"
    shape.event_subprocess = element.get("triggeredByEvent") == "true"
    return shape


def _read_plane(plane, by_id: dict, diagram: Diagram) -> Diagram:
    for di in plane.iter(q("BPMNShape", BPMNDI), q("BPMNEdge", BPMNDI)):
        element_id = di.get("bpmnElement") or ""
        element = by_id.get(element_id)
        if local(di) == "BPMNShape":
            shape = _shape(di, element, element_id)
            if shape is not None:
                diagram.shapes.append(shape)
            continue
        points = [(_num(p.get("x")), _num(p.get("y"))) for p in di.iter(q("waypoint", DI))]
        points = [(x, y) for x, y in points if x is not None and y is not None]
        if len(points) < 2:
            continue
        kind = local(element) if element is not None and is_bpmn(element) else "unknown"
        source = by_id.get(element.get("sourceRef")) if element is not None else None
        default = source is not None and source.get("default") == element_id
        diagram.edges.append(Edge(element_id, kind, _name(element), points,
                                  _bounds(di.find(q("BPMNLabel", BPMNDI))), default))
    return diagram


def read_diagram(tree, process_id: str) -> Diagram | None:
    """The process's drawing from the parsed BPMN `tree`; None when the file has no diagram of it.
    Planes of its collapsed subprocesses (bpmn.io draws their content on a plane of their own) become
    panels, drawn below the main plane."""
    root = tree.getroot()
    by_id = {}
    for el in root.iter():
        if is_bpmn(el) and el.get("id"):           # extensions may reuse ids (seen in the MIWG files)
            by_id.setdefault(el.get("id"), el)
    process = by_id.get(process_id)
    if process is None or not is_bpmn(process, "process"):
        return None
    plane = find_plane(root, process_id)
    if plane is None:
        return None
    diagram = _read_plane(plane, by_id, Diagram(process_id, _name(process) or process_id))
    inner = {el.get("id") for el in process.iter(q("subProcess"), q("transaction"), q("adHocSubProcess"))}
    for other in root.iter(q("BPMNPlane", BPMNDI)):
        target = other.get("bpmnElement")
        if other is not plane and target in inner:
            panel = _read_plane(other, by_id, Diagram(target, _name(by_id[target]) or target))
            if panel.shapes:
                diagram.panels.append(panel)
    return diagram if diagram.shapes else None
