"""Validation that teaches: what the engine would only find at run time, every problem at once, errors
apart from warnings (which never block a deploy), each problem naming its element."""
from __future__ import annotations

from engine.models import validate_bundle
from tests.unit.test_models_checks import check, line_of, model, the

END = '<bpmn:endEvent id="end" />'


def test_a_task_with_no_way_out_is_refused():
    xml = model('<bpmn:task id="task" name="登记" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="split" />\n'
                '<bpmn:parallelGateway id="split" />\n<bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="dead" />\n'
                '<bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="join" />\n<bpmn:task id="dead" name="归档" />\n'
                '<bpmn:parallelGateway id="join" />\n<bpmn:sequenceFlow id="f4" sourceRef="join" targetRef="end" />\n' + END)
    problem = the(check(xml), "dead", "没有出口顺序流", "end event")
    assert problem.line == line_of(xml, 'id="dead"') and problem.element_name == "归档" and problem.is_error
    assert not [p for p in check(xml) if p.element_id in ("end", "join", "split")]


def test_a_closed_loop_nobody_enters_is_unreachable_and_reported_once():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end" />\n' + END + '\n'
                '<bpmn:task id="loop_a" name="甲" />\n<bpmn:sequenceFlow id="la" sourceRef="loop_a" targetRef="loop_b" />\n'
                '<bpmn:task id="loop_b" />\n<bpmn:sequenceFlow id="lb" sourceRef="loop_b" targetRef="loop_a" />\n'
                '<bpmn:sequenceFlow id="lc" sourceRef="loop_b" targetRef="end" />')
    problems = check(xml)
    unreachable = [p for p in problems if "走不到" in p.message]
    assert [(p.element_id, p.line) for p in unreachable] == [("loop_a", line_of(xml, 'id="loop_a"'))]
    assert unreachable[0].element_name == "甲"


def test_an_orphan_is_reported_once_not_again_for_what_follows_it():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end" />\n' + END + '\n'
                '<bpmn:task id="orphan" />\n<bpmn:sequenceFlow id="f2" sourceRef="orphan" targetRef="after" />\n'
                '<bpmn:task id="after" />\n<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />')
    problems = check(xml)
    assert the(problems, "orphan", "没有入口顺序流")
    assert not [p for p in problems if p.element_id == "after"]


def test_boundary_events_and_event_subprocesses_count_as_ways_in():
    xml = model('<bpmn:userTask id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end" />\n' + END + '\n'
                '<bpmn:boundaryEvent id="late" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDuration>P2D'
                '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>\n'
                '<bpmn:sequenceFlow id="f2" sourceRef="late" targetRef="remind" />\n<bpmn:task id="remind" />\n'
                '<bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="end" />\n'
                '<bpmn:subProcess id="on_cancel" triggeredByEvent="true">\n<bpmn:startEvent id="cancelled">'
                '<bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>\n'
                '<bpmn:sequenceFlow id="c1" sourceRef="cancelled" targetRef="undo" />\n<bpmn:task id="undo" />\n'
                '<bpmn:sequenceFlow id="c2" sourceRef="undo" targetRef="c_end" />\n<bpmn:endEvent id="c_end" />\n'
                '</bpmn:subProcess>', defs='<bpmn:message id="m" name="撤回" />\n')
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok and not result.all_problems, [str(p) for p in result.all_problems]
    dangling = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="late" targetRef="remind" />', "")
    assert the(check(dangling), "late", "没有出口顺序流")


def test_an_exclusive_gateway_without_default_is_a_warning_and_still_deploys():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="gw" />\n'
                '<bpmn:exclusiveGateway id="gw" name="金额是否超限？" />\n'
                '<bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>amount &gt; 1000'
                '</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
                '<bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>amount &lt;= 1000'
                '</bpmn:conditionExpression></bpmn:sequenceFlow>\n' + END)
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok and "p" in result.processes
    warning = the(result.warnings, "gw", "默认流")
    line = line_of(xml, 'id="gw"')
    assert warning.severity == "warning" and str(warning).startswith(f"t.bpmn:{line}: gw: warning: 「金额是否超限？」 ")


FORM = b'{"type": "object", "properties": {"decision": {"enum": ["APPROVE", "REJECT"]}, "comment": {"type": "string"}}}'


def review_then_gateway(condition: str, extra: str = "") -> str:
    return model('<bpmn:userTask id="task" name="复核"><bpmn:extensionElements><spiffworkflow:properties>'
                 '<spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />'
                 '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>\n'
                 '<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="gw" />\n'
                 '<bpmn:exclusiveGateway id="gw" name="是否同意？" default="yes" />\n'
                 '<bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="end" />\n'
                 f'<bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>{condition}'
                 f'</bpmn:conditionExpression></bpmn:sequenceFlow>\n' + END + extra)


