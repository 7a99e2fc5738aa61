"""Drawing processes as SVG from their BPMN diagram interchange (framework-free: lxml and text).

- `draw(xml, filename, process_id)` draws a model as its designer laid it out (bpmndi shapes and edges).
- `draw(..., evidence=Evidence(...), caption=[...])` also marks what a case completed, is at and failed
  in (see progress.py for how that is inferred) and adds a legend.

A model without diagram interchange is refused with DiagramNotFoundError (HTTP 404, code
`diagram_not_found`) rather than laid out automatically: a drawing nobody designed would mislead more
than it helps, and every modeler (Camunda Modeler, bpmn.io, spiff-arena) writes bpmndi on save.
The XML is read with the hardened parser of engine/models/xml.py (no DTD, no entities, no network).
"""
from __future__ import annotations

from ..errors import DiagramNotFoundError
from ..models.xml import parse_xml
from .document import Diagram, read_diagram
from .graph import FlowGraph, build_graph
from .progress import Evidence, Marks, infer
from .svg import render

__all__ = ["Diagram", "Evidence", "FlowGraph", "Marks", "draw", "infer", "read"]


def read(xml: bytes, filename: str, process_id: str) -> tuple[Diagram, FlowGraph]:
    """The drawing and the flow graph of `process_id` in the BPMN file; DiagramNotFoundError if none."""
    tree, problems = parse_xml(xml, filename)
    if tree is None:
        raise DiagramNotFoundError(f"无法读取 {filename}，不能绘制流程图: {problems[0].message if problems else ''}")
    diagram = read_diagram(tree, process_id)
    if diagram is None:
        raise DiagramNotFoundError(
            f"流程 {process_id} 的文件 {filename} 没有图形信息（BPMN DI），无法绘制；请在建模工具"
            f"（如 Camunda Modeler）中打开并保存后重新部署 (the model has no diagram interchange)")
    return diagram, build_graph(tree, process_id)


def draw(xml: bytes, filename: str, process_id: str, evidence: Evidence | None = None,
         caption: list[str] | None = None) -> str:
    diagram, graph = read(xml, filename, process_id)
    marks = infer(graph, evidence) if evidence is not None else None
    return render(diagram, marks, caption)
