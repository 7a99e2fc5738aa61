"""References between elements: event definitions, call activities, decisions, ids across files."""
from __future__ import annotations

from .bundle import Bundle, Doc, is_executable
from .ns import CONTAINERS, local, q
from .normalize import called_element, decision_ref
from .problems import Problem

_EVENT_REFS = (
    ("messageEventDefinition", "messageRef", "message", "消息"),
    ("errorEventDefinition", "errorRef", "error", "错误"),
    ("escalationEventDefinition", "escalationRef", "escalation", "升级"),
    ("signalEventDefinition", "signalRef", "signal", "信号"),
)


def _event_ref_problems(doc: Doc) -> list[Problem]:
    problems = []
    for tag, attribute, kind, word in _EVENT_REFS:
        known = doc.definitions(kind)
        for definition in doc.root.iter(q(tag)):
            event = definition.getparent()
            ref = definition.get(attribute)
            if ref and ref not in known:
                problems.append(doc.problem(event, f"{event.get('id')} 引用的{word} {ref} 在本文件中没有定义；请在 "
                                                   f"<bpmn:{kind}> 中定义它，或重新选择 ({attribute} \"{ref}\" not found)"))
            elif not ref and kind == "error" and local(event) in ("endEvent", "boundaryEvent") \
                    and not _on_service_task(doc, event):
                problems.append(doc.problem(event, f"{event.get('id')} 没有指定错误 (errorRef)；请在事件上选择一个错误定义，"
                                                   f"抛出和捕获靠它对应 (error event without errorRef)"))
    messages = doc.definitions("message")
    for task in list(doc.root.iter(q("receiveTask"))) + list(doc.root.iter(q("sendTask"))):
        ref = task.get("messageRef")
        if ref and ref not in messages:
            problems.append(doc.problem(task, f"{task.get('id')} 引用的消息 {ref} 在本文件中没有定义 "
                                              f"(messageRef \"{ref}\" not found)"))
    for kind, word in (("message", "消息"), ("signal", "信号")):
        for element in doc.definitions(kind).values():
            if not (element.get("name") or "").strip():
                problems.append(doc.problem(element, f"{word} {element.get('id')} 没有名称 (name)；引擎按名称投递{word}，"
                                                     f"请填写名称 ({kind} without a name)"))
    for expression in doc.root.iter(q("correlationPropertyRetrievalExpression")):
        ref = expression.get("messageRef")
        if ref not in messages:
            said = f"引用的消息 {ref} 不存在" if ref else "没有指定消息 (messageRef)"
            problems.append(doc.problem(expression, f"关联属性 (correlation property) 的取值表达式{said} "
                                                    f"(correlation messageRef not found)"))
    return problems


def _on_service_task(doc: Doc, event) -> bool:
    """An error boundary event with no errorRef on a service task catches every operator refusal."""
    attached = event.get("attachedToRef") if local(event) == "boundaryEvent" else None
    return bool(attached) and any(local(e) == "serviceTask" for e in doc.root.iter(q("serviceTask"))
                                  if e.get("id") == attached)


def check_refs(doc: Doc) -> list[Problem]:
    return _event_ref_problems(doc)


def _duplicate_process_ids(bundle: Bundle) -> list[Problem]:
    """Process and subprocess ids share one namespace in the parser, across all files."""
    seen: dict[str, str] = {}
    problems = []
    for doc in bundle.bpmn:
        for element in doc.root.iter(*[q(name) for name in CONTAINERS]):
            element_id = element.get("id")
            if not element_id:
                continue
            if element_id in seen and seen[element_id] != doc.name:
                problems.append(doc.problem(element, f"id {element_id} 已在 {seen[element_id]} 中用作流程或子流程的 id；"
                                                     f"同一次部署中流程和子流程的 id 必须唯一 (duplicate process id)"))
            seen.setdefault(element_id, doc.name)
    seen_decisions: dict[str, str] = {}
    for decision_id, (doc, decision) in ((d.get("id"), (doc, d)) for doc in bundle.dmn for d in doc.root
                                         if isinstance(d.tag, str) and local(d) == "decision" and d.get("id")):
        if decision_id in seen_decisions:
            problems.append(doc.problem(decision, f"决策 id {decision_id} 已在 {seen_decisions[decision_id]} 中使用 "
                                                  f"(duplicate decision id)"))
        seen_decisions.setdefault(decision_id, doc.name)
    return problems


def _call_problems(bundle: Bundle) -> list[Problem]:
    problems = []
    for doc in bundle.bpmn:
        for activity in doc.root.iter(q("callActivity")):
            called = called_element(activity)
            target = bundle.processes.get(called) if called else None
            if not called:
                problems.append(doc.problem(activity, f"调用活动 {activity.get('id')} 没有指定被调用的流程 (calledElement)"))
            elif target is None:
                what = "一个全局任务，不受支持" if called in doc.ids else "不在这次部署的文件里"
                problems.append(doc.problem(activity, f"调用活动 {activity.get('id')} 调用的流程 {called} {what}；"
                                                      f"请把被调用流程的 BPMN 文件一起部署 (calledElement \"{called}\" "
                                                      f"is not a process of this deployment)"))
            elif not is_executable(target[1]):
                problems.append(doc.problem(activity, f"调用活动 {activity.get('id')} 调用的流程 {called} 不可执行；"
                                                      f"请把它的 isExecutable 设为 true (called process is not executable)"))
        for task in doc.root.iter(q("businessRuleTask")):
            ref = decision_ref(task)
            if not ref:
                problems.append(doc.problem(task, f"业务规则任务 {task.get('id')} 没有指定决策表；请用扩展 "
                                                  f"spiffworkflow:calledDecisionId 填写 DMN 决策的 id (no decision)"))
            elif ref not in bundle.decisions:
                problems.append(doc.problem(task, f"业务规则任务 {task.get('id')} 调用的决策 {ref} 不在这次部署的 DMN 文件里 "
                                                  f"(decision \"{ref}\" not found)"))
    return problems


def check_bundle_refs(bundle: Bundle) -> list[Problem]:
    problems = _duplicate_process_ids(bundle) + _call_problems(bundle)
    for doc in bundle.bpmn:
        processes = doc.processes()
        if not any(is_executable(p) for p in processes):
            anchor = processes[0] if processes else doc.root
            problems.append(doc.problem(anchor, "文件中没有可执行的流程；请把流程的 isExecutable 设为 true "
                                                "(no executable process)"))
    return problems