def test_a_gateway_reading_a_field_the_form_before_it_lacks_is_a_warning():
    xml = review_then_gateway("approved == False and len(comment) &gt; 0")
    result = validate_bundle({"t.bpmn": xml.encode(), "review.schema.json": FORM}, operators=set())
    assert result.ok
    warning = the(result.warnings, "gw", "approved", "review.schema.json", "task")
    assert warning.severity == "warning" and "comment" not in warning.message.split("读取")[1].split("，")[0]
    fine = review_then_gateway("decision == 'REJECT'")
    assert not validate_bundle({"t.bpmn": fine.encode(), "review.schema.json": FORM}, operators=set()).all_problems


def test_a_variable_a_script_provides_is_not_asked_of_the_form():
    script = ('\n<bpmn:scriptTask id="prepare" scriptFormat="python"><bpmn:script>approved = False</bpmn:script>'
              '</bpmn:scriptTask>')
    xml = review_then_gateway("approved == False", script).replace(
        'targetRef="task" />', 'targetRef="prepare" />\n<bpmn:sequenceFlow id="f0" sourceRef="prepare" targetRef="task" />', 1)
    result = validate_bundle({"t.bpmn": xml.encode(), "review.schema.json": FORM}, operators=set())
    assert result.ok and not result.all_problems, [str(p) for p in result.all_problems]


LANES = ('<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="{name}"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>'
         '<bpmn:flowNodeRef>task</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>'
         '</bpmn:laneSet>\n<bpmn:startEvent')


def laned(name: str) -> str:
    xml = model('<bpmn:userTask id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end" />\n' + END)
    return xml.replace("<bpmn:startEvent", LANES.format(name=name), 1)


def test_a_lane_whose_role_no_user_holds_is_a_warning_when_the_roles_are_known():
    text = laned("FINANCE_APPROVER")
    xml = text.encode()
    assert not validate_bundle({"t.bpmn": xml}, operators=set()).all_problems
    assert not validate_bundle({"t.bpmn": xml}, operators=set(), known_roles={"FINANCE_APPROVER"}).all_problems
    result = validate_bundle({"t.bpmn": xml}, operators=set(), known_roles={"UNIT_CLERK"})
    assert result.ok and "p" in result.processes
    warning = the(result.warnings, "lane_a", "FINANCE_APPROVER", "task", "发起", "--grant FINANCE_APPROVER")
    assert warning.severity == "warning" and warning.line == line_of(text, 'id="lane_a"') and warning.element_name == "FINANCE_APPROVER"


def test_a_lane_name_no_grant_can_hold_is_an_error():
    problem = the(check(laned("财务部")), "lane_a", "财务部", "角色名", "BRANCH_KEEPER")
    assert problem.is_error


def test_a_file_that_is_not_utf8_is_refused_before_it_is_stored():
    xml = laned("UNIT_CLERK").replace('encoding="UTF-8"', 'encoding="GB18030"').replace(
        '<bpmn:userTask id="task" />', '<bpmn:userTask id="task" name="审核" />')
    problems = validate_bundle({"gbk.bpmn": xml.encode("gb18030")}, operators=set()).problems
    assert [p.file for p in problems] == ["gbk.bpmn"] and "UTF-8" in problems[0].message
    assert "GB18030" in problems[0].message


def test_every_problem_is_reported_at_once_errors_and_warnings_together():
    xml = review_then_gateway("approved == )").replace('<bpmn:endEvent id="end" />',
                                                      '<bpmn:endEvent id="end" />\n<bpmn:task id="stray" />')
    xml = xml.replace("</bpmn:process>", '<bpmn:boundaryEvent id="late" attachedToRef="task"><bpmn:timerEventDefinition>'
                                         '<bpmn:timeDuration>3 days</bpmn:timeDuration></bpmn:timerEventDefinition>'
                                         '</bpmn:boundaryEvent>\n<bpmn:sequenceFlow id="f_late" sourceRef="late" '
                                         'targetRef="end" />\n</bpmn:process>')
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set(), known_roles=set())
    found = {(p.element_id, p.severity) for p in result.all_problems}
    assert {("no", "error"), ("stray", "error"), ("task", "error")} <= found     # condition, orphan, missing form
    assert any(p.element_id == "late" and "timeDuration" in p.message for p in result.problems)
    assert not result.ok and not result.processes
