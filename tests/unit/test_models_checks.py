"""Each structural check of the importer: a failing example, located at the right element and line."""
from __future__ import annotations

import time

from engine.models import Problem, validate_bundle

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:signavio="http://www.signavio.com" '
        'id="defs" targetNamespace="http://example.org">\n')
START = '<bpmn:startEvent id="start" />\n<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="{first}" />'


def model(body: str, defs: str = "", pid: str = "p", first: str = "task") -> str:
    return (HEAD + defs + f'<bpmn:process id="{pid}" isExecutable="true">\n' + START.format(first=first) + "\n"
            + body.strip("\n") + "\n</bpmn:process>\n</bpmn:definitions>\n")


def check(xml: str, extra: dict | None = None, operators=("known_op",)) -> list[Problem]:
    files = {"t.bpmn": xml.encode()}
    files.update(extra or {})
    return validate_bundle(files, operators=set(operators)).problems


def line_of(xml: str, marker: str) -> int:
    return next(n for n, line in enumerate(xml.splitlines(), 1) if marker in line)


def the(problems: list[Problem], element_id: str, *words: str) -> Problem:
    found = [p for p in problems if p.element_id == element_id and all(w in p.message for w in words)]
    assert found, "\n".join(map(str, problems))
    return found[0]


TASK_END = '<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n' \
           '<bpmn:endEvent id="end" />'


def test_a_minimal_process_is_valid():
    result = validate_bundle({"t.bpmn": model(TASK_END).encode()}, operators=set())
    assert result.ok and list(result.processes) == ["p"]
    assert result.processes["p"].roles == [] and result.processes["p"].start_role is None


def test_link_events_are_refused_by_name():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="go" />\n'
                '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition id="l1" name="A" /></bpmn:intermediateThrowEvent>\n'
                '<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition id="l2" name="A" /></bpmn:intermediateCatchEvent>\n'
                '<bpmn:sequenceFlow id="f2" sourceRef="land" targetRef="end" />\n<bpmn:endEvent id="end" />')
    problems = check(xml)
    assert the(problems, "go", "link event", "sequence flow").line == line_of(xml, 'id="go"')
    assert the(problems, "land", "link event").line == line_of(xml, 'id="land"')


def test_compensation_is_refused_by_name():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n'
                '<bpmn:endEvent id="end" />\n'
                '<bpmn:boundaryEvent id="comp" attachedToRef="task"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>\n'
                '<bpmn:task id="undo" isForCompensation="true" />')
    problems = check(xml)
    assert the(problems, "comp", "compensation").line == line_of(xml, 'id="comp"')
    assert the(problems, "undo", "compensation").line == line_of(xml, 'id="undo"')


def test_data_stores_complex_gateways_ad_hoc_and_conditional_events_are_refused():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="cx" />\n'
                '<bpmn:complexGateway id="cx" />\n<bpmn:sequenceFlow id="f2" sourceRef="cx" targetRef="wait" />\n'
                '<bpmn:intermediateCatchEvent id="wait"><bpmn:conditionalEventDefinition><bpmn:condition>x &gt; 1'
                '</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>\n'
                '<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="adhoc" />\n'
                '<bpmn:adHocSubProcess id="adhoc"><bpmn:task id="inner" /></bpmn:adHocSubProcess>\n'
                '<bpmn:dataStoreReference id="store" />',
                defs='<bpmn:dataStore id="ds" name="ERP" />\n')
    problems = check(xml)
    assert the(problems, "cx", "complex gateway").line == line_of(xml, 'id="cx"')
    assert the(problems, "wait", "conditional event").line == line_of(xml, 'id="wait"')
    assert the(problems, "adhoc", "ad-hoc").line == line_of(xml, 'id="adhoc"')
    assert the(problems, "store", "data store").line == line_of(xml, 'id="store"')
    assert the(problems, "ds", "data store").line == line_of(xml, 'id="ds"')


