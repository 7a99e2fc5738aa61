"""Every piece of Python a BPMN file carries must compile at deploy, not fail when a case reaches it."""
from __future__ import annotations

from .bundle import Doc
from .code import CodeChecker
from .ns import SPIFF, q
from .problems import Problem, nearest_id
from .properties import property_elements
from .timers import TIMER_KINDS, classify, iso_error

_EXPRESSION_TEXTS = (
    (q("loopCardinality"), "多实例的数量 (loopCardinality)"),
    (q("completionCondition"), "完成条件 (completionCondition)"),
    (q("loopCondition"), "循环条件 (loopCondition)"),
    (q("messagePath"), "关联属性的取值表达式"),
    (q("expression", SPIFF), "关联表达式 (spiffworkflow:expression)"),
    (q("messagePayload", SPIFF), "消息内容表达式 (messagePayload)"),
    (q("payloadExpression", SPIFF), "事件内容表达式 (payloadExpression)"),
)


def _owner(element) -> str:
    return nearest_id(element) or "?"


def _language_problem(doc: Doc, element) -> list[Problem]:
    language = (element.get("language") or "").strip()
    if language and "python" not in language.lower():
        return [doc.problem(element, f"{_owner(element)} 的表达式语言是 \"{language}\"；本平台的条件和表达式用 Python 写 "
                                     f"(expression language must be Python)")]
    return []


def _conditions(doc: Doc, code: CodeChecker) -> list[Problem]:
    problems = []
    for flow in doc.root.iter(q("sequenceFlow")):
        condition = flow.find(q("conditionExpression"))
        if condition is not None and (condition.text or "").strip():
            problems += _language_problem(doc, condition)
            problems += code.expression(doc.name, condition, condition.text, f"顺序流 {flow.get('id')} 的条件")
    return problems


def _scripts(doc: Doc, code: CodeChecker) -> list[Problem]:
    problems = []
    for task in doc.root.iter(q("scriptTask")):
        scripts = [child for child in task if isinstance(child.tag, str) and child.tag.endswith("script")]
        script = scripts[-1] if scripts else None
        if script is None or not (script.text or "").strip():
            problems.append(doc.problem(task, f"脚本任务 {task.get('id')} 没有脚本；请填写 Python 脚本 "
                                              f"(script task without a script)"))
        else:
            problems += code.script(doc.name, script, script.text, f"脚本任务 {task.get('id')} 的脚本")
    for name in ("preScript", "postScript"):
        for script in doc.root.iter(q(name, SPIFF)):
            if (script.text or "").strip():
                problems += code.script(doc.name, script, script.text, f"{_owner(script)} 的 {name}")
    return problems


def _texts(doc: Doc, code: CodeChecker) -> list[Problem]:
    problems = []
    for tag, what in _EXPRESSION_TEXTS:
        for element in doc.root.iter(tag):
            if not (element.text or "").strip():
                continue  # an empty one is read as absent; the parser says when it is required
            problems += code.expression(doc.name, element, element.text, f"{_owner(element)} 的{what}")
    for expression in doc.root.iter(q("formalExpression")):
        in_correlation = expression.getparent().tag == q("correlationPropertyRetrievalExpression")
        if in_correlation and (expression.text or "").strip():
            problems += code.expression(doc.name, expression, expression.text, f"{_owner(expression)} 的关联属性取值表达式")
    for loop in doc.root.iter(q("standardLoopCharacteristics")):
        maximum = loop.get("loopMaximum")
        if maximum is not None and not maximum.strip().isdigit():
            problems.append(doc.problem(loop, f"{_owner(loop)} 的最大循环次数 (loopMaximum) 应为整数，现在是 \"{maximum}\""))
    for parameter in doc.root.iter(q("parameter", SPIFF)):
        if parameter.get("value") is not None:
            problems += code.expression(doc.name, parameter, parameter.get("value"),
                                        f"{_owner(parameter)} 的参数 {parameter.get('id')}", in_text=False)
    return problems


def _timers(doc: Doc, code: CodeChecker) -> list[Problem]:
    problems = []
    for definition in doc.root.iter(q("timerEventDefinition")):
        event = definition.getparent()
        times = [child for child in definition if child.tag in [q(kind) for kind in TIMER_KINDS]]
        if not times:
            problems.append(doc.problem(event, f"计时器事件 {event.get('id')} 没有设置时间 (timeDuration、timeDate 或 timeCycle)"))
        for element in times:
            kind = element.tag.split("}")[1]
            _, error, is_expression = classify(element.text, kind)
            problems += _language_problem(doc, element)
            if error:
                written = (element.text or "").strip()
                problems.append(doc.problem(element, f"计时器事件 {event.get('id')} 的 {kind} \"{written}\" "
                                                     f"无效：{error}"))
            elif is_expression:
                problems += code.expression(doc.name, element, element.text,
                                            f"计时器事件 {event.get('id')} 的 {kind}（不是 ISO 8601，按 Python 表达式处理）")
    return problems


def _properties(doc: Doc, code: CodeChecker) -> list[Problem]:
    problems = []
    for extensions in doc.root.iter(q("extensionElements")):
        owner = extensions.getparent()
        for prop in property_elements(owner):
            name, value = prop.get("name"), prop.get("value")
            if not name or value is None:
                problems.append(doc.problem(prop, f"{_owner(owner)} 的扩展属性缺少 name 或 value "
                                                  f"(property without name or value)"))
            elif name in ("scope", "scopeAfterStart"):
                problems += code.expression(doc.name, prop, value, f"{_owner(owner)} 的 {name} 属性", in_text=False)
            elif name == "dueIn":
                error = iso_error(value.strip(), "dueIn")
                if error:
                    problems.append(doc.problem(prop, f"{_owner(owner)} 的 dueIn 属性 \"{value}\" 无效：{error}"))
    return problems


def check_expressions(doc: Doc, code: CodeChecker) -> list[Problem]:
    return [problem for check in (_conditions, _scripts, _texts, _timers, _properties) for problem in check(doc, code)]
