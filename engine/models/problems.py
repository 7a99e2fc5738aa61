"""A problem found in a deployed model: what is wrong, in which file, on which line, at which element.

A problem is an "error" (the deploy is refused) or a "warning" (reported, never blocks a deploy).
Printed as `FILE:LINE: ELEMENT_ID: message` (the contract's format, which parsers rely on); the element's
name, when it has one, opens the message in 「」 and a warning's message starts with `warning: `:
`asset_request.bpmn:42: holder_gateway: warning: 「保管方是否同意？」 ...`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    element_id: str | None
    message: str
    severity: str = ERROR
    element_name: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity != WARNING

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "element_id": self.element_id, "message": self.message,
                "severity": self.severity, "element_name": self.element_name}

    def __str__(self) -> str:
        return format_problem(self.to_dict())


def format_problem(problem: dict) -> str:
    """`FILE:LINE: ELEMENT_ID: [warning: ]「name」 message` for a problem as a dict (to_dict, API details)."""
    line = problem.get("line")
    prefix = "warning: " if problem.get("severity") == WARNING else ""
    name = (problem.get("element_name") or "").strip()
    named = f"「{name}」 " if name else ""
    return (f"{problem.get('file')}:{'' if line is None else line}: {problem.get('element_id') or ''}: "
            f"{prefix}{named}{problem.get('message')}")


def element_problem(file: str, element, message: str, severity: str = ERROR) -> Problem:
    """A problem located at an lxml element: its line, and the id of it or its nearest ancestor."""
    return Problem(file, source_line(element), nearest_id(element), message, severity)


def warning(problem: Problem) -> Problem:
    return replace(problem, severity=WARNING)


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


def name_problems(problems: list[Problem], ids_by_file: dict[str, dict]) -> list[Problem]:
    """Fill in element_name from the named element (file -> {id: element}), names trimmed to one line."""
    named = []
    for problem in problems:
        element = ids_by_file.get(problem.file, {}).get(problem.element_id or "")
        name = " ".join((element.get("name") or "").split())[:80] if element is not None else ""
        named.append(replace(problem, element_name=name) if name and not problem.element_name else problem)
    return named


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Deduplicated, in file and line order."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0, p.element_id or "", p.message))
