"""Constructs the engine cannot run correctly, refused by name with what to draw instead.

SpiffWorkflow reads some of these silently wrong (a link event becomes a plain event and the linked
path is lost; an error start event becomes a none start event and its handler runs at once), and
drops Camunda's behaviour-carrying extensions without a word. A deploy must say so.
(camunda:candidateGroups, candidateStarterGroups and formKey are read: see lanes.py and camunda.py.)
"""
from __future__ import annotations

from .bundle import Doc
from .ns import CAMUNDA, ZEEBE, is_bpmn, local, namespace, q
from .problems import Problem

LINK = ("不支持链接事件 (link event)：引擎会把它当成普通事件，链接的路径会丢失；请直接画一条顺序流 "
        "(link events are not supported; draw a sequence flow instead)")
COMPENSATION = ("不支持补偿 (compensation)：请把撤销步骤画成普通任务，例如接在错误边界事件之后 "
                "(compensation is not supported; model the undo steps explicitly)")
DATA_STORE = ("不支持数据存储 (data store)：请用服务任务读写外部系统，或用流程数据 "
              "(data stores are not supported; use a service task)")
COMPLEX = "不支持复杂网关 (complex gateway)：请改用排他网关或包容网关 (use an exclusive or inclusive gateway)"
AD_HOC = ("不支持自由子流程 (ad-hoc subprocess)：引擎会把其中每个活动都并行执行一次，而不是让人挑选；"
          "请用包容网关或循环来建模 (ad-hoc subprocesses are not supported)")
CONDITIONAL = ("不支持条件事件 (conditional event)：引擎只在到达时检查一次条件，之后不再检查，流程会一直等待；"
               "请改用排他网关，或“计时器 + 排他网关”的循环 (conditional events are not supported)")
TRIGGER_START = ("{kind}开始事件会被引擎当成普通开始事件，流程一启动就立即执行；请改用挂在任务或子流程上的"
                 "{kind}边界事件 ({en} start events are not supported; use a boundary event)")
NO_TRIGGER = ("事件子流程 (event subprocess) 的开始事件必须有触发类型（消息、计时器、信号）；没有触发的会在流程启动时"
              "立即执行 (an event subprocess needs a triggered start event)")

_VENDOR_ATTRIBUTES = {
    "assignee": "办理人由角色决定（泳道名或 camunda:candidateGroups），{a} 不会生效；请用以角色命名的泳道或候选组",
    "candidateUsers": "办理人由角色决定（泳道名或 camunda:candidateGroups），{a} 不会生效；请用以角色命名的泳道或候选组",
    "candidateStarterUsers": "发起人由开始事件所在的泳道或 camunda:candidateStarterGroups 决定，{a} 不会生效",
}
_FORM = "{a} 不会生效；请用扩展属性 formJsonSchemaFilename 指定表单 (JSON Schema 文件)"
_VENDOR_ELEMENTS = {
    "assignmentDefinition": _VENDOR_ATTRIBUTES["assignee"],
    "formDefinition": _FORM,
    "formData": _FORM,
    "executionListener": "监听器 {a} 不会被执行；请改用脚本任务或 spiffworkflow:preScript/postScript",
    "taskListener": "监听器 {a} 不会被执行；请改用脚本任务或 spiffworkflow:preScript/postScript",
    "executionListeners": "监听器 {a} 不会被执行；请改用脚本任务或 spiffworkflow:preScript/postScript",
    "taskListeners": "监听器 {a} 不会被执行；请改用脚本任务或 spiffworkflow:preScript/postScript",
    "inputOutput": "变量映射 {a} 不会被执行；请用脚本或 spiffworkflow:preScript/postScript 准备数据",
    "ioMapping": "变量映射 {a} 不会被执行；请用脚本或 spiffworkflow:preScript/postScript 准备数据",
    "in": "调用活动的变量映射 {a} 不会被执行；被调用的流程会拿到全部数据",
    "out": "调用活动的变量映射 {a} 不会被执行；被调用流程的全部数据会带回",
    "loopCharacteristics": "多实例设置 {a} 不会生效；请用 bpmn:loopCardinality 或 bpmn:loopDataInputRef",
    "subscription": "消息关联 {a} 不会生效，消息可能投递到错误的案件；请用 BPMN 的关联属性 (correlationProperty)",
}
_PYTHON = ("", "python", "python3", "py", "text/x-python", "text/python", "application/x-python")


def _event_definition_problems(doc: Doc) -> list[Problem]:
    root, problems = doc.root, []
    for definition in root.iter(q("linkEventDefinition")):
        problems.append(doc.problem(definition.getparent(), LINK))
    for definition in root.iter(q("compensateEventDefinition")):
        problems.append(doc.problem(definition.getparent(), COMPENSATION))
    for definition in root.iter(q("conditionalEventDefinition")):
        problems.append(doc.problem(definition.getparent(), CONDITIONAL))
    for start in root.iter(q("startEvent")):
        triggers = {local(child) for child in start if is_bpmn(child) and local(child).endswith("EventDefinition")}
        if "errorEventDefinition" in triggers:
            problems.append(doc.problem(start, TRIGGER_START.format(kind="错误", en="error")))
        elif "escalationEventDefinition" in triggers:
            problems.append(doc.problem(start, TRIGGER_START.format(kind="升级", en="escalation")))
        elif not triggers and start.getparent().get("triggeredByEvent") == "true":
            problems.append(doc.problem(start, NO_TRIGGER))
    return problems


def _element_problems(doc: Doc) -> list[Problem]:
    problems = []
    for element in doc.root.iter():
        if not isinstance(element.tag, str):
            continue
        name, ns = local(element), namespace(element)
        if is_bpmn(element):
            if element.get("isForCompensation") == "true":
                problems.append(doc.problem(element, COMPENSATION))
            if name in ("dataStore", "dataStoreReference"):
                problems.append(doc.problem(element, DATA_STORE))
            elif name == "complexGateway":
                problems.append(doc.problem(element, COMPLEX))
            elif name == "adHocSubProcess":
                problems.append(doc.problem(element, AD_HOC))
            elif name == "scriptTask" and (element.get("scriptFormat") or "").strip().lower() not in _PYTHON:
                problems.append(doc.problem(element, f"脚本任务的 scriptFormat 是 \"{element.get('scriptFormat')}\"；"
                                                     f"本平台的脚本用 Python 写 (scripts are Python)"))
            for attribute in _VENDOR_ATTRIBUTES:
                if element.get(q(attribute, CAMUNDA)) is not None:
                    problems.append(doc.problem(element, _VENDOR_ATTRIBUTES[attribute].format(a=f"camunda:{attribute}")
                                                + " (Camunda extension not supported)"))
        elif ns in (CAMUNDA, ZEEBE) and name in _VENDOR_ELEMENTS:
            parent = element.getparent()
            if parent is not None and parent.tag == q("extensionElements"):
                prefix = "camunda" if ns == CAMUNDA else "zeebe"
                problems.append(doc.problem(element, _VENDOR_ELEMENTS[name].format(a=f"{prefix}:{name}")
                                            + " (Camunda extension not supported)"))
    return problems


def check_constructs(doc: Doc) -> list[Problem]:
    return _event_definition_problems(doc) + _element_problems(doc)
