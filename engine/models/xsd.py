"""Schema validation of BPMN (SpiffWorkflow's BPMN 2.0 XSD with the spiffworkflow extension) and DMN.

Every schema error becomes a Problem with its line, the id of the element it concerns, and a sentence
a designer understands followed by the original text.
"""
from __future__ import annotations

import copy
import re
import threading
from functools import lru_cache

from lxml import etree

from .ns import BPMN, SHORT, q
from .problems import Problem, nearest_id

_LOCK = threading.Lock()
_NS_RE = re.compile(r"\{([^}]*)\}")
_NCNAME = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*")


def _bpmn_schema() -> etree.XMLSchema:
    from SpiffWorkflow.spiff.parser.process import VALIDATOR
    return VALIDATOR.validator


@lru_cache(maxsize=None)
def _dmn_schema(namespace: str) -> etree.XMLSchema | None:
    """The shipped schema of a DMN version; None when none ships or it does not build (SpiffWorkflow
    3.2's DMN 1.2 schema imports a DMNDI file that is really the DI schema)."""
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS
    path = SCHEMAS.get(namespace)
    if path is None:
        return None
    try:
        return etree.XMLSchema(etree.parse(path))
    except (etree.XMLSchemaParseError, OSError, etree.XMLSyntaxError):
        return None


def _short(text: str) -> str:
    return _NS_RE.sub(lambda m: f"{SHORT[m.group(1)]}:" if m.group(1) in SHORT else "", text)


def _expected(text: str) -> str:
    match = re.search(r"Expected is (?:one of )?\(\s*(.*?)\s*\)", text)
    if not match:
        return ""
    names = [_short(n.strip()) for n in match.group(1).split(",")]
    return "，允许的有：" + "、".join(names[:6]) + ("……" if len(names) > 6 else "")


def translate(message: str) -> str | None:
    """A designer's sentence for a libxml2 schema message, followed by the original (None: not reported)."""
    text = _short(message.strip())
    element = re.match(r"Element '([^']+)'", text)
    tag = f"<{element.group(1)}>" if element else "元素"
    attribute = re.search(r"attribute '([^']+)'", text)
    value = re.search(r": '([^']*)' is not a valid value", text)
    if "No matching global declaration available for the validation root" in text:
        said = f"这不是 BPMN 2.0 文件：根元素应为 bpmn:definitions（命名空间 {BPMN}）"
    elif "xs:ID" in text and value:
        if _NCNAME.fullmatch(value.group(1)):
            return None  # a duplicate: reported by flows.check_ids wherever it is, not only at the first error
        said = f"id \"{value.group(1)}\" 不合法：id 须以字母或下划线开头，不能含空格、冒号等字符"
    elif "xs:boolean" in text and attribute:
        said = f"{tag} 的属性 {attribute.group(1)} 只能是 true 或 false"
    elif "xs:integer" in text and attribute:
        said = f"{tag} 的属性 {attribute.group(1)} 应为整数"
    elif "is required but missing" in text:
        missing = re.search(r"The attribute '([^']+)'", text)
        said = f"{tag} 缺少必需的属性 {missing.group(1) if missing else ''}"
    elif "is not allowed" in text and attribute:
        said = f"{tag} 不允许有属性 {attribute.group(1)}"
    elif "This element is not expected" in text:
        said = f"{tag} 不应出现在这里（名称拼错或位置不对）{_expected(text)}"
    elif "Missing child element" in text:
        said = f"{tag} 缺少子元素{_expected(text)}"
    elif "Character content other than whitespace is not allowed" in text:
        said = f"{tag} 里不能直接写文字"
    elif "[facet 'enumeration']" in text:
        said = f"{tag} 的取值不在允许的范围内"
    else:
        said = "文件不符合 BPMN 2.0 规范"
    return f"{said}（XSD: {text}）"


def _element_for(tree, error):
    path = getattr(error, "path", None)
    if path:
        try:
            found = tree.xpath(path, namespaces={k: v for k, v in tree.getroot().nsmap.items() if k})
            if found and isinstance(found[0], etree._Element):
                return found[0]
        except Exception:
            pass
    for element in tree.getroot().iter():
        if element.sourceline == error.line:
            return element
    return None


def _validate(schema: etree.XMLSchema, tree, filename: str) -> list[Problem]:
    with _LOCK:
        valid = schema.validate(tree)
        errors = [] if valid else list(schema.error_log)
    problems = []
    for error in errors:
        message = translate(error.message)
        if message is None:
            continue
        element = _element_for(tree, error)
        element_id = nearest_id(element) if element is not None else None
        line = error.line if isinstance(error.line, int) and error.line > 0 else None
        if line is None and element is not None:
            line = element.sourceline
        problems.append(Problem(filename, line, element_id if line else None, message))
    return problems


def validate_bpmn_xsd(tree, filename: str) -> list[Problem]:
    """XSD problems of a BPMN document; the tree is not changed."""
    checked = copy.deepcopy(tree)
    # bpmn.io writes formalExpression where the XSD wants messagePath; SpiffWorkflow accepts both.
    for expr in checked.getroot().iter(q("formalExpression")):
        if expr.getparent() is not None and expr.getparent().tag == q("correlationPropertyRetrievalExpression"):
            expr.tag = q("messagePath")
    return _validate(_bpmn_schema(), checked, filename)


def validate_dmn_xsd(tree, filename: str) -> list[Problem]:
    """XSD problems of a DMN document when a schema for its DMN version ships with SpiffWorkflow."""
    schema = _dmn_schema(etree.QName(tree.getroot()).namespace or "")
    return [] if schema is None else _validate(schema, tree, filename)
