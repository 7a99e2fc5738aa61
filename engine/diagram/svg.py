"""Rendering a Diagram as SVG text, optionally with a case's marks and a legend.

Every BPMN element becomes `<g class="gwc-element gwc-KIND [gwc-STATE]" data-element-id="ID"
data-element-type="KIND">` with a `<title>` (its name: a tooltip in browsers). States are the classes
gwc-completed (green), gwc-active (orange) and gwc-failed (red). Text is escaped everywhere and uses a
CJK-capable font list. Drawing order: pools and lanes, expanded subprocesses and groups, edges, flow
nodes, boundary events (on top of their hosts), then the legend.
"""
from __future__ import annotations

from .document import Diagram, Edge, Shape
from .markers import path
from .progress import Marks
from .shapes import FONT, LINE, activity, artifact, band, event, gateway, text_block
from .text import esc, num, wrap

FONT_FAMILY = ("'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', "
               "'WenQuanYi Micro Hei', sans-serif")
INK, DONE, ACTIVE, FAILED = "#22242a", "#2e7d32", "#e65100", "#c62828"
STYLE = f"""
text{{font-family:{FONT_FAMILY};font-size:{FONT}px;fill:{INK}}}
.gwc-shape{{fill:#fff;stroke:{INK};stroke-width:1.5}}
.gwc-lane{{fill:none}} .gwc-end,.gwc-call{{stroke-width:4}}
.gwc-inner,.gwc-divider,.gwc-marker,.gwc-annotation{{fill:none;stroke:{INK};stroke-width:1.2}}
.gwc-marker-bold{{fill:none;stroke:{INK};stroke-width:3}} .gwc-marker-fill{{fill:{INK};stroke:{INK}}}
.gwc-marker-inverse{{fill:none;stroke:#fff;stroke-width:1.2}}
.gwc-gear{{fill:none;stroke:{INK};stroke-width:3;stroke-dasharray:2.4 2.3}}
.gwc-group{{fill:none;stroke:{INK};stroke-width:1.2;stroke-dasharray:8 4 2 4}} .gwc-unknown{{stroke-dasharray:4 2}}
.gwc-flow{{fill:none;stroke:{INK};stroke-width:1.5;stroke-linejoin:round}}
.gwc-messageFlow .gwc-flow{{stroke-dasharray:6 4}} .gwc-association .gwc-flow{{stroke-dasharray:2 3}}
.gwc-completed .gwc-shape{{fill:#e8f5e9;stroke:{DONE}}} .gwc-completed .gwc-flow{{stroke:{DONE};stroke-width:2}}
.gwc-active .gwc-shape{{fill:#fff3e0;stroke:{ACTIVE};stroke-width:3}}
.gwc-failed .gwc-shape{{fill:#ffebee;stroke:{FAILED};stroke-width:3}}
.gwc-lane.gwc-shape,.gwc-completed .gwc-lane,.gwc-active .gwc-lane{{fill:none}}
.gwc-caption{{fill:#555}} .gwc-panel-title{{font-weight:bold}}
"""
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
LABELLED_OUTSIDE = EVENTS | GATEWAYS | {"dataObjectReference", "dataStoreReference"}
LEGEND = (("completed", "已完成 (completed)"), ("active", "进行中 (active)"), ("failed", "失败 (failed)"))


def _defs() -> str:
    def arrow(mid, color, fill):
        return (f'<marker id="{mid}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" '
                f'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 Z" fill="{fill}" stroke="{color}"/></marker>')
    return ("<defs>" + arrow("gwc-arrow", INK, INK) + arrow("gwc-arrow-done", DONE, DONE)
            + arrow("gwc-arrow-open", INK, "#fff")
            + '<marker id="gwc-dot" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse">'
            f'<circle cx="5" cy="5" r="4" fill="#fff" stroke="{INK}"/></marker></defs>')