def test_error_start_events_and_untriggered_event_subprocesses_are_refused():
    xml = model(TASK_END + '\n<bpmn:subProcess id="handler" triggeredByEvent="true">\n'
                '<bpmn:startEvent id="on_error"><bpmn:errorEventDefinition errorRef="err" /></bpmn:startEvent>\n'
                '<bpmn:sequenceFlow id="h1" sourceRef="on_error" targetRef="h_end" />\n<bpmn:endEvent id="h_end" />\n'
                '</bpmn:subProcess>\n<bpmn:subProcess id="always" triggeredByEvent="true">\n'
                '<bpmn:startEvent id="plain_start" />\n<bpmn:sequenceFlow id="h2" sourceRef="plain_start" targetRef="a_end" />\n'
                '<bpmn:endEvent id="a_end" />\n</bpmn:subProcess>',
                defs='<bpmn:error id="err" name="缺货" errorCode="NO_STOCK" />\n')
    problems = check(xml)
    assert the(problems, "on_error", "error start", "boundary event").line == line_of(xml, 'id="on_error"')
    assert the(problems, "plain_start", "event subprocess").line == line_of(xml, 'id="plain_start"')


def test_back_edge_loops_are_allowed():
    xml = model('<bpmn:userTask id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="again" />\n'
                '<bpmn:exclusiveGateway id="again" default="f_loop" />\n'
                '<bpmn:sequenceFlow id="f_loop" sourceRef="again" targetRef="task" />\n'
                '<bpmn:sequenceFlow id="f_done" sourceRef="again" targetRef="end">'
                '<bpmn:conditionExpression>done</bpmn:conditionExpression></bpmn:sequenceFlow>\n<bpmn:endEvent id="end" />')
    assert check(xml) == []


def test_gateway_flows_need_a_condition_unless_default_or_alone():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="gw" />\n'
                '<bpmn:exclusiveGateway id="gw" default="f_else" />\n'
                '<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="join"><bpmn:conditionExpression>ok'
                '</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
                '<bpmn:sequenceFlow id="f_bare" sourceRef="gw" targetRef="join" />\n'
                '<bpmn:sequenceFlow id="f_else" sourceRef="gw" targetRef="join" />\n'
                '<bpmn:inclusiveGateway id="join" />\n<bpmn:sequenceFlow id="f_alone" sourceRef="join" targetRef="end" />\n'
                '<bpmn:endEvent id="end" />')
    problems = check(xml)
    assert the(problems, "f_bare", "默认流").line == line_of(xml, 'id="f_bare"')
    assert [p.element_id for p in problems] == ["f_bare"]


def test_flows_to_missing_or_foreign_elements_are_named():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f_lost" sourceRef="task" targetRef="nowhere" />\n'
                '<bpmn:subProcess id="sub"><bpmn:startEvent id="s2" /><bpmn:sequenceFlow id="f_s" sourceRef="s2" '
                'targetRef="e2" /><bpmn:endEvent id="e2" /></bpmn:subProcess>\n'
                '<bpmn:sequenceFlow id="f_cross" sourceRef="task" targetRef="e2" />')
    problems = check(xml)
    assert the(problems, "f_lost", "nowhere", "does not exist").line == line_of(xml, 'id="f_lost"')
    assert the(problems, "f_cross", "e2", "boundary").line == line_of(xml, 'id="f_cross"')


def test_splits_and_conditions_leaving_activities_are_refused():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end" />\n'
                '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"><bpmn:conditionExpression>x'
                '</bpmn:conditionExpression></bpmn:sequenceFlow>\n<bpmn:endEvent id="end" />\n'
                '<bpmn:parallelGateway id="pg" />\n<bpmn:sequenceFlow id="f_pg" sourceRef="pg" targetRef="end">'
                '<bpmn:conditionExpression>y</bpmn:conditionExpression></bpmn:sequenceFlow>')
    problems = check(xml)
    assert the(problems, "task", "并行网关").line == line_of(xml, 'id="task"')
    assert the(problems, "f2", "忽略").line == line_of(xml, 'id="f2"')
    assert the(problems, "f_pg", "忽略").line == line_of(xml, 'id="f_pg"')
    assert the(problems, "pg", "没有入口顺序流").line == line_of(xml, 'id="pg"')


