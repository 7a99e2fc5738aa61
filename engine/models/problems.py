"""A problem found in a deployed model: what is wrong, in which file, on which line, at which element."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    element_id: str | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        line = "" if self.line is None else str(self.line)
        element = self.element_id or ""
        return f"{self.file}:{line}: {element}: {self.message}"


def element_problem(file: str, element, message: str) -> Problem:
    """A problem located at an lxml element: its line, and the id of it or its nearest ancestor."""
    return Problem(file, source_line(element), nearest_id(element), message)


def source_line(element) -> int | None:
    node = element
    while node is not None:
        line = getattr(node, "sourceline", None)
        if isinstance(line, int) and line > 0:
            return line
        node = node.getparent()
    return None


_MODEL_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/MODEL", "omg.org/spec/DMN/")


def is_model_element(node) -> bool:
    """BPMN or DMN elements, whose id attribute is an element id (in extensions, `id` is often a name)."""
    tag = getattr(node, "tag", None)
    return isinstance(tag, str) and tag.startswith("{") and any(ns in tag for ns in _MODEL_NAMESPACES)


def nearest_id(element) -> str | None:
    """The id of the element or of its nearest BPMN/DMN ancestor that has one."""
    node = element
    while node is not None:
        if is_model_element(node) and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Deduplicated, in file and line order."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0, p.element_id or "", p.message))
