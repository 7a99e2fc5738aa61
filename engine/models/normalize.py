"""The tree handed to SpiffWorkflow's parser: a normalized copy of what the designer wrote.

- unquoted ISO timer literals become Python strings (normalize_timers);
- camunda/zeebe properties join spiffworkflow:properties (normalize_properties);
- Camunda's decision and called-element references become the attributes SpiffWorkflow reads.
"""
from __future__ import annotations

import copy

from lxml import etree

from .ns import CAMUNDA, SPIFF, ZEEBE, q
from .properties import normalize_properties
from .timers import normalize_timers


def decision_ref(task) -> str | None:
    """The decision a business rule task calls: spiffworkflow:calledDecisionId, camunda:decisionRef
    or zeebe:calledDecision/@decisionId."""
    extensions = task.find(q("extensionElements"))
    if extensions is not None:
        spiff = extensions.find(q("calledDecisionId", SPIFF))
        if spiff is not None and (spiff.text or "").strip():
            return spiff.text.strip()
        zeebe = extensions.find(q("calledDecision", ZEEBE))
        if zeebe is not None and zeebe.get("decisionId"):
            return zeebe.get("decisionId")
    return task.get(q("decisionRef", CAMUNDA)) or None


def called_element(activity) -> str | None:
    """The process a call activity calls: calledElement, or zeebe:calledElement/@processId."""
    if activity.get("calledElement"):
        return activity.get("calledElement")
    extensions = activity.find(q("extensionElements"))
    zeebe = extensions.find(q("calledElement", ZEEBE)) if extensions is not None else None
    return zeebe.get("processId") if zeebe is not None and zeebe.get("processId") else None


def _normalize_refs(root) -> None:
    for task in root.iter(q("businessRuleTask")):
        ref = decision_ref(task)
        extensions = task.find(q("extensionElements"))
        if ref is None or (extensions is not None and extensions.find(q("calledDecisionId", SPIFF)) is not None):
            continue
        if extensions is None:
            extensions = etree.Element(q("extensionElements"))
            task.insert(_after_documentation(task), extensions)
        etree.SubElement(extensions, q("calledDecisionId", SPIFF)).text = ref
    for activity in root.iter(q("callActivity")):
        ref = called_element(activity)
        if ref and not activity.get("calledElement"):
            activity.set("calledElement", ref)


def _after_documentation(element) -> int:
    index = 0
    for index, child in enumerate(element):
        if child.tag != q("documentation"):
            return index
    return len(element)


def normalize_tree(tree):
    """A normalized deep copy of a BPMN document tree (the argument is not changed)."""
    copied = copy.deepcopy(tree)
    root = copied.getroot() if hasattr(copied, "getroot") else copied
    normalize_timers(root)
    normalize_properties(root)
    _normalize_refs(root)
    return copied
