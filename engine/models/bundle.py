"""The files of one deployment, read once and shared by every check."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .code import CodeChecker
from .ns import CONTAINERS, is_bpmn, local, q
from .problems import ERROR, Problem, element_problem, is_model_element


@dataclass
class Doc:
    """A parsed XML file of the bundle."""
    name: str
    tree: Any

    @property
    def root(self):
        return self.tree.getroot()

    @cached_property
    def ids(self) -> dict[str, Any]:
        ids: dict[str, Any] = {}
        for element in self.root.iter():
            if is_model_element(element) and element.get("id"):
                ids.setdefault(element.get("id"), element)
        return ids

    def problem(self, element, message: str, severity: str = ERROR) -> Problem:
        return element_problem(self.name, element, message, severity)

    def processes(self) -> list:
        """Top-level bpmn:process elements."""
        return [el for el in self.root if is_bpmn(el, "process")]

    def definitions(self, kind: str) -> dict[str, Any]:
        """Root-level definitions of a kind (message, error, signal, escalation) by id."""
        return {el.get("id"): el for el in self.root if el.tag == q(kind) and el.get("id")}


def is_executable(process) -> bool:
    """SpiffWorkflow's rule: a process is executable unless isExecutable says otherwise."""
    return process.get("isExecutable", "true") == "true"


def containers(root):
    """Every process and subprocess element of a document."""
    return [el for el in root.iter(*[q(name) for name in CONTAINERS])]


@dataclass
class Bundle:
    bpmn: list[Doc]
    dmn: list[Doc]
    json_files: dict[str, bytes]
    operators: Any
    code: CodeChecker
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def processes(self) -> dict[str, tuple[Doc, Any]]:
        """Top-level process id -> (document, element), first definition wins."""
        found: dict[str, tuple[Doc, Any]] = {}
        for doc in self.bpmn:
            for process in doc.processes():
                if process.get("id"):
                    found.setdefault(process.get("id"), (doc, process))
        return found

    @cached_property
    def decisions(self) -> dict[str, tuple[Doc, Any]]:
        """DMN decision id -> (document, element)."""
        found: dict[str, tuple[Doc, Any]] = {}
        for doc in self.dmn:
            for decision in doc.root:
                if isinstance(decision.tag, str) and local(decision) == "decision" and decision.get("id"):
                    found.setdefault(decision.get("id"), (doc, decision))
        return found
