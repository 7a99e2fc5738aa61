"""Data associations: every data input/output of a task must reach a data object the engine can see.

SpiffWorkflow resolves a data object reference in the task's own process or subprocess and in the one
directly around it. Anywhere else its parser loops forever when the task sits in a subprocess (seen
on 3.2), so a document with such a reference is never handed to the parser (`parser_would_hang`).
"""
from __future__ import annotations

from .bundle import Doc
from .ns import CONTAINERS, container_of, is_bpmn, local, q
from .problems import Problem, nearest_id

_KINDS = {"dataObject": "数据对象本身", "dataInput": "输入 (dataInput)", "dataOutput": "输出 (dataOutput)",
          "property": "属性 (property)"}


def _data_objects(container) -> set[str]:
    return {el.get("id") for el in container if is_bpmn(el, "dataObject") and el.get("id")}


def _visible(container) -> set[str]:
    if container is None:
        return set()
    visible = _data_objects(container)
    parent = container_of(container)
    if parent is not None and is_bpmn(parent, *CONTAINERS):
        visible |= _data_objects(parent)
    return visible


def _associations(doc: Doc):
    """(association, task, referenced name, referenced element or None) for every data association."""
    for path, direction in (("dataInputAssociation", "sourceRef"), ("dataOutputAssociation", "targetRef")):
        for association in doc.root.iter(q(path)):
            for ref in association.findall(q(direction)):
                name = (ref.text or "").strip()
                yield association, association.getparent(), name, doc.ids.get(name)


def _invisible(task, target) -> bool:
    return local(target) == "dataObjectReference" and target.get("dataObjectRef") not in _visible(container_of(task))


def parser_would_hang(doc: Doc) -> bool:
    return any(target is not None and _invisible(task, target) for _, task, _, target in _associations(doc))


def _at(doc: Doc, association, task, message: str) -> Problem:
    """Located at the association's line but named by its task, where the parser reports it too."""
    return Problem(doc.name, association.sourceline, task.get("id") or nearest_id(task), message)


def check_data(doc: Doc) -> list[Problem]:
    problems = []
    for association, task, name, target in _associations(doc):
        kind = local(target) if target is not None else None
        if kind == "dataStoreReference":
            continue  # refused by name as a data store
        if kind != "dataObjectReference":
            what = _KINDS.get(kind or "", "不存在的元素") if name else "空引用"
            problems.append(_at(doc, association, task, f"{task.get('id')} 的数据关联指向 {name or '(空)'}（{what}）；引擎只认"
                                                     f"数据对象引用 (dataObjectReference)，请改连到数据对象引用上 "
                                                     f"(data association must point to a data object reference)"))
        elif _invisible(task, target):
            problems.append(_at(doc, association, task, f"{task.get('id')} 的数据关联引用的数据对象 "
                                                     f"{target.get('dataObjectRef')} 不在本流程（或直接上层流程）里；"
                                                     f"请把数据对象 (dataObject) 定义在任务所在的流程或子流程中 "
                                                     f"(data object not visible here)"))
    return problems