def test_event_references_must_resolve():
    xml = model('<bpmn:task id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="wait" />\n'
                '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="msg_gone" />'
                '</bpmn:intermediateCatchEvent>\n<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />\n'
                '<bpmn:endEvent id="end"><bpmn:errorEventDefinition /></bpmn:endEvent>\n'
                '<bpmn:boundaryEvent id="catch_any" attachedToRef="task"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>\n'
                '<bpmn:boundaryEvent id="sig" attachedToRef="task" cancelActivity="false">'
                '<bpmn:signalEventDefinition signalRef="sig_gone" /></bpmn:boundaryEvent>\n'
                '<bpmn:boundaryEvent id="esc" attachedToRef="task"><bpmn:escalationEventDefinition escalationRef="e_gone" />'
                '</bpmn:boundaryEvent>\n<bpmn:receiveTask id="recv" messageRef="nameless" />',
                defs='<bpmn:message id="nameless" />\n')
    problems = check(xml)
    assert the(problems, "wait", "msg_gone").line == line_of(xml, 'id="wait"')
    assert the(problems, "end", "errorRef").line == line_of(xml, 'id="end"')
    assert the(problems, "catch_any", "errorRef").line == line_of(xml, 'id="catch_any"')
    assert the(problems, "sig", "sig_gone").line == line_of(xml, 'id="sig"')
    assert the(problems, "esc", "e_gone").line == line_of(xml, 'id="esc"')
    assert the(problems, "nameless", "没有名称").line == line_of(xml, 'id="nameless"')


def test_call_activities_must_call_a_process_of_the_bundle():
    parent = model('<bpmn:callActivity id="task" calledElement="child" />\n'
                   '<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="lost" />\n'
                   '<bpmn:callActivity id="lost" calledElement="elsewhere" />\n'
                   '<bpmn:sequenceFlow id="f2" sourceRef="lost" targetRef="end" />\n<bpmn:endEvent id="end" />')
    child = model(TASK_END, pid="child").replace('id="defs"', 'id="defs_child"')
    problems = check(parent, extra={"child.bpmn": child.encode()})
    assert the(problems, "lost", "elsewhere").line == line_of(parent, 'id="lost"')
    assert not [p for p in problems if p.element_id == "task"]
    good = parent.replace('calledElement="elsewhere"', 'calledElement="child"')
    result = validate_bundle({"t.bpmn": good.encode(), "child.bpmn": child.encode()}, operators=set())
    assert result.ok, result.problems
    assert result.processes["p"].files == ["child.bpmn", "t.bpmn"]


def test_duplicate_process_ids_across_files():
    problems = check(model(TASK_END), extra={"again.bpmn": model(TASK_END).replace('id="defs"', 'id="d2"').encode()})
    assert [p.file for p in problems if p.element_id == "p" and "duplicate process id" in p.message] == ["t.bpmn"]


def test_a_file_without_an_executable_process_is_refused():
    xml = model(TASK_END).replace('isExecutable="true"', 'isExecutable="false"')
    assert the(check(xml), "p", "no executable process").line == line_of(xml, 'id="p"')


def test_lanes_are_roles_and_must_hold_every_human_task():
    xml = model('<bpmn:userTask id="task" />\n<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="loose" />\n'
                '<bpmn:userTask id="loose" />\n<bpmn:sequenceFlow id="f2" sourceRef="loose" targetRef="end" />\n'
                '<bpmn:endEvent id="end" />').replace(
        '<bpmn:startEvent', '<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="CLERK"><bpmn:flowNodeRef>task'
        '</bpmn:flowNodeRef></bpmn:lane>\n<bpmn:lane id="lane_b"><bpmn:flowNodeRef>end</bpmn:flowNodeRef>'
        '</bpmn:lane></bpmn:laneSet>\n<bpmn:startEvent', 1)
    problems = check(xml)
    assert the(problems, "loose", "泳道").line == line_of(xml, 'id="loose"')
    assert the(problems, "lane_b", "没有名称").line == line_of(xml, 'id="lane_b"')
    assert the(problems, "start", "泳道").line == line_of(xml, 'id="start"')