def _group(kind: str, element_id: str, name: str, state: str | None, inner: str) -> str:
    classes = f"gwc-element gwc-{kind}" + (f" gwc-{state}" if state else "")
    data = f' data-state="{state}"' if state else ""
    return (f'<g class="{esc(classes)}" data-element-id="{esc(element_id)}" data-element-type="{esc(kind)}"{data}>'
            f"<title>{esc(name or element_id)}</title>{inner}</g>")


def _outside_label(shape: Shape) -> str:
    if not shape.name:
        return ""
    b, lb = shape.bounds, shape.label
    if lb is not None and lb.w > 0:
        return text_block(wrap(shape.name, max(lb.w + 10, 60), FONT, 4), lb.cx, lb.y + FONT)
    return text_block(wrap(shape.name, 100, FONT, 3), b.cx, b.y + b.h + 4 + FONT)


def _shape(shape: Shape, state: str | None) -> str:
    kind = shape.kind
    if kind in ("participant", "lane"):
        inner = band(shape, f"gwc-{'pool' if kind == 'participant' else 'lane'}")
    elif kind in EVENTS:
        inner = event(shape)
    elif kind in GATEWAYS:
        inner = gateway(shape)
    elif kind in ACTIVITIES:
        inner = activity(shape)
    else:
        inner = artifact(shape)
    if kind in LABELLED_OUTSIDE:
        inner += _outside_label(shape)
    return _group(kind, shape.id, shape.name, state, inner)


def _edge(edge: Edge, state: str | None) -> str:
    points = " ".join(f"{num(x)},{num(y)}" for x, y in edge.points)
    done = state == "completed"
    ends = {"sequenceFlow": f' marker-end="url(#{"gwc-arrow-done" if done else "gwc-arrow"})"',
            "messageFlow": ' marker-start="url(#gwc-dot)" marker-end="url(#gwc-arrow-open)"',
            "dataInputAssociation": ' marker-end="url(#gwc-arrow-open)"',
            "dataOutputAssociation": ' marker-end="url(#gwc-arrow-open)"'}.get(edge.kind, "")
    inner = f'<polyline class="gwc-flow" points="{points}"{ends}/>'
    (x1, y1), (x2, y2) = edge.points[0], edge.points[1]
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    if edge.default and length > 12:
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        mx, my = x1 + ux * 10, y1 + uy * 10
        inner += path(f"M{num(mx - 5 * ux - 5 * uy)} {num(my - 5 * uy + 5 * ux)} "
                      f"L{num(mx + 5 * ux + 5 * uy)} {num(my + 5 * uy - 5 * ux)}", "gwc-marker")
    if edge.name:
        if edge.label is not None and edge.label.w > 0:
            inner += text_block(wrap(edge.name, max(edge.label.w + 10, 60), FONT, 3), edge.label.cx,
                                edge.label.y + FONT)
        else:
            mid = len(edge.points) // 2
            (ax, ay), (bx, by) = edge.points[mid - 1], edge.points[mid]
            if abs(bx - ax) < abs(by - ay):      # a vertical segment: the name beside it
                inner += text_block(wrap(edge.name, 100, FONT, 2), (ax + bx) / 2 + 5, (ay + by) / 2, "start")
            else:
                inner += text_block(wrap(edge.name, 100, FONT, 2), (ax + bx) / 2, (ay + by) / 2 - 6)
    return _group(edge.kind, edge.id, edge.name, state, inner)


def _extent(diagram: Diagram) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for shape in diagram.shapes:
        for b in (shape.bounds, shape.label):
            if b is not None:
                xs += [b.x, b.x + b.w]
                ys += [b.y, b.y + b.h]
        if shape.label is None and shape.name and shape.kind in LABELLED_OUTSIDE:
            xs += [shape.bounds.cx - 55, shape.bounds.cx + 55]
            ys.append(shape.bounds.y + shape.bounds.h + 4 + 3 * LINE)
    for edge in diagram.edges:
        xs += [x for x, _ in edge.points]
        ys += [y for _, y in edge.points]
    return min(xs), min(ys), max(xs), max(ys)


