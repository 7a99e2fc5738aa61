"""Service tasks call registered operators by name; an unknown name must fail the deploy, not a case.

Camunda's implementations (`camunda:class`, `camunda:expression`, `camunda:delegateExpression`,
`camunda:type="external"`, connectors, `zeebe:taskDefinition`) never run here: without a
`spiffworkflow:serviceTaskOperator` the task is refused naming them; next to one they are ignored (a
warning). Whether an operator runs in the background is decided by its registration (`async_=True`),
not by the model: `camunda:asyncBefore`/`asyncAfter` on a task whose operator runs inline is a warning.
"""
from __future__ import annotations

from .bundle import Doc
from .ns import CAMUNDA, SPIFF, ZEEBE, q
from .problems import WARNING, Problem

_VENDOR_IMPLEMENTATIONS = ("class", "expression", "delegateExpression", "type", "topic")


def _known(operators) -> list[str]:
    names = getattr(operators, "names", None)
    try:
        listed = names() if callable(names) else list(operators)
    except Exception:
        return []
    return sorted(str(name) for name in listed)


def _vendor_hint(task) -> str:
    used = [f"camunda:{name}" for name in _VENDOR_IMPLEMENTATIONS if task.get(q(name, CAMUNDA))]
    extensions = task.find(q("extensionElements"))
    if extensions is not None and extensions.find(q("taskDefinition", ZEEBE)) is not None:
        used.append("zeebe:taskDefinition")
    if extensions is not None and extensions.find(q("connector", CAMUNDA)) is not None:
        used.append("camunda:connector")
    return f"（{'、'.join(used)} 是 Camunda 的写法，本平台不会执行）" if used else ""


def _send_task_problems(doc: Doc) -> list[Problem]:
    """A send task only throws a BPMN message here; Camunda's implementations of it never run."""
    problems = []
    for task in doc.root.iter(q("sendTask")):
        hint = _vendor_hint(task)
        has_message = task.get("messageRef") or task.find(q("messageEventDefinition")) is not None
        if hint or not has_message:
            problems.append(doc.problem(task, f"发送任务 {task.get('id')} 在本平台只用来发送 BPMN 消息 (messageRef)"
                                              f"{'' if has_message else '，但它没有指定消息'}{hint}；要调用外部系统请改用服务任务 "
                                              f"(send tasks only throw messages)"))
    return problems


def _async_problems(doc: Doc, task, operator, operators) -> list[Problem]:
    asked = [f"camunda:{name}" for name in ("asyncBefore", "asyncAfter") if task.get(q(name, CAMUNDA)) == "true"]
    get = getattr(operators, "get", None)
    found = get((operator.get("id") or "").strip()) if asked and callable(get) else None
    if found is None or getattr(found, "async_", False):
        return []
    return [doc.problem(task, f"{'、'.join(asked)} 不改变执行方式：操作 {found.name} 注册为同步操作，会在案件推进时立即执行；"
                              f"要在后台执行，请使用注册为异步 (async_=True) 的操作 (async is decided by the operator)",
                        WARNING)]


def _id_clashes(doc: Doc) -> list[Problem]:
    """SpiffWorkflow finds BPMN elements by their `id` attribute anywhere in the file, so an element whose
    id equals an operator's or a parameter's id (both are written as `id` too) is found in the wrong
    place and the task fails to load with an unrelated message."""
    extension_ids = {}
    for element in list(doc.root.iter(q("serviceTaskOperator", SPIFF))) + list(doc.root.iter(q("parameter", SPIFF))):
        if element.get("id"):
            extension_ids.setdefault(element.get("id"), element)
    problems = []
    for element in doc.root.iter():
        if not isinstance(element.tag, str) or element.tag.startswith("{" + SPIFF):
            continue
        clash = extension_ids.get(element.get("id") or "")
        if clash is not None:
            kind = "操作" if clash.tag == q("serviceTaskOperator", SPIFF) else "参数"
            problems.append(doc.problem(element, f"元素 id \"{element.get('id')}\" 与服务任务的{kind}名相同；引擎按 id 查找元素时"
                                                 f"会找到那个{kind}，请给元素换一个 id（如加后缀 _task） "
                                                 f"(element id equals an operator or parameter id)"))
    return problems


def check_service_tasks(doc: Doc, operators) -> list[Problem]:
    problems = _send_task_problems(doc) + _id_clashes(doc)
    for task in doc.root.iter(q("serviceTask")):
        task_id = task.get("id")
        extensions = task.find(q("extensionElements"))
        operator = extensions.find(q("serviceTaskOperator", SPIFF)) if extensions is not None else None
        if operator is None:
            problems.append(doc.problem(task, f"服务任务 {task_id} 没有指定要调用的操作；请用 spiffworkflow:serviceTaskOperator "
                                              f"填写一个已注册的操作{_vendor_hint(task)} (service task without an operator)"))
            continue
        if _vendor_hint(task):
            problems.append(doc.problem(task, f"服务任务 {task_id} 会调用操作 {operator.get('id')}{_vendor_hint(task)} "
                                              f"(Camunda implementation ignored)", WARNING))
        problems += _async_problems(doc, task, operator, operators)
        name = (operator.get("id") or "").strip()
        if not name:
            problems.append(doc.problem(operator, f"服务任务 {task_id} 的 serviceTaskOperator 没有填写操作名称 (id)"))
        elif name not in operators:
            known = _known(operators)
            listed = f"；已注册的操作：{'、'.join(known[:12])}" if known else ""
            problems.append(doc.problem(operator, f"服务任务 {task_id} 调用的操作 \"{name}\" 未注册{listed} "
                                                  f"(unknown operator \"{name}\")"))
        for parameter in operator.iter(q("parameter", SPIFF)):
            if not parameter.get("id"):
                problems.append(doc.problem(parameter, f"服务任务 {task_id} 有一个参数没有名称 (id)"))
            elif parameter.get("value") is not None and not parameter.get("type"):
                problems.append(doc.problem(parameter, f"服务任务 {task_id} 的参数 {parameter.get('id')} 缺少 type 属性，"
                                                       f"例如 type=\"str\" (parameter without a type)"))
    return problems