SUBPROCESS_REVIEW = ('<bpmn:subProcess id="sub" name="复核子流程"><bpmn:startEvent id="s_start" />'
                     '<bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="review" />\n'
                     '<bpmn:userTask id="review" name="财务复核" />\n'
                     '<bpmn:sequenceFlow id="s2" sourceRef="review" targetRef="s_end" /><bpmn:endEvent id="s_end" />'
                     '</bpmn:subProcess>\n<bpmn:sequenceFlow id="f_end" sourceRef="sub" targetRef="end" />\n'
                     '<bpmn:endEvent id="end" />')


def _review_in_lane(subprocess_lane: str | None) -> str:
    outer = "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in ("start", "end")) + \
        ("<bpmn:flowNodeRef>sub</bpmn:flowNodeRef>" if subprocess_lane == "UNIT_CLERK" else "")
    return model(SUBPROCESS_REVIEW, first="sub").replace(
        '<bpmn:startEvent', f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="UNIT_CLERK">{outer}</bpmn:lane>'
        '<bpmn:lane id="lane_b" name="FINANCE_APPROVER"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>'
        '</bpmn:laneSet>\n<bpmn:startEvent', 1)


def test_a_task_drawn_in_another_lane_than_its_subprocess_is_refused():
    """SpiffWorkflow gives a subprocess's nodes the subprocess's lane: the finance review drawn in the
    FINANCE_APPROVER lane would go to the clerks whose lane holds the subprocess."""
    xml = _review_in_lane("UNIT_CLERK")
    error = the(check(xml), "review", "FINANCE_APPROVER", "UNIT_CLERK", "sub", "移出泳道")
    assert error.is_error and error.line == line_of(xml, 'id="review"')
    # the fix the message gives: the subprocess in no lane, and the task goes to the lane it is drawn in
    result = validate_bundle({"t.bpmn": _review_in_lane(None).encode()}, operators=set())
    assert result.ok and not result.all_problems, [str(p) for p in result.all_problems]
    assert result.processes["p"].subprocess_specs["sub"].task_specs["review"].lane == "FINANCE_APPROVER"


def test_a_task_in_an_inner_subprocess_drawn_in_another_lane_than_the_outer_one_is_refused():
    inner = SUBPROCESS_REVIEW.replace('<bpmn:userTask id="review" name="财务复核" />',
                                      '<bpmn:subProcess id="inner"><bpmn:startEvent id="i_start" />'
                                      '<bpmn:sequenceFlow id="i1" sourceRef="i_start" targetRef="review" />'
                                      '<bpmn:userTask id="review" name="财务复核" />'
                                      '<bpmn:sequenceFlow id="i2" sourceRef="review" targetRef="i_end" />'
                                      '<bpmn:endEvent id="i_end" /></bpmn:subProcess>').replace(
        'targetRef="review" />\n', 'targetRef="inner" />\n', 1).replace('sourceRef="review" targetRef="s_end"',
                                                                        'sourceRef="inner" targetRef="s_end"')
    xml = model(inner, first="sub").replace(
        '<bpmn:startEvent', '<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="UNIT_CLERK"><bpmn:flowNodeRef>start'
        '</bpmn:flowNodeRef><bpmn:flowNodeRef>sub</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="lane_b" name="FINANCE_APPROVER"><bpmn:flowNodeRef>inner</bpmn:flowNodeRef></bpmn:lane>'
        '</bpmn:laneSet>\n<bpmn:startEvent', 1)
    error = the(check(xml), "review", "inner", "FINANCE_APPROVER", "sub", "UNIT_CLERK")
    assert error.is_error


def test_behaviour_carrying_camunda_extensions_are_refused_harmless_ones_pass():
    xml = model('<bpmn:userTask id="task" camunda:candidateGroups="finance" camunda:asyncBefore="true">\n'
                '<bpmn:extensionElements><signavio:signavioMetaData metaKey="x" metaValue="y" />\n'
                '<camunda:taskListener event="create" class="a.B" /></bpmn:extensionElements></bpmn:userTask>\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />\n'
                '<bpmn:sendTask id="mail" camunda:type="external" camunda:topic="email" />')
    problems = check(xml)
    assert the(problems, "task", "camunda:candidateGroups", "finance", "角色名").line == line_of(xml, 'id="task"')
    assert the(problems, "task", "camunda:taskListener").line == line_of(xml, "camunda:taskListener")
    assert the(problems, "mail", "服务任务", "camunda:topic").line == line_of(xml, 'id="mail"')
    assert not [p for p in problems if "XSD" in p.message]


