"""Drawing models from their diagram interchange (engine/diagram): well-formed SVG, a shape per element,
Chinese labels, escaped names, and every MIWG reference file drawn or refused by name."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from engine.diagram import draw
from engine.diagram.text import esc, width, wrap
from engine.errors import DiagramNotFoundError
from engine.models.ns import BPMN, BPMNDI, FLOW_NODES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "bpmn"
SVG = "http://www.w3.org/2000/svg"
DRAWN = sorted(p for p in FIXTURES.glob("*.bpmn") if b"BPMNShape" in p.read_bytes())
SHARED = Path(os.environ.get("GWC_SHARED_DIR") or ROOT.parent / "shared")
CORPUS = sorted((SHARED / "corpus" / "miwg-reference").glob("*.bpmn"))


def svg_tree(svg: str):
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(svg.encode("utf-8"))          # well-formed, or this raises
    assert root.tag == f"{{{SVG}}}svg"
    return root


def groups(root) -> dict[str, etree._Element]:
    return {g.get("data-element-id"): g for g in root.iter(f"{{{SVG}}}g") if g.get("data-element-id")}


def drawn_elements(data: bytes, process_id: str) -> set[str]:
    """Flow nodes and sequence flows of the process that the file's diagram interchange places."""
    root = etree.fromstring(data)
    process = next(p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process_id)
    ids = {e.get("id") for e in process.iter(*(f"{{{BPMN}}}{n}" for n in FLOW_NODES + ("sequenceFlow",)))}
    placed = {d.get("bpmnElement") for d in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")}
    return ids & placed


def main_process(data: bytes) -> str:
    root = etree.fromstring(data)
    refs = [p.get("processRef") for p in root.iter(f"{{{BPMN}}}participant")]
    return refs[0] if refs else next(root.iter(f"{{{BPMN}}}process")).get("id")


@pytest.mark.parametrize("path", DRAWN, ids=lambda p: p.name)
def test_each_fixture_draws_a_shape_per_element_with_its_id(path):
    data = path.read_bytes()
    pid = main_process(data)
    root = svg_tree(draw(data, path.name, pid))
    expected = drawn_elements(data, pid)
    assert expected, "the fixture places its elements"
    assert expected <= set(groups(root))


def test_shapes_follow_the_bpmn_notation():
    data = (FIXTURES / "boundary_timer_interrupting.bpmn").read_bytes()
    root = svg_tree(draw(data, "boundary_timer_interrupting.bpmn", "boundary_timer_interrupting"))
    g = groups(root)
    assert g["approve"].get("data-element-type") == "userTask"
    task = g["approve"].find(f"{{{SVG}}}rect")
    assert float(task.get("rx")) > 0                                    # tasks: rounded rectangles
    assert "gwc-end" in g["approved_end"].find(f"{{{SVG}}}circle").get("class")   # end events: bold
    timer = g["approve_timeout"]
    circles = timer.findall(f"{{{SVG}}}circle")
    assert len(circles) >= 3                                            # double ring + clock face
    cx, cy = float(circles[0].get("cx")), float(circles[0].get("cy"))
    x, y = float(task.get("x")), float(task.get("y"))
    w, h = float(task.get("width")), float(task.get("height"))
    assert x <= cx <= x + w and abs(cy - (y + h)) < 1                   # on its host's border
    order = [el.get("data-element-id") for el in root.iter(f"{{{SVG}}}g")]
    assert order.index("approve_timeout") > order.index("approve")     # drawn over the host
    assert g["participant_boundary_timer_interrupting"].get("data-element-type") == "participant"
    flow = g["flow_start_to_approve"].find(f"{{{SVG}}}polyline")
    assert flow.get("marker-end") == "url(#gwc-arrow)" and len(flow.get("points").split()) >= 2


def test_gateways_are_diamonds_with_their_markers():
    for name, pid, kind in (("exclusive_gateway.bpmn", "exclusive_gateway", "exclusiveGateway"),
                            ("parallel_gateway.bpmn", "parallel_gateway", "parallelGateway"),
                            ("inclusive_gateway.bpmn", "inclusive_gateway", "inclusiveGateway")):
        root = svg_tree(draw((FIXTURES / name).read_bytes(), name, pid))
        gateways = [g for g in groups(root).values() if g.get("data-element-type") == kind]
        assert gateways, name
        for g in gateways:
            assert len(g.find(f"{{{SVG}}}polygon").get("points").split()) == 4
            marker = g.find(f"{{{SVG}}}circle") if kind == "inclusiveGateway" else g.find(f"{{{SVG}}}path")
            assert marker is not None and "gwc-marker-bold" in marker.get("class")


def test_chinese_names_render_as_utf8_text_with_a_cjk_font():
    data = (FIXTURES / "script_error.bpmn").read_bytes()
    svg = draw(data, "script_error.bpmn", "script_error")
    root = svg_tree(svg)
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text"))
    for name in ("开始", "计算", "核对结果", "结束", "脚本错误示例"):
        assert name in texts
        assert name.encode("utf-8") in svg.encode("utf-8")              # raw UTF-8, not entities
    assert "Noto Sans CJK SC" in root.get("font-family") and "Microsoft YaHei" in root.get("font-family")
    assert "Noto Sans CJK SC" in root.find(f"{{{SVG}}}style").text
    assert groups(root)["compute"].find(f"{{{SVG}}}title").text == "计算"


MALICIOUS = '"><script>alert(1)</script><g onload="alert(2)">&amp;'


def hostile_bpmn() -> bytes:
    bad = esc(MALICIOUS)
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs" targetNamespace="t">
  <bpmn:process id="hostile" name="{bad}" isExecutable="true">
    <bpmn:startEvent id="start" name="{bad}"/>
    <bpmn:task id="task" name="{bad}"/>
    <bpmn:endEvent id="end" name="{bad}"/>
    <bpmn:sequenceFlow id="flow" name="{bad}" sourceRef="start" targetRef="task"/>
    <bpmn:sequenceFlow id="flow_end" sourceRef="task" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="hostile">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="task_di" bpmnElement="task"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="flow_di" bpmnElement="flow"><di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/>
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="350" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="flow_end_di" bpmnElement="flow_end"><di:waypoint x="300" y="118"/><di:waypoint x="350" y="118"/>
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>'''.encode("utf-8")


def assert_inert(root) -> None:
    for el in root.iter():
        assert etree.QName(el).localname not in ("script", "foreignObject", "iframe")
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.attrib


def test_names_from_uploaded_files_cannot_inject_markup():
    root = svg_tree(draw(hostile_bpmn(), "hostile.bpmn", "hostile"))
    assert_inert(root)
    g = groups(root)
    for element in ("start", "task", "end", "flow"):
        assert g[element].find(f"{{{SVG}}}title").text == MALICIOUS  # shown as text, exactly
    assert root.find(f"{{{SVG}}}title").text == MALICIOUS


def test_a_model_without_diagram_interchange_is_refused_by_name():
    with pytest.raises(DiagramNotFoundError) as caught:
        draw((ROOT / "tests" / "fixtures" / "models" / "asset_request.bpmn").read_bytes(), "asset_request.bpmn",
             "asset_request")
    assert "BPMN DI" in caught.value.message and caught.value.code == "diagram_not_found"
    with pytest.raises(DiagramNotFoundError):
        draw(hostile_bpmn(), "hostile.bpmn", "no_such_process")
    with pytest.raises(DiagramNotFoundError):
        draw(b'<!DOCTYPE x [<!ENTITY e "x">]><x/>', "evil.bpmn", "x")


def test_labels_wrap_inside_their_shape():
    lines = wrap("审批申请并发送通知给所有相关部门的负责人与经办人", 90, 12, 3)
    assert len(lines) == 3 and all(width(line, 12) <= 90 for line in lines)
    assert lines[-1].endswith("…")
    assert wrap("Approve the request", 90) == ["Approve the", "request"]


def test_every_miwg_reference_file_is_drawn_or_refused_never_crashes():
    assert CORPUS, f"MIWG corpus not found in {SHARED} (set GWC_SHARED_DIR)"
    drawn = 0
    for path in CORPUS:
        data = path.read_bytes()
        for process in etree.fromstring(data).iter(f"{{{BPMN}}}process"):
            try:
                root = svg_tree(draw(data, path.name, process.get("id")))
            except DiagramNotFoundError:
                continue
            drawn += 1
            assert drawn_elements(data, process.get("id")) <= set(groups(root)), path.name
    assert drawn >= len(CORPUS)
