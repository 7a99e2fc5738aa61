"""Small SVG pictures inside shapes: event markers (timer, message, error...), task-type icons, loop
and collapsed-subprocess markers. Outlines use the classes gwc-marker, gwc-marker-bold, gwc-marker-fill."""
from __future__ import annotations

from .text import num


def circle(cx, cy, r, cls="gwc-shape", extra="") -> str:
    return f'<circle class="{cls}" cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}"{extra}/>'


def path(d: str, cls: str = "gwc-marker") -> str:
    return f'<path class="{cls}" d="{d}"/>'


def pts(*points) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


def event_marker(kind: str | None, cx: float, cy: float, r: float, filled: bool) -> str:
    fill = "gwc-marker-fill" if filled else "gwc-marker"
    s = r * 0.5
    if kind == "timer":
        return (circle(cx, cy, r * 0.6, "gwc-marker") +
                path(f"M{num(cx)} {num(cy)} L{num(cx)} {num(cy - s * 0.9)} M{num(cx)} {num(cy)} L{num(cx + s * 0.6)} {num(cy)}"))
    if kind == "message":
        x, y, w, h = cx - s, cy - s * 0.7, 2 * s, 1.4 * s
        flap = "gwc-marker-inverse" if filled else "gwc-marker"
        return (f'<rect class="{fill}" x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}"/>'
                + f'<polyline class="{flap}" points="{pts((x, y), (cx, cy), (x + w, y))}"/>')
    shapes = {
        "error": [(cx - s, cy + s), (cx - s * 0.4, cy - s), (cx + s * 0.1, cy + s * 0.1), (cx + s, cy - s),
                  (cx + s * 0.4, cy + s), (cx - s * 0.1, cy - s * 0.1)],
        "signal": [(cx, cy - s), (cx + s, cy + s * 0.75), (cx - s, cy + s * 0.75)],
        "escalation": [(cx, cy - s), (cx + s * 0.7, cy + s), (cx, cy + s * 0.3), (cx - s * 0.7, cy + s)],
        "link": [(cx - s, cy - s * 0.4), (cx + s * 0.2, cy - s * 0.4), (cx + s * 0.2, cy - s), (cx + s, cy),
                 (cx + s * 0.2, cy + s), (cx + s * 0.2, cy + s * 0.4), (cx - s, cy + s * 0.4)],
        "compensate": [(cx - s, cy), (cx, cy - s * 0.7), (cx, cy), (cx + s, cy - s * 0.7), (cx + s, cy + s * 0.7),
                       (cx, cy), (cx, cy + s * 0.7)],
        "multiple": [(cx, cy - s), (cx + s, cy - s * 0.2), (cx + s * 0.6, cy + s), (cx - s * 0.6, cy + s),
                     (cx - s, cy - s * 0.2)],
    }
    if kind in shapes:
        return f'<polygon class="{fill}" points="{pts(*shapes[kind])}"/>'
    if kind == "terminate":
        return circle(cx, cy, r * 0.6, "gwc-marker-fill")
    if kind == "conditional":
        x, y = cx - s * 0.7, cy - s
        lines = "".join(f"M{num(x + 2)} {num(y + s * k)} L{num(cx + s * 0.7 - 2)} {num(y + s * k)}" for k in (0.5, 1, 1.5))
        return (f'<rect class="gwc-marker" x="{num(x)}" y="{num(y)}" width="{num(s * 1.4)}" height="{num(2 * s)}"/>'
                + path(lines))
    if kind == "cancel":
        return path(f"M{num(cx - s)} {num(cy - s)} L{num(cx + s)} {num(cy + s)} M{num(cx + s)} {num(cy - s)} "
                     f"L{num(cx - s)} {num(cy + s)}", "gwc-marker-bold")
    return ""


def icon(kind: str, x: float, y: float) -> str:
    if kind == "userTask":
        return (circle(x + 8, y + 6, 3.5, "gwc-marker")
                + path(f"M{num(x + 1)} {num(y + 17)} Q{num(x + 1)} {num(y + 10)} {num(x + 8)} {num(y + 10)} "
                        f"Q{num(x + 15)} {num(y + 10)} {num(x + 15)} {num(y + 17)} Z"))
    if kind == "serviceTask":
        return (circle(x + 8, y + 9, 6, "gwc-gear") + circle(x + 8, y + 9, 2.5, "gwc-marker"))
    if kind == "scriptTask":
        return (f'<rect class="gwc-marker" x="{num(x + 2)}" y="{num(y + 2)}" width="12" height="15"/>'
                + path("".join(f"M{num(x + 5)} {num(y + k)} L{num(x + 11)} {num(y + k)} " for k in (6, 10, 14))))
    if kind == "businessRuleTask":
        return (f'<rect class="gwc-marker" x="{num(x + 1)}" y="{num(y + 3)}" width="16" height="12"/>'
                + path(f"M{num(x + 1)} {num(y + 7)} L{num(x + 17)} {num(y + 7)} M{num(x + 6)} {num(y + 7)} "
                        f"L{num(x + 6)} {num(y + 15)}"))
    if kind in ("sendTask", "receiveTask"):
        return event_marker("message", x + 9, y + 9, 14, kind == "sendTask")
    return ""


def loop_marker(loop: str | None, cx: float, bottom: float) -> str:
    if loop == "parallel":
        return path(" ".join(f"M{num(cx + dx)} {num(bottom - 16)} L{num(cx + dx)} {num(bottom - 4)}" for dx in (-4, 0, 4)),
                     "gwc-marker-bold")
    if loop == "sequential":
        return path(" ".join(f"M{num(cx - 6)} {num(bottom - dy)} L{num(cx + 6)} {num(bottom - dy)}" for dy in (15, 10, 5)),
                     "gwc-marker-bold")
    if loop == "loop":
        return path(f"M{num(cx - 3)} {num(bottom - 4)} A6 6 0 1 1 {num(cx + 3)} {num(bottom - 4)} "
                     f"M{num(cx - 3)} {num(bottom - 4)} l-4 1 M{num(cx - 3)} {num(bottom - 4)} l-1 -4")
    return ""


