"""Extension properties of BPMN elements, from spiffworkflow:properties and camunda:properties.

SpiffWorkflow's parser reads only spiffworkflow:properties (into task_spec.extensions['properties']).
Files made in Camunda Modeler write camunda:properties (Camunda 8: zeebe:properties), so
`normalize_properties` copies those into one spiffworkflow:properties block before parsing, and the
runtime reads every task the same way with `task_properties`.

Two Camunda attributes of a user task become properties too (lowest priority: an explicit property wins):
`camunda:candidateGroups` -> `candidateGroups` (the task's role, see lanes.py) and a `camunda:formKey`
naming a deployed JSON file (`review.schema.json`, `deployment:review.schema.json`) ->
`formJsonSchemaFilename`. Other formKey values are refused by camunda.py.
"""
from __future__ import annotations

from lxml import etree

from .ns import CAMUNDA, SPIFF, ZEEBE, q

# Later sources win: spiffworkflow overrides camunda overrides zeebe.
_SOURCES = (ZEEBE, CAMUNDA, SPIFF)


_FORM_KEY_PREFIXES = ("embedded:deployment:", "deployment:")


def form_key_file(value: str | None) -> str | None:
    """The JSON file a camunda:formKey names, or None when it names something else (HTML, Camunda Forms)."""
    text = (value or "").strip()
    for prefix in _FORM_KEY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return text if text.lower().endswith(".json") and ":" not in text and "${" not in text else None


def attribute_properties(element) -> dict[str, str]:
    """Properties given as Camunda attributes of the element (candidateGroups, formKey)."""
    if not isinstance(element.tag, str):
        return {}
    found = {}
    groups = element.get(q("candidateGroups", CAMUNDA))
    if groups is not None and groups.strip():
        found["candidateGroups"] = groups.strip()
    form = form_key_file(element.get(q("formKey", CAMUNDA)))
    if form:
        found["formJsonSchemaFilename"] = form
    return found


def _extension_elements(element):
    return element.find(q("extensionElements")) if isinstance(element.tag, str) else None


def property_elements(element) -> list:
    """The <*:property> elements of an element, in the order they apply."""
    extensions = _extension_elements(element)
    if extensions is None:
        return []
    found = []
    for ns in _SOURCES:
        for block in extensions.findall(q("properties", ns)):
            found.extend(block.iter(q("property", ns)))
    return found


def element_properties(element) -> dict[str, str]:
    """name -> value of the element's extension properties (spiffworkflow, camunda or zeebe)."""
    properties: dict[str, str] = attribute_properties(element)
    for prop in property_elements(element):
        name = prop.get("name")
        if name:
            properties[name] = prop.get("value", "")
    return properties


def task_properties(task_spec) -> dict:
    """The extension properties of a parsed task spec (after normalization, Camunda ones included)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties") if isinstance(extensions, dict) else None
    return dict(properties) if isinstance(properties, dict) else {}


def normalize_properties(tree) -> int:
    """Replace camunda/zeebe/spiffworkflow property blocks (and the Camunda attributes above) by one
    merged spiffworkflow:properties block, in place. Returns the number of elements rewritten; a lone
    spiffworkflow block is left alone.
    """
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    changed = 0
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag == q("extensionElements"):
            continue
        extensions = _extension_elements(element)
        derived = attribute_properties(element)
        if extensions is None and not derived:
            continue
        vendor, spiff_blocks = [], []
        if extensions is not None:
            vendor = extensions.findall(q("properties", CAMUNDA)) + extensions.findall(q("properties", ZEEBE))
            spiff_blocks = extensions.findall(q("properties", SPIFF))
        if not vendor and len(spiff_blocks) <= 1 and not derived:
            continue
        merged = element_properties(element)
        if extensions is None:
            extensions = etree.Element(q("extensionElements"))
            documented = [i for i, child in enumerate(element) if child.tag == q("documentation")]
            element.insert(documented[-1] + 1 if documented else 0, extensions)
        for block in spiff_blocks + vendor:
            extensions.remove(block)
        block = etree.SubElement(extensions, q("properties", SPIFF))
        for name, value in merged.items():
            etree.SubElement(block, q("property", SPIFF), name=name, value=value)
        changed += 1
    return changed