def _content(diagram: Diagram, state) -> list[str]:
    shapes = diagram.shapes
    layers = [[s for s in shapes if s.kind in ("participant", "lane")],
              [s for s in shapes if (s.kind in CONTAINERS and s.expanded) or s.kind == "group"]]
    drawn = {id(s) for layer in layers for s in layer}
    boundary = [s for s in shapes if s.kind == "boundaryEvent"]
    nodes = [s for s in shapes if id(s) not in drawn and s.kind != "boundaryEvent"]
    parts = [_shape(s, state(s.id)) for layer in layers for s in layer]
    parts += [_edge(e, state(e.id)) for e in diagram.edges]
    return parts + [_shape(s, state(s.id)) for s in nodes + boundary]


def _panels(diagram: Diagram, state, left: float, top: float) -> tuple[list[str], float, float]:
    """Drill-down planes of collapsed subprocesses, stacked below `top`; returns (parts, right, bottom)."""
    parts, right, bottom = [], left, top
    for panel in diagram.panels:
        pminx, pminy, pmaxx, pmaxy = _extent(panel)
        heading = bottom + 30
        dx, dy = left - pminx, heading + 14 - pminy
        parts.append(f'<g class="gwc-panel" data-subprocess-id="{esc(panel.process_id)}">'
                     f'<text class="gwc-panel-title" x="{num(left)}" y="{num(heading)}">'
                     f'{esc("子流程：" + panel.name)}</text>'
                     f'<g transform="translate({num(dx)} {num(dy)})">' + "".join(_content(panel, state)) + "</g></g>")
        right, bottom = max(right, pmaxx + dx), pmaxy + dy
    return parts, right, bottom


def _legend(x: float, y: float, caption: list[str]) -> str:
    out = ['<g class="gwc-legend">']
    for i, (state, label) in enumerate(LEGEND):
        left = x + i * 150
        out.append(f'<g class="gwc-legend-item gwc-{state}"><rect class="gwc-shape" x="{num(left)}" y="{num(y)}" '
                   f'width="18" height="14" rx="3" ry="3"/>'
                   f'<text x="{num(left + 24)}" y="{num(y + 11)}">{esc(label)}</text></g>')
    out.append(text_block(caption, x, y + 14 + LINE + 4, "start", "gwc-caption"))
    return "".join(out) + "</g>"


def render(diagram: Diagram, marks: Marks | None = None, caption: list[str] | None = None) -> str:
    """The SVG document (text). With `marks`, elements get state classes and a legend is drawn below."""
    state = marks.state_of if marks is not None else (lambda _id: None)
    minx, miny, maxx, maxy = _extent(diagram)
    panels, right, bottom = _panels(diagram, state, minx, maxy)
    maxx, maxy = max(maxx, right), max(maxy, bottom)
    legend = marks is not None
    caption = caption or []
    height_extra = (14 + LINE * (len(caption) + 1) + 20) if legend else 0
    x0, y0 = minx - 20, miny - 20
    width, height = max(maxx - minx + 40, 480 if legend else 40), maxy - miny + 40 + height_extra
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{num(width)}" height="{num(height)}" '
             f'viewBox="{num(x0)} {num(y0)} {num(width)} {num(height)}" role="img" '
             f'aria-label="{esc(diagram.name)}" font-family="{esc(FONT_FAMILY)}">',
             f"<title>{esc(diagram.name)}</title>", f"<style>{STYLE}</style>", _defs(),
             f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(width)}" height="{num(height)}" fill="#fff"/>',
             *_content(diagram, state), *panels]
    if legend:
        parts.append(_legend(minx, maxy + 20, caption))
    parts.append("</svg>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(parts) + "\n"
