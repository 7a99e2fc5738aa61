"""What a valid deployment yields: one ProcessDefinition per executable process, plus the forms."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import ModelInvalidError

from .problems import Problem


@dataclass(frozen=True)
class ProcessMessages:
    """Messages a case of the process may wait for, and the ones that start it."""
    waits_for: tuple[str, ...] = ()
    start_messages: tuple[str, ...] = ()
    # message name -> names of the correlation properties it is matched on
    correlations: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def has_message_start(self) -> bool:
        return bool(self.start_messages)

    @property
    def start_message(self) -> str | None:
        return self.start_messages[0] if self.start_messages else None


@dataclass
class ProcessDefinition:
    id: str
    name: str
    file: str                          # the BPMN file defining the process
    spec: Any                          # BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    roles: list[str]                   # sorted lane names
    start_role: str | None             # lane of the none start event; None: anyone may start
    files: list[str]                   # its BPMN, the BPMN of called processes, its DMN and forms
    messages: ProcessMessages
    form_refs: dict[str, str] = field(default_factory=dict)  # name written in the BPMN -> bundle file

    @property
    def message_start(self) -> str | None:
        """The message name that starts the process, if it has a message start event."""
        return self.messages.start_message


@dataclass
class ValidationResult:
    """problems are the errors (any refuses the deployment); warnings never block it. Both are Problems
    with their severity; `all_problems` is both in file and line order."""
    problems: list[Problem] = field(default_factory=list)
    processes: dict[str, ProcessDefinition] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return self.problems

    @property
    def all_problems(self) -> list[Problem]:
        return sorted(self.problems + self.warnings, key=lambda p: (p.file, p.line or 0, p.element_id or ""))

    @property
    def ok(self) -> bool:
        """No errors (warnings never block a deploy)."""
        return not self.problems

    def details(self) -> list[dict]:
        """[{file, line, element_id, message, severity, element_name}]: errors and warnings."""
        return [problem.to_dict() for problem in self.all_problems]

    def raise_if_invalid(self) -> None:
        """ModelInvalidError (details: errors and warnings) when there are errors."""
        if self.problems:
            raise ModelInvalidError(f"模型有 {len(self.problems)} 个错误，未部署 (the model is invalid)",
                                    details=self.details())


def _message_definitions(definition):
    if isinstance(definition, MessageEventDefinition):
        yield definition
    elif isinstance(definition, MultipleEventDefinition):
        for child in definition.event_definitions:
            yield from _message_definitions(child)


def process_messages(spec, subprocess_specs: dict) -> ProcessMessages:
    waits, starts, correlations = [], [], {}
    for owner in [spec, *subprocess_specs.values()]:
        if owner is None:
            continue
        for task_spec in owner.task_specs.values():
            if not isinstance(task_spec, CatchingEvent):
                continue
            for definition in _message_definitions(getattr(task_spec, "event_definition", None)):
                if definition.name is None:
                    continue
                (starts if owner is spec and isinstance(task_spec, StartEvent) else waits).append(definition.name)
                props = list(definition.correlation_properties) + list(getattr(definition, "process_correlations", []))
                names = correlations.setdefault(definition.name, [])
                for prop in props:
                    if prop.name not in names:
                        names.append(prop.name)
    return ProcessMessages(tuple(sorted(set(waits))), tuple(sorted(set(starts))),
                           {name: tuple(props) for name, props in sorted(correlations.items())})