def test_schema_errors_are_translated_and_located():
    xml = model(TASK_END + '\n<bpmn:userTsak id="typo" />')
    assert the(check(xml), "typo", "不应出现在这里", "XSD").line == line_of(xml, 'id="typo"')
    xml = model(TASK_END.replace('<bpmn:task id="task" />', '<bpmn:task id="task" isForCompensation="maybe" />'))
    assert the(check(xml), "task", "true 或 false", "XSD").line == line_of(xml, 'id="task"')


def test_duplicate_ids_are_reported_once_at_the_second_use():
    xml = model(TASK_END + '\n<bpmn:userTsak id="typo" />\n<bpmn:manualTask id="task" />')
    duplicates = [p for p in check(xml) if "重复" in p.message]
    assert len(duplicates) == 1 and duplicates[0].element_id == "task"
    assert duplicates[0].line == line_of(xml, '<bpmn:manualTask id="task"')


def test_subprocess_without_start_event_is_reported_by_the_parser_with_a_line():
    xml = model('<bpmn:subProcess id="task"><bpmn:task id="inner" /></bpmn:subProcess>\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')
    problem = the(check(xml), "task", "开始事件", "SpiffWorkflow")
    assert problem.line == line_of(xml, 'id="task"')


def test_unreachable_data_objects_are_refused_without_hanging_the_parser():
    xml = model('<bpmn:subProcess id="task">\n<bpmn:startEvent id="s2" />\n'
                '<bpmn:sequenceFlow id="f_s" sourceRef="s2" targetRef="inner" />\n'
                '<bpmn:task id="inner"><bpmn:dataInputAssociation id="assoc"><bpmn:sourceRef>ref</bpmn:sourceRef>'
                '<bpmn:targetRef>x</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>\n'
                '<bpmn:sequenceFlow id="f_i" sourceRef="inner" targetRef="e2" />\n<bpmn:endEvent id="e2" />\n'
                '</bpmn:subProcess>\n<bpmn:dataObjectReference id="ref" dataObjectRef="nowhere" />\n'
                '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')
    began = time.monotonic()
    problem = the(check(xml), "inner", "nowhere")
    assert time.monotonic() - began < 5
    assert problem.line == line_of(xml, 'id="assoc"')


def test_an_error_boundary_without_error_ref_is_allowed_only_on_a_service_task():
    xml = model('<bpmn:serviceTask id="svc" />\n'
                '<bpmn:boundaryEvent id="any_refusal" attachedToRef="svc"><bpmn:errorEventDefinition />'
                '</bpmn:boundaryEvent>\n<bpmn:userTask id="ut" />\n'
                '<bpmn:boundaryEvent id="catch_all_on_user_task" attachedToRef="ut"><bpmn:errorEventDefinition />'
                '</bpmn:boundaryEvent>')
    problems = check(xml)
    assert not [p for p in problems if p.element_id == "any_refusal"]
    assert the(problems, "catch_all_on_user_task", "errorRef").line == line_of(xml, 'id="catch_all_on_user_task"')


def test_an_element_id_equal_to_an_operator_or_parameter_id_is_named():
    xml = model('<bpmn:serviceTask id="reserve_assets"><bpmn:extensionElements>'
                '<spiffworkflow:serviceTaskOperator id="reserve_assets" resultVariable="r"><spiffworkflow:parameters>'
                '<spiffworkflow:parameter id="items" type="list" value="items" /></spiffworkflow:parameters>'
                '</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>\n'
                '<bpmn:scriptTask id="items"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')
    problems = check(xml)
    assert "操作名相同" in the(problems, "reserve_assets", "与服务任务").message
    assert "参数名相同" in the(problems, "items", "与服务任务").message
