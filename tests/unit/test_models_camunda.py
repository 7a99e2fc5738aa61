"""Files as Camunda Modeler writes them: what the engine reads (candidate groups, JSON formKeys, unquoted
timers, camunda:properties) and what it refuses by name with what to write instead."""
from __future__ import annotations

from pathlib import Path

from engine.models import task_properties, validate_bundle
from engine.runtime.operators import OperatorRegistry
from tests.unit.test_models_checks import check, line_of, model, the

CAMUNDA = Path(__file__).parents[1] / "fixtures" / "camunda"


def repair_files() -> dict[str, bytes]:
    return {name: (CAMUNDA / name).read_bytes() for name in ("repair_request.bpmn", "finance_review.schema.json")}


def test_a_camunda_modeler_file_deploys_with_its_roles_forms_and_timer():
    result = validate_bundle(repair_files(), operators=set())
    assert result.ok and not result.all_problems, [str(p) for p in result.all_problems]
    definition = result.processes["repair_request"]
    assert definition.roles == ["FINANCE_APPROVER", "MANAGER", "UNIT_CLERK"]
    assert definition.start_role == "UNIT_CLERK"                      # camunda:candidateStarterGroups
    assert definition.files == ["finance_review.schema.json", "repair_request.bpmn"]
    review = definition.spec.task_specs["finance_review"]
    assert task_properties(review) == {"candidateGroups": "FINANCE_APPROVER", "dueIn": "P2D", "priority": "70",
                                       "formJsonSchemaFilename": "finance_review.schema.json"}
    assert task_properties(definition.spec.task_specs["overdue_review"])["candidateGroups"] == "MANAGER"
    assert definition.spec.task_specs["Event_overdue"].event_definition.expression == "'PT48H'"


def test_what_only_camunda_can_run_is_refused_by_name_with_a_suggestion():
    xml = (CAMUNDA / "camunda_only.bpmn").read_text(encoding="utf-8")
    problems = check(xml, operators=())
    assert all(p.is_error for p in problems)
    for element_id, words in {"load_budget": ("camunda:class", "spiffworkflow:serviceTaskOperator"),
                              "check_stock": ("camunda:expression", "spiffworkflow:serviceTaskOperator"),
                              "notify": ("camunda:delegateExpression", "spiffworkflow:serviceTaskOperator"),
                              "StartEvent_1": ("camunda:formKey", "人工任务")}.items():
        assert the(problems, element_id, *words).line == line_of(xml, f'id="{element_id}"')
    assert the(problems, "notify", "camunda:inputOutput", "preScript").line == line_of(xml, "<camunda:inputOutput>")
    assert the(problems, "review", "camunda:formRef", "formJsonSchemaFilename").element_name == "审核"
    assert not [p for p in problems if p.element_id == "review" and "多个候选组" in p.message]   # several: fine
    assert the(problems, "review", "camunda:candidateUsers")
    assert the(problems, "sign", "camunda-forms:deployment:sign.form", ".json")
    assert the(problems, "sign", "候选组是表达式", "scope")


def user_task(attributes: str = "", extensions: str = "", lane: str | None = None) -> str:
    body = (f'<bpmn:userTask id="task" name="复核" {attributes}>{extensions}</bpmn:userTask>\n'
            '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')
    xml = model(body)
    if lane:
        xml = xml.replace('<bpmn:startEvent', f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="{lane}">'
                          '<bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>task</bpmn:flowNodeRef>'
                          '<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n<bpmn:startEvent', 1)
    return xml


def test_candidate_groups_win_over_the_lane_with_a_warning():
    xml = user_task('camunda:candidateGroups="FINANCE_APPROVER"', lane="UNIT_CLERK")
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok and result.processes["p"].roles == ["FINANCE_APPROVER", "UNIT_CLERK"]
    warning = the(result.warnings, "task", "FINANCE_APPROVER", "UNIT_CLERK", "不生效")
    assert warning.severity == "warning" and warning.element_name == "复核"
    same = validate_bundle({"t.bpmn": user_task('camunda:candidateGroups="UNIT_CLERK"', lane="UNIT_CLERK").encode()},
                           operators=set())
    assert same.ok and not same.all_problems


