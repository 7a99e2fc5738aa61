"""SVG fragments for each kind of BPMN shape: events, gateways, activities, pools and lanes, artifacts.

Every function takes a Shape and returns SVG text; the outline carries class `gwc-shape` so that the
state classes on the enclosing group (gwc-completed, gwc-active, gwc-failed) can colour it.
"""
from __future__ import annotations

from .document import Shape
from .markers import circle, event_marker, icon, loop_marker, path, pts
from .text import esc, num, wrap

FONT = 12
LINE = 14


def text_block(lines: list[str], x: float, y: float, anchor: str = "middle", cls: str = "gwc-label") -> str:
    """Lines of text, the first baseline at `y`, each later one LINE lower."""
    if not lines:
        return ""
    spans = "".join(f'<tspan x="{num(x)}" y="{num(y + i * LINE)}">{esc(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text class="{cls}" text-anchor="{anchor}">{spans}</text>'


def centered_text(text: str, x: float, y: float, w: float, h: float, max_lines: int = 4) -> str:
    lines = wrap(text, max(w, 20), FONT, max_lines)
    top = y + h / 2 - (len(lines) - 1) * LINE / 2 + FONT * 0.35
    return text_block(lines, x + w / 2, top)


def event(shape: Shape) -> str:
    b = shape.bounds
    r = min(b.w, b.h) / 2
    cx, cy = b.cx, b.cy
    dashed = ' stroke-dasharray="4 3"' if not shape.interrupting and shape.kind in ("boundaryEvent", "startEvent") else ""
    if shape.kind == "endEvent":
        out = circle(cx, cy, r, "gwc-shape gwc-end")
    elif shape.kind == "startEvent":
        out = circle(cx, cy, r, "gwc-shape", dashed)
    else:
        out = circle(cx, cy, r, "gwc-shape", dashed) + circle(cx, cy, r - 3, "gwc-inner", dashed)
    return out + event_marker(shape.marker, cx, cy, r, shape.throwing)


def gateway(shape: Shape) -> str:
    b = shape.bounds
    cx, cy, s = b.cx, b.cy, min(b.w, b.h) * 0.22
    out = f'<polygon class="gwc-shape" points="{pts((cx, b.y), (b.x + b.w, cy), (cx, b.y + b.h), (b.x, cy))}"/>'
    kind = shape.kind
    if kind == "exclusiveGateway":
        out += path(f"M{num(cx - s)} {num(cy - s)} L{num(cx + s)} {num(cy + s)} M{num(cx + s)} {num(cy - s)} "
                     f"L{num(cx - s)} {num(cy + s)}", "gwc-marker-bold")
    elif kind == "parallelGateway":
        out += path(f"M{num(cx)} {num(cy - s * 1.2)} L{num(cx)} {num(cy + s * 1.2)} M{num(cx - s * 1.2)} {num(cy)} "
                     f"L{num(cx + s * 1.2)} {num(cy)}", "gwc-marker-bold")
    elif kind == "inclusiveGateway":
        out += circle(cx, cy, s * 1.1, "gwc-marker-bold")
    elif kind == "eventBasedGateway":
        out += circle(cx, cy, s * 1.3, "gwc-marker") + circle(cx, cy, s * 1.05, "gwc-marker")
        out += event_marker("multiple", cx, cy, s * 1.4, False)
    elif kind == "complexGateway":
        d = " ".join(f"M{num(cx - dx)} {num(cy - dy)} L{num(cx + dx)} {num(cy + dy)}"
                     for dx, dy in ((s, 0), (0, s), (s * 0.7, s * 0.7), (s * 0.7, -s * 0.7)))
        out += path(d, "gwc-marker-bold")
    return out


def activity(shape: Shape) -> str:
    b = shape.bounds
    kind = shape.kind
    cls = "gwc-shape gwc-call" if kind == "callActivity" else "gwc-shape"
    dash = ' stroke-dasharray="2 3"' if shape.event_subprocess else ""
    out = (f'<rect class="{cls}" x="{num(b.x)}" y="{num(b.y)}" width="{num(b.w)}" height="{num(b.h)}" '
           f'rx="10" ry="10"{dash}/>')
    if kind == "transaction":
        out += (f'<rect class="gwc-inner" x="{num(b.x + 3)}" y="{num(b.y + 3)}" width="{num(b.w - 6)}" '
                f'height="{num(b.h - 6)}" rx="8" ry="8"/>')
    container = kind in ("subProcess", "transaction", "adHocSubProcess")
    if container and shape.expanded:
        out += text_block(wrap(shape.name, b.w - 16, FONT, 2), b.x + 8, b.y + 18, "start")
    else:
        out += icon(kind, b.x + 5, b.y + 5)
        max_lines = max(1, int((b.h - 10) // LINE))
        out += centered_text(shape.name, b.x + 4, b.y, b.w - 8, b.h - (12 if shape.loop or container else 0),
                             max_lines)
    markers = loop_marker(shape.loop, b.cx + (8 if container and not shape.expanded and shape.loop else 0),
                           b.y + b.h)
    if container and not shape.expanded:
        cx, bottom = b.cx - (8 if shape.loop else 0), b.y + b.h
        markers += (f'<rect class="gwc-marker" x="{num(cx - 6)}" y="{num(bottom - 16)}" width="12" height="12"/>'
                    + path(f"M{num(cx - 4)} {num(bottom - 10)} L{num(cx + 4)} {num(bottom - 10)} "
                            f"M{num(cx)} {num(bottom - 14)} L{num(cx)} {num(bottom - 6)}"))
    return out + markers


def band(shape: Shape, cls: str) -> str:
    """A pool (participant) or lane: an outline with the name in a 30-unit header band."""
    b = shape.bounds
    out = f'<rect class="gwc-shape {cls}" x="{num(b.x)}" y="{num(b.y)}" width="{num(b.w)}" height="{num(b.h)}"/>'
    if shape.horizontal:
        line = wrap(shape.name, max(b.h - 10, 20), FONT, 1)
        cx, cy = b.x + 15, b.cy
        out += f'<path class="gwc-divider" d="M{num(b.x + 30)} {num(b.y)} L{num(b.x + 30)} {num(b.y + b.h)}"/>'
        if line:
            out += (f'<text class="gwc-label" text-anchor="middle" transform="rotate(-90 {num(cx)} {num(cy)})" '
                    f'x="{num(cx)}" y="{num(cy + FONT * 0.35)}">{esc(line[0])}</text>')
    else:
        out += f'<path class="gwc-divider" d="M{num(b.x)} {num(b.y + 30)} L{num(b.x + b.w)} {num(b.y + 30)}"/>'
        out += text_block(wrap(shape.name, max(b.w - 10, 20), FONT, 1), b.cx, b.y + 19)
    return out


def artifact(shape: Shape) -> str:
    b = shape.bounds
    x, y, w, h = b.x, b.y, b.w, b.h
    if shape.kind in ("dataObjectReference", "dataObject", "dataInput", "dataOutput"):
        fold = min(w, h) * 0.3
        return path(f"M{num(x)} {num(y)} L{num(x + w - fold)} {num(y)} L{num(x + w)} {num(y + fold)} "
                     f"L{num(x + w)} {num(y + h)} L{num(x)} {num(y + h)} Z M{num(x + w - fold)} {num(y)} "
                     f"L{num(x + w - fold)} {num(y + fold)} L{num(x + w)} {num(y + fold)}", "gwc-shape")
    if shape.kind == "dataStoreReference":
        e = min(h * 0.15, 8)
        return path(f"M{num(x)} {num(y + e)} A{num(w / 2)} {num(e)} 0 0 1 {num(x + w)} {num(y + e)} "
                     f"L{num(x + w)} {num(y + h - e)} A{num(w / 2)} {num(e)} 0 0 1 {num(x)} {num(y + h - e)} Z "
                     f"M{num(x)} {num(y + e)} A{num(w / 2)} {num(e)} 0 0 0 {num(x + w)} {num(y + e)}", "gwc-shape")
    if shape.kind == "textAnnotation":
        return (path(f"M{num(x + 10)} {num(y)} L{num(x)} {num(y)} L{num(x)} {num(y + h)} L{num(x + 10)} {num(y + h)}",
                      "gwc-annotation")
                + text_block(wrap(shape.name, max(w - 10, 20), FONT, max(1, int(h // LINE))), x + 6, y + 15, "start"))
    if shape.kind == "group":
        return (f'<rect class="gwc-group" x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" '
                f'rx="10" ry="10"/>')
    return (f'<rect class="gwc-shape gwc-unknown" x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}"/>'
            + centered_text(shape.name, x, y, w, h))
