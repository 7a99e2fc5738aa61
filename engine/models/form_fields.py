"""Forms against the data the process reads: a gateway deciding on a field the form before it lacks.

A heuristic, so its findings are warnings. For an exclusive or inclusive gateway that is entered only
straight from user tasks with a form, every variable its conditions read must be a field of one of
those forms, unless something else in the deployment provides it: another form, a script or
pre/postScript assigning it, an operator's resultVariable, a DMN output, a message variable, a data
object or data input/output. Variables the case is started with cannot be known here; the warning says
so. Names used as functions (`len(items)`) are not variables.
"""
from __future__ import annotations

import ast
import builtins

from .bundle import Bundle, Doc, containers
from .forms import SCHEMA_PROPERTY, FormRef
from .lanes import HUMAN_TASKS
from .ns import SPIFF, is_bpmn, local, q
from .problems import WARNING, Problem

_BUILTINS = set(dir(builtins))
_NAMED = ("dataObject", "dataObjectReference", "dataInput", "dataOutput", "inputDataItem", "outputDataItem")


def form_fields(schema, depth: int = 0) -> set[str]:
    """Top-level field names of a JSON Schema, including those of allOf/anyOf/oneOf/if-then-else branches."""
    if not isinstance(schema, dict) or depth > 8:
        return set()
    names = set(schema.get("properties") or {}) if isinstance(schema.get("properties"), dict) else set()
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            names |= form_fields(branch, depth + 1)
    for key in ("if", "then", "else"):
        names |= form_fields(schema.get(key), depth + 1)
    return names


def _parse(src: str, mode: str):
    try:
        return ast.parse(src.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None   # reported by expressions.py


def read_names(src: str) -> set[str]:
    """Variables an expression reads: loaded names that are neither called, bound inside it, nor builtins."""
    tree = _parse(src, "eval")
    if tree is None:
        return set()
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {arg.arg for node in ast.walk(tree) if isinstance(node, ast.Lambda) for arg in node.args.args}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
            and id(node) not in called} - bound - _BUILTINS


def _assigned(src: str) -> set[str]:
    tree = _parse(src, "exec")
    if tree is None:
        return set()
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    return names | {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def provided_names(bundle: Bundle, forms: dict[str, dict]) -> set[str]:
    """Every variable something in the deployment may write."""
    names: set[str] = set()
    for schema in forms.values():
        names |= form_fields(schema)
    for doc in bundle.bpmn:
        for element in doc.root.iter():
            if not isinstance(element.tag, str):
                continue
            if local(element) in ("script", "preScript", "postScript") and (element.text or "").strip():
                names |= _assigned(element.text)
            if element.get("resultVariable"):
                names.add(element.get("resultVariable").strip())
            if element.tag == q("messageVariable", SPIFF) and (element.text or "").strip():
                names.add(element.text.strip())
            if is_bpmn(element, *_NAMED):
                names |= {value.strip() for value in (element.get("id"), element.get("name")) if value}
    for doc in bundle.dmn:
        for element in doc.root.iter():
            if isinstance(element.tag, str) and local(element) == "output":
                names |= {(element.get(a) or "").split(".")[0].strip() for a in ("name", "label")}
    return names - {""}


def _gateway_warnings(doc: Doc, gateway, forms_before: list[tuple[str, str, set[str]]], flows, known) -> list[Problem]:
    fields = set().union(*(names for _, _, names in forms_before))
    problems = []
    for flow in flows:
        condition = flow.find(q("conditionExpression"))
        if condition is None or not (condition.text or "").strip():
            continue
        missing = sorted(read_names(condition.text) - fields - known)
        if missing:
            tasks = "、".join(f"{task}（表单 {form}）" for task, form, _ in forms_before)
            problems.append(doc.problem(gateway, f"网关 {gateway.get('id')} 的出口 {flow.get('id')} 的条件读取 {', '.join(missing)}，"
                                                 f"但紧挨在前的人工任务 {tasks} 的表单里没有这个字段，部署中也没有别处写入它；"
                                                 f"请检查字段名，或把它加进表单（如果它来自发起案件时的数据，可以忽略这条提醒） "
                                                 f"(condition reads a field the form does not have)", WARNING))
    return problems


def check_form_fields(bundle: Bundle, forms: dict[str, dict], refs: list[FormRef]) -> list[Problem]:
    schema_of = {(ref.bpmn_file, ref.element_id): (ref.file, forms.get(ref.file)) for ref in refs
                 if ref.property == SCHEMA_PROPERTY}
    known = provided_names(bundle, forms)
    problems = []
    for doc in bundle.bpmn:
        for container in containers(doc.root):
            nodes = {el.get("id"): el for el in container if isinstance(el.tag, str) and el.get("id")}
            flows = [el for el in container if is_bpmn(el, "sequenceFlow")]
            for gateway in (el for el in container if is_bpmn(el, "exclusiveGateway", "inclusiveGateway")):
                sources = [nodes.get(f.get("sourceRef")) for f in flows if f.get("targetRef") == gateway.get("id")]
                before = []
                for source in sources:
                    found = schema_of.get((doc.name, source.get("id"))) if source is not None else None
                    if source is None or local(source) not in HUMAN_TASKS or found is None or found[1] is None:
                        break
                    before.append((source.get("id"), found[0].rsplit("/", 1)[-1], form_fields(found[1])))
                else:
                    if before:
                        out = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
                        problems += _gateway_warnings(doc, gateway, before, out, known)
    return problems
