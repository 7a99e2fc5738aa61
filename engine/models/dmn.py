"""DMN decision tables: one decision per file, Python cells checked the way the engine evaluates them.

SpiffWorkflow's DMN engine joins an input expression and an input entry into one Python expression:
`(amount) == (5000)` when the entry parses alone, `amount> 50000` when it needs a left side
(`> 50000`), or evaluates the entry with `?` standing for the input (`1000 < ? < 5000`).
'-' or an empty cell matches anything.
"""
from __future__ import annotations

import ast
import re
from copy import deepcopy

from lxml import etree

from .bundle import Doc
from .code import CodeChecker
from .ns import DMN_NAMESPACES, local
from .problems import Problem

_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_SUPPORTED_HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")
_FEEL_HINT = "；DMN 单元格用 Python 写，不是 FEEL"


def is_dmn(doc: Doc) -> bool:
    qname = etree.QName(doc.root)
    return qname.localname == "definitions" and (qname.namespace in DMN_NAMESPACES or
                                                 "omg.org/spec/DMN" in (qname.namespace or ""))


def parser_root(doc: Doc):
    """The root to hand to add_dmn_xml: SpiffWorkflow finds DMN elements through the 'dmn' prefix or
    the default namespace, so a file with another prefix gets a root that declares 'dmn'."""
    root = doc.root
    ns = etree.QName(root).namespace
    seen_as_dmn = root.nsmap[None] if None in root.nsmap else root.nsmap.get("dmn")  # add_dmn_xml's rule
    if seen_as_dmn == ns:
        return root
    nsmap = {k: v for k, v in root.nsmap.items() if k is not None and k != "dmn"}
    nsmap["dmn"] = ns
    rooted = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    for child in root:
        rooted.append(deepcopy(child))
    return rooted


def _children(element, name: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and local(child) == name]


def _text(element):
    texts = _children(element, "text")
    return texts[0] if texts else None


def _entry_expression(input_expr: str, cell: str) -> str | None:
    """The Python expression the engine will evaluate for a cell, or None if even its shape is wrong."""
    if _QUESTION.search(cell):
        return _QUESTION.sub("dmninputexpr", cell)
    try:
        ast.parse(cell)
        return f"({input_expr}) == ({cell})"
    except SyntaxError:
        pass
    except Exception:
        return None
    try:
        ast.parse(f"v {cell}")
    except Exception:
        return None
    return input_expr + cell


def _table_problems(doc: Doc, table, code: CodeChecker) -> list[Problem]:
    problems = []
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    aggregation = table.get("aggregation")
    if policy not in _SUPPORTED_HIT_POLICIES or aggregation:
        shown = f"{policy} {aggregation}" if aggregation else policy
        problems.append(doc.problem(table, f"不支持命中策略 {shown}；可用 UNIQUE、FIRST、ANY、COLLECT（不带聚合） "
                                           f"(hit policy not supported)"))
    inputs, outputs = _children(table, "input"), _children(table, "output")
    input_texts = []
    for element in inputs:
        expression = _children(element, "inputExpression")
        text = _text(expression[0]) if expression else None
        if text is None or not (text.text or "").strip():
            problems.append(doc.problem(element, f"输入列 {element.get('label') or element.get('id')} 没有输入表达式 "
                                                 f"(inputExpression)；请填写，例如 amount"))
            input_texts.append("dmninput")
        else:
            label = element.get("label") or element.get("id")
            problems += code.expression(doc.name, text, text.text, f"输入列 {label} 的表达式")
            input_texts.append(text.text.strip())
    for element in outputs:
        if not (element.get("name") or element.get("label")):
            problems.append(doc.problem(element, f"输出列 {element.get('id')} 没有名称 (name)；结果按名称写入流程数据"))
    for rule in _children(table, "rule"):
        entries, results = _children(rule, "inputEntry"), _children(rule, "outputEntry")
        if len(entries) != len(inputs) or len(results) != len(outputs):
            problems.append(doc.problem(rule, f"规则 {rule.get('id')} 的单元格数与表头的输入/输出列数不一致"))
            continue
        for entry, input_expr in zip(entries, input_texts):
            problems += _cell_problems(doc, entry, input_expr, code)
        for entry in results:
            text = _text(entry)
            if text is not None and (text.text or "").strip():
                problems += code.expression(doc.name, text, text.text, f"规则 {rule.get('id')} 的输出单元格")
    return problems


def _cell_problems(doc: Doc, entry, input_expr: str, code: CodeChecker) -> list[Problem]:
    text = _text(entry)
    cell = text.text if text is not None else None
    if cell is None or cell == "" or cell.strip() == "-":
        return []
    where = f"输入单元格 {entry.get('id')} \"{cell.strip()}\""
    if not cell.strip():
        return [doc.problem(text, f"{where} 只有空格；表示“任意”请写 - 或留空")]
    expression = _entry_expression(input_expr, cell)
    if expression is None:
        return [doc.problem(text, f"{where} 不是合法的 Python 条件{_FEEL_HINT}；例如写 > 50000、\"金\"、"
                                  f"1000 < ? < 5000 (invalid DMN cell)")]
    if expression == input_expr + cell and _word_char(input_expr[-1:]) and _word_char(cell[:1]):
        return [doc.problem(text, f"{where} 会和输入表达式连成 \"{expression}\"；以关键字开头的条件（如 in、not in）"
                                  f"前面要加一个空格 (add a space before the keyword)")]
    return code.expression(doc.name, text, expression, f"{where}（与输入组合后）")


def _word_char(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


def check_dmn(doc: Doc, code: CodeChecker) -> list[Problem]:
    if not is_dmn(doc):
        return [doc.problem(doc.root, "这不是 DMN 文件：根元素应为 DMN 的 definitions (not a DMN file)")]
    problems = []
    decisions = _children(doc.root, "decision")
    if len(decisions) != 1:
        anchor = decisions[1] if decisions else doc.root
        problems.append(doc.problem(anchor, f"一个 DMN 文件只能有一个决策 (decision)，这里有 {len(decisions)} 个；"
                                            f"请每个决策存一个文件 (exactly one decision per file)"))
    for decision in decisions:
        tables = _children(decision, "decisionTable")
        if not tables:
            problems.append(doc.problem(decision, f"决策 {decision.get('id')} 没有决策表；只支持决策表 (decisionTable)"))
        for table in tables[:1]:
            problems += _table_problems(doc, table, code)
    for element in doc.root.iter():
        if isinstance(element.tag, str) and local(element) in ("decision", "decisionTable", "input", "output", "rule",
                                                               "inputEntry", "outputEntry") and not element.get("id"):
            problems.append(Problem(doc.name, element.sourceline, None,
                                    f"第 {element.sourceline} 行的 <{local(element)}> 没有 id (missing id)"))
    return problems
