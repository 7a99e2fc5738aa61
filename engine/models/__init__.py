"""Registry and validation of BPMN, DMN and forms: the hardened model importer."""
from .definitions import ProcessDefinition, ProcessMessages, ValidationResult
from .problems import Problem
from .properties import element_properties, task_properties
from .timers import normalize_timers
from .validate import validate_bundle
from .xml import parse_xml

__all__ = ["Problem", "ProcessDefinition", "ProcessMessages", "ValidationResult", "element_properties",
           "normalize_timers", "parse_xml", "task_properties", "validate_bundle"]
