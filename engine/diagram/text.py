"""Text for SVG: escaping (names come from uploaded files) and wrapping labels into a width.

Widths are estimated, not measured: a CJK or full-width character is one em, a Latin one about 0.6 em.
Chinese has no spaces, so a line may break between any two CJK characters; Latin words stay whole
unless a word alone is wider than the line.
"""
from __future__ import annotations

import re
import unicodedata

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_TOKENS = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff"
                     r"\uff00-\uffef\u3000-\u303f]+")


def esc(value) -> str:
    """Text safe inside an XML element or a double- or single-quoted attribute."""
    text = _NOT_XML.sub("", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def num(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def char_width(ch: str, size: float) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return size
    if ch in " il.,;:'|!()[]":
        return size * 0.3
    return size * 0.6


def width(text: str, size: float) -> float:
    return sum(char_width(ch, size) for ch in text)


def _split_long(word: str, limit: float, size: float) -> list[str]:
    parts, current = [], ""
    for ch in word:
        if current and width(current + ch, size) > limit:
            parts.append(current)
            current = ""
        current += ch
    return parts + ([current] if current else [])


def wrap(text: str, limit: float, size: float = 12, max_lines: int = 4) -> list[str]:
    """`text` in lines no wider than `limit`; past `max_lines` the last line ends with an ellipsis."""
    lines, current = [], ""
    for token in _TOKENS.findall(" ".join(_NOT_XML.sub("", text or "").split())):
        candidate = current + token
        if current and width(candidate.rstrip(), size) > limit:
            lines.append(current.rstrip())
            current = "" if token.isspace() else token
        else:
            current = candidate if (current or not token.isspace()) else ""
        if width(current, size) > limit and not current.isspace():
            pieces = _split_long(current, limit, size)
            lines.extend(pieces[:-1])
            current = pieces[-1]
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and width(last + "…", size) > limit:
            last = last[:-1]
        lines = lines[:max_lines - 1] + [last + "…"]
    return lines
