"""The SpiffWorkflow parser we use, with our own service-task spec.

Our ServiceTask asks the script engine to run the operator; an async operator returns None,
which leaves the task STARTED until the background runner completes it.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask


class OperatorServiceTask(SpiffServiceTask):
    """A service task whose operator may run inline (returns True) or async (returns None)."""

    def _execute(self, task):
        return task.workflow.script_engine.run_service_task(task, self)


class EngineParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES[full_tag("serviceTask")] = (ServiceTaskParser, OperatorServiceTask)


def make_parser(validate_xsd: bool = False) -> EngineParser:
    """A fresh parser. XSD validation is done (with line numbers) by engine.models before parsing."""
    return EngineParser(validator=VALIDATOR if validate_xsd else None)
