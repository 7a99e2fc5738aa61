"""Code, timers, decisions, forms and operators in a model: checked at deploy, located precisely."""
from __future__ import annotations

import json

from engine.models import validate_bundle
from tests.unit.test_models_checks import TASK_END, check, line_of, model, the

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_level" name="层级" namespace="http://x">
  <decision id="level" name="审批层级">
    <decisionTable id="table" hitPolicy="{policy}">
      <input id="in_amount" label="金额"><inputExpression id="ie" typeRef="number"><text>{input}</text></inputExpression></input>
      <output id="out_level" label="层级" name="level" typeRef="string" />
      <rule id="r1">
        <inputEntry id="r1_in"><text>{cell}</text></inputEntry>
        <outputEntry id="r1_out"><text>{output}</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2_in"><text>-</text></inputEntry>
        <outputEntry id="r2_out"><text>"unit"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>{more}
</definitions>
"""
RULE_TASK = ('<bpmn:businessRuleTask id="task"><bpmn:extensionElements><spiffworkflow:calledDecisionId>level'
             '</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>\n'
             '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')


def dmn(policy="UNIQUE", input="amount", cell="&gt; 50000", output='"finance"', more=""):
    return DMN.format(policy=policy, input=input, cell=cell, output=output, more=more)


def test_conditions_scripts_and_pre_post_scripts_must_compile():
    xml = model('<bpmn:scriptTask id="task"><bpmn:script>a = 1\nb = 2 +\nc = 3</bpmn:script></bpmn:scriptTask>\n'
                '<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="gw" />\n'
                '<bpmn:exclusiveGateway id="gw" default="f_else" />\n'
                '<bpmn:sequenceFlow id="f_if" sourceRef="gw" targetRef="form">\n'
                '<bpmn:conditionExpression>${amount &gt; 1000}</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
                '<bpmn:sequenceFlow id="f_else" sourceRef="gw" targetRef="form" />\n'
                '<bpmn:userTask id="form"><bpmn:extensionElements>\n'
                '<spiffworkflow:preScript>x = = 1</spiffworkflow:preScript></bpmn:extensionElements></bpmn:userTask>\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="form" targetRef="end" />\n<bpmn:endEvent id="end" />\n'
                '<bpmn:scriptTask id="empty_script" />')
    problems = check(xml)
    assert the(problems, "task", "脚本", "第 2 行").line == line_of(xml, "b = 2 +")
    assert the(problems, "f_if", "条件", "JUEL").line == line_of(xml, "${amount")
    assert the(problems, "form", "preScript").line == line_of(xml, "x = = 1")
    assert the(problems, "empty_script", "没有脚本").line == line_of(xml, 'id="empty_script"')


def test_service_parameters_correlations_and_loops_must_compile():
    xml = model('<bpmn:serviceTask id="task"><bpmn:extensionElements>\n'
                '<spiffworkflow:serviceTaskOperator id="known_op"><spiffworkflow:parameters>\n'
                '<spiffworkflow:parameter id="asset_ids" type="list" value="asset ids" />\n'
                '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>\n'
                '<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="wait" />\n'
                '<bpmn:receiveTask id="wait" messageRef="paid">\n<bpmn:multiInstanceLoopCharacteristics>'
                '<bpmn:loopCardinality>len(items</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
                '</bpmn:receiveTask>\n<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />\n<bpmn:endEvent id="end" />',
                defs='<bpmn:message id="paid" name="payment_received" />\n'
                     '<bpmn:correlationProperty id="order_id" name="订单">\n'
                     '<bpmn:correlationPropertyRetrievalExpression messageRef="paid">\n'
                     '<bpmn:formalExpression>payload["order"</bpmn:formalExpression>\n'
                     '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>\n')
    problems = check(xml)
    parameter = the(problems, "task", "asset_ids")
    assert parameter.line == line_of(xml, 'id="asset_ids"')
    assert the(problems, "order_id", "关联").line == line_of(xml, 'payload["order"')
    assert the(problems, "wait", "loopCardinality").line == line_of(xml, "len(items")


def test_timers_are_iso_8601_or_expressions():
    events = "\n".join(
        f'<bpmn:boundaryEvent id="{eid}" attachedToRef="task" cancelActivity="false"><bpmn:timerEventDefinition>'
        f'<bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        f'<bpmn:sequenceFlow id="f_{eid}" sourceRef="{eid}" targetRef="end" />'
        for eid, kind, text in [("naive", "timeDate", "2026-03-01T09:00:00"), ("bad", "timeDuration", "P2X"),
                                ("quoted_bad", "timeDuration", "'tomorrow'"), ("expr_ok", "timeDate", "due_date"),
                                ("expr_bad", "timeDuration", "due in"), ("ok_cycle", "timeCycle", "R3/PT1H"),
                                ("ok_date", "timeDate", '"2026-03-01T09:00:00+08:00"')])
    xml = model(TASK_END + "\n" + events)
    problems = check(xml)
    assert the(problems, "naive", "add a time zone").line == line_of(xml, 'id="naive"')
    assert the(problems, "bad", "ISO 8601").line == line_of(xml, 'id="bad"')
    assert the(problems, "quoted_bad", "ISO 8601")
    assert the(problems, "expr_bad", "无法编译").line == line_of(xml, 'id="expr_bad"')
    assert not [p for p in problems if p.element_id in ("expr_ok", "ok_cycle", "ok_date")]


def test_scope_and_due_in_properties():
    xml = model('<bpmn:userTask id="task"><bpmn:extensionElements><spiffworkflow:properties>\n'
                '<spiffworkflow:property name="scope" value="holder region" />\n'
                '<spiffworkflow:property name="dueIn" value="2 days" />\n'
                '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')
    problems = check(xml)
    assert the(problems, "task", "scope").line == line_of(xml, 'name="scope"')
    assert the(problems, "task", "dueIn", "PT30M").line == line_of(xml, 'name="dueIn"')
    after = model('<bpmn:userTask id="task"><bpmn:extensionElements><spiffworkflow:properties>\n'
                  '<spiffworkflow:property name="scopeAfterStart" value="repair[unit" />\n'
                  '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>\n'
                  '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')
    assert the(check(after), "task", "scopeAfterStart").line == line_of(after, 'name="scopeAfterStart"')


def test_service_tasks_name_a_registered_operator():
    xml = model('<bpmn:serviceTask id="task"><bpmn:extensionElements>\n'
                '<spiffworkflow:serviceTaskOperator id="reserve_assets" resultVariable="r">'
                '<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>\n'
                '</bpmn:extensionElements></bpmn:serviceTask>\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="bare" />\n'
                '<bpmn:serviceTask id="bare" camunda:class="com.example.Reserve" />\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="bare" targetRef="end" />\n<bpmn:endEvent id="end" />')
    problems = check(xml, operators=("known_op", "notify"))
    unknown = the(problems, "task", '服务任务 task 调用的操作 "reserve_assets" 未注册', "known_op")
    assert unknown.line == line_of(xml, 'id="reserve_assets"')
    assert the(problems, "bare", "camunda:class").line == line_of(xml, 'id="bare"')
    assert validate_bundle({"t.bpmn": xml.replace("reserve_assets", "notify").encode()},
                           operators={"notify"}).problems[0].element_id == "bare"


def forms_model(schema_name="apply.schema.json", ui_name="apply.ui.json"):
    return model('<bpmn:userTask id="task"><bpmn:extensionElements><spiffworkflow:properties>\n'
                 f'<spiffworkflow:property name="formJsonSchemaFilename" value="{schema_name}" />\n'
                 f'<spiffworkflow:property name="formUiSchemaFilename" value="{ui_name}" />\n'
                 '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>\n'
                 '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')


def test_forms_must_exist_and_be_valid_json_schemas():
    schema = {"type": "object", "properties": {"amount": {"type": "number"}}}
    ui = {"ui:order": ["amount"], "amount": {"ui:widget": "updown"}}
    good = {"forms/apply.schema.json": json.dumps(schema).encode(), "forms/apply.ui.json": json.dumps(ui).encode()}
    result = validate_bundle({"p/t.bpmn": forms_model().encode(), **good}, operators=set())
    assert result.ok and result.processes["p"].form_refs == {"apply.schema.json": "forms/apply.schema.json",
                                                             "apply.ui.json": "forms/apply.ui.json"}
    missing = forms_model(schema_name="gone.schema.json")
    assert the(check(missing, extra=good), "task", "gone.schema.json").line == line_of(missing, "gone.schema.json")
    broken = {"forms/apply.schema.json": b'{"type": "object",\n "properties": {"amount": {"type": "money"}}}',
              "forms/apply.ui.json": b"{\n\n oops}"}
    problems = check(forms_model(), extra=broken)
    assert any(p.file == "forms/apply.schema.json" and "money" in p.message for p in problems)
    assert any(p.file == "forms/apply.ui.json" and p.line == 3 for p in problems)
    odd = {"forms/apply.schema.json": b'{"$schema": "http://example.com/mine", "type": "object"}',
           "forms/apply.ui.json": b"{}"}
    assert any("$schema" in p.message for p in check(forms_model(), extra=odd))
    not_object = {"forms/apply.schema.json": b'{"type": "string"}', "forms/apply.ui.json": b"{}"}
    assert any("object" in p.message for p in check(forms_model(), extra=not_object))


def test_decision_tables_are_checked_the_way_the_engine_evaluates_them():
    good = validate_bundle({"t.bpmn": model(RULE_TASK).encode(), "level.dmn": dmn().encode()}, operators=set())
    assert good.ok, good.problems
    assert good.processes["p"].files == ["level.dmn", "t.bpmn"]
    for kwargs, element_id, words in [
        ({"cell": "&gt; &gt; 5"}, "r1_in", ("r1_in", "Python")),
        ({"cell": "in (1, 2)"}, "r1_in", ("空格",)),
        ({"cell": "   "}, "r1_in", ("-",)),
        ({"output": "fin ance"}, "r1_out", ("输出",)),
        ({"input": "amount +"}, "ie", ("输入列",)),
        ({"policy": "PRIORITY"}, "table", ("PRIORITY",)),
    ]:
        text = dmn(**kwargs)
        problems = check(model(RULE_TASK), extra={"level.dmn": text.encode()})
        problem = the(problems, element_id, *words)
        assert problem.file == "level.dmn" and problem.line > 0
    two = dmn(more='\n  <decision id="other" name="另一个" />')
    assert any("一个决策" in p.message for p in check(model(RULE_TASK), extra={"level.dmn": two.encode()}))
    assert the(check(model(RULE_TASK)), "task", "level")


def test_question_mark_cells_and_dash_are_accepted():
    text = dmn(cell="1000 &lt; ? &lt;= 50000")
    assert validate_bundle({"t.bpmn": model(RULE_TASK).encode(), "level.dmn": text.encode()}, operators=set()).ok


def test_warnings_are_not_problems():
    xml = model('<bpmn:scriptTask id="task"><bpmn:script>import_ok = re_match("\\d+", text) if x is 1 else None'
                '</bpmn:script></bpmn:scriptTask>\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="wait" />\n'
                '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m" />'
                '</bpmn:intermediateCatchEvent>\n<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />\n'
                '<bpmn:endEvent id="end" />',
                defs='<bpmn:message id="m" name="paid"><bpmn:extensionElements><spiffworkflow:messageVariable>p'
                     '</spiffworkflow:messageVariable></bpmn:extensionElements></bpmn:message>\n')
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok, result.problems
    assert result.processes["p"].messages.waits_for == ("paid",)


def test_message_start_and_camunda_decision_refs():
    xml = model(RULE_TASK.replace('<bpmn:businessRuleTask id="task"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
                                  'level</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>',
                                  '<bpmn:businessRuleTask id="task" camunda:decisionRef="level" />'),
                defs='<bpmn:message id="m" name="供应商已注册" />\n').replace(
        '<bpmn:startEvent id="start" />', '<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="m" />'
                                          '</bpmn:startEvent>')
    result = validate_bundle({"t.bpmn": xml.encode(), "level.dmn": dmn().encode()}, operators=set())
    assert result.ok, result.problems
    definition = result.processes["p"]
    assert definition.message_start == "供应商已注册" and definition.messages.has_message_start
    assert definition.files == ["level.dmn", "t.bpmn"]


def test_dmn_files_must_parse_and_may_use_any_prefix():
    prefixed = dmn().replace("<definitions xmlns=", "<d:definitions xmlns:d=").replace("</definitions>", "</d:definitions>")
    for tag in ("decision", "decisionTable", "input", "inputExpression", "text", "output", "rule", "inputEntry",
                "outputEntry"):
        prefixed = prefixed.replace(f"<{tag} ", f"<d:{tag} ").replace(f"<{tag}>", f"<d:{tag}>")
        prefixed = prefixed.replace(f"</{tag}>", f"</d:{tag}>")
    result = validate_bundle({"t.bpmn": model(RULE_TASK).encode(), "level.dmn": prefixed.encode()}, operators=set())
    assert result.ok, result.problems
    broken = check(model(RULE_TASK), extra={"level.dmn": b"<definitions>\n<decision"})
    assert any(p.file == "level.dmn" and p.line == 2 for p in broken)
    not_dmn = check(model(RULE_TASK), extra={"level.dmn": model(TASK_END).encode()})
    assert any(p.file == "level.dmn" and "DMN" in p.message for p in not_dmn)


def test_dmn_schema_errors_are_located_and_an_unbuildable_schema_is_skipped():
    text = dmn().replace('<output id="out_level"', '<bogus id="b1" />\n      <output id="out_level"')
    problems = check(model(RULE_TASK), extra={"level.dmn": text.encode()})
    assert the(problems, "b1", "XSD").line == line_of(text, 'id="b1"')
    dmn12 = dmn().replace("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/")
    assert validate_bundle({"t.bpmn": model(RULE_TASK).encode(), "level.dmn": dmn12.encode()}, operators=set()).ok