def test_a_candidate_group_places_a_task_that_is_in_no_lane():
    xml = user_task('camunda:candidateGroups="FINANCE_APPROVER"').replace(
        '<bpmn:startEvent', '<bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="UNIT_CLERK"><bpmn:flowNodeRef>start'
                            '</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n<bpmn:startEvent', 1)
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok and not result.all_problems, [str(p) for p in result.all_problems]
    assert result.processes["p"].start_role == "UNIT_CLERK"


def test_a_spiff_candidate_groups_property_works_the_same_way():
    xml = user_task(extensions='<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                               'name="candidateGroups" value="FINANCE_APPROVER" /></spiffworkflow:properties>'
                               '</bpmn:extensionElements>')
    result = validate_bundle({"t.bpmn": xml.encode()}, operators=set())
    assert result.ok and result.processes["p"].roles == ["FINANCE_APPROVER"]


def test_form_keys_naming_a_deployed_json_file_are_forms():
    form = {"review.schema.json": b'{"type": "object", "properties": {"ok": {"type": "boolean"}}}'}
    for key in ("review.schema.json", "deployment:review.schema.json", "embedded:deployment:review.schema.json"):
        result = validate_bundle({"t.bpmn": user_task(f'camunda:formKey="{key}"').encode(), **form}, operators=set())
        assert result.ok, (key, [str(p) for p in result.problems])
        assert task_properties(result.processes["p"].spec.task_specs["task"]) == {
            "formJsonSchemaFilename": "review.schema.json"}
        assert result.processes["p"].files == ["review.schema.json", "t.bpmn"]
    missing = validate_bundle({"t.bpmn": user_task('camunda:formKey="gone.schema.json"').encode()}, operators=set())
    assert the(missing.problems, "task", "gone.schema.json", "找不到").line == 6
    both = user_task('camunda:formKey="review.schema.json"',
                     '<bpmn:extensionElements><camunda:properties><camunda:property name="formJsonSchemaFilename" '
                     'value="other.schema.json" /></camunda:properties></bpmn:extensionElements>')
    assert the(check(both, form), "task", "不一致", "review.schema.json", "other.schema.json")


def service_task(attributes: str, operator: str = "send_notice") -> str:
    return model(f'<bpmn:serviceTask id="task" name="通知" {attributes}><bpmn:extensionElements>'
                 f'<spiffworkflow:serviceTaskOperator id="{operator}"><spiffworkflow:parameters />'
                 '</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>\n'
                 '<bpmn:sequenceFlow id="f_end" sourceRef="task" targetRef="end" />\n<bpmn:endEvent id="end" />')


def test_async_before_is_decided_by_the_operator_not_the_model():
    operators = OperatorRegistry()
    operators.register("send_notice", lambda ctx: None)
    operators.register("send_later", lambda ctx: None, async_=True)
    inline = validate_bundle({"t.bpmn": service_task('camunda:asyncBefore="true"').encode()}, operators=operators)
    assert inline.ok
    warning = the(inline.warnings, "task", "camunda:asyncBefore", "send_notice", "async_=True")
    assert warning.severity == "warning"
    background = validate_bundle({"t.bpmn": service_task('camunda:asyncBefore="true"', "send_later").encode()},
                                 operators=operators)
    assert background.ok and not background.all_problems


def test_a_camunda_implementation_next_to_an_operator_is_a_warning():
    result = validate_bundle({"t.bpmn": service_task('camunda:class="com.example.Notify"').encode()},
                             operators={"send_notice"})
    assert result.ok
    assert the(result.warnings, "task", "camunda:class", "send_notice").severity == "warning"


def test_round_trip_source_is_not_touched_by_validation():
    files = repair_files()
    before = dict(files)
    validate_bundle(files, operators=set())
    assert files == before
