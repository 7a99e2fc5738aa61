"""The model importer end to end: hostile input never crashes it, and a good bundle yields definitions."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.errors import ModelInvalidError
from engine.models import (Problem, ValidationResult, normalize_timers, parse_xml, task_properties,
                           validate_bundle)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "models"
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def good_bundle(folder: str = "asset_request") -> dict[str, bytes]:
    return {f"{folder}/{p.name}": p.read_bytes() for p in sorted(FIXTURES.iterdir())
            if p.name.startswith(("asset_request", "apply", "holder_review"))}


HOSTILE = {
    "xxe": b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>',
    "xxe_parameter": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><d/>',
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                 for i in range(1, 10))
                      + b']><lolz>&lol9;</lolz>',
    "utf16_doctype": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM '
                     '"file:///etc/passwd">]><d>&x;</d>'.encode("utf-16"),
    "deep_nesting": b"<a>" * 10_000 + b"</a>" * 10_000,
    "nesting_just_too_deep": b"<a>" * 230 + b"</a>" * 230,
    "huge_attribute": b'<bpmn:definitions ' + NS.encode() + b' id="' + b"x" * 200_000 + b'"/>',
    "not_xml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR garbage \xff\xfe",
    "empty": b"",
    "whitespace": b"   \n\t ",
    "truncated": b'<bpmn:definitions ' + NS.encode() + b'><bpmn:process id="p">',
    "no_process_id": b'<bpmn:definitions ' + NS.encode() + b' id="d" targetNamespace="x">\n'
                     b'<bpmn:process isExecutable="true">\n<bpmn:startEvent id="s"/>\n</bpmn:process>\n'
                     b'</bpmn:definitions>',
    "other_root": b'<html><body>hello</body></html>',
    "too_big": b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_becomes_problems_and_leaks_nothing(name):
    result = validate_bundle({f"{name}.bpmn": HOSTILE[name]}, operators=set())
    assert result.problems and not result.processes
    for problem in result.problems:
        assert problem.file == f"{name}.bpmn" and problem.message
        assert "root:" not in problem.message and "/bin/" not in problem.message
        assert "内部错误" not in problem.message


@pytest.mark.parametrize("name", ["xxe", "xxe_parameter", "billion_laughs", "utf16_doctype"])
def test_doctype_is_refused_before_parsing(name):
    tree, problems = parse_xml(HOSTILE[name], "x.bpmn")
    assert tree is None and "DOCTYPE" in problems[0].message


def test_parse_xml_limits_and_lines():
    assert "嵌套" in parse_xml(HOSTILE["deep_nesting"], "d.bpmn")[1][0].message
    assert "嵌套" in parse_xml(HOSTILE["nesting_just_too_deep"], "d.bpmn")[1][0].message
    assert parse_xml(b"<a>" * 150 + b"</a>" * 150, "ok.bpmn")[0] is not None
    assert "KB" in parse_xml(HOSTILE["huge_attribute"], "a.bpmn")[1][0].message
    assert "上限" in parse_xml(b"<a/>", "small.bpmn", max_bytes=3)[1][0].message
    tree, problems = parse_xml(b"<r>\n<a>\n</b></r>", "m.bpmn")
    assert tree is None and problems[0].line == 3 and "malformed" in problems[0].message


def test_no_process_id_is_reported_with_its_line():
    problems = validate_bundle({"n.bpmn": HOSTILE["no_process_id"]}, operators=set()).problems
    assert any(p.line == 2 and "没有 id" in p.message for p in problems)


def test_broken_json_forms_are_problems_with_lines():
    files = good_bundle()
    files["asset_request/apply.schema.json"] = b'{\n  "type": "object",\n  "properties": {,}\n}'
    files["asset_request/deep.json"] = b"[" * 100_000 + b"]" * 100_000
    files["asset_request/latin1.json"] = '{"title": "é"}'.encode("latin-1")
    problems = validate_bundle(files, operators={"reserve_assets"}).problems
    by_file = {p.file: p for p in problems}
    assert by_file["asset_request/apply.schema.json"].line == 3
    assert "asset_request/deep.json" in by_file and "asset_request/latin1.json" in by_file


def test_a_valid_bundle_yields_process_definitions():
    result = validate_bundle(good_bundle(), operators={"reserve_assets"})
    assert result.ok, [str(p) for p in result.problems]
    definition = result.processes["asset_request"]
    assert definition.name == "资产申领"
    assert definition.roles == ["BRANCH_KEEPER", "UNIT_CLERK"]
    assert definition.start_role == "UNIT_CLERK"
    assert definition.file == "asset_request/asset_request.bpmn"
    assert definition.files == ["asset_request/apply.schema.json", "asset_request/apply.uischema.json",
                                "asset_request/asset_request.bpmn", "asset_request/holder_review.schema.json"]
    assert definition.form_refs["holder_review.schema.json"] == "asset_request/holder_review.schema.json"
    assert definition.messages.waits_for == ("资产已领取",)
    assert not definition.messages.has_message_start and definition.message_start is None
    assert definition.spec.name == "asset_request" and isinstance(definition.subprocess_specs, dict)
    assert set(result.forms) == {"asset_request/apply.schema.json", "asset_request/apply.uischema.json",
                                 "asset_request/holder_review.schema.json"}
    assert result.forms["asset_request/apply.schema.json"]["title"] == "资产申领单"


def test_unquoted_timer_is_quoted_in_the_spec_only():
    source = good_bundle()["asset_request/asset_request.bpmn"]
    assert b"<bpmn:timeDuration>PT1H</bpmn:timeDuration>" in source
    spec = validate_bundle(good_bundle(), operators={"reserve_assets"}).processes["asset_request"].spec
    assert spec.task_specs["pickup_timeout"].event_definition.expression == "'PT1H'"


def test_camunda_properties_reach_the_runtime_like_spiff_ones():
    spec = validate_bundle(good_bundle(), operators={"reserve_assets"}).processes["asset_request"].spec
    assert task_properties(spec.task_specs["holder_review"]) == {
        "formJsonSchemaFilename": "holder_review.schema.json", "scope": "holder_region", "dueIn": "P2D"}
    assert task_properties(spec.task_specs["apply"])["formUiSchemaFilename"] == "apply.uischema.json"
    assert task_properties(object()) == {}


def test_normalize_timers_rewrites_only_unquoted_iso_literals():
    root = etree.fromstring(
        f'<bpmn:definitions {NS}><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>PT1H</bpmn:timeDuration><bpmn:timeDate>"2026-01-01T09:00:00+08:00"</bpmn:timeDate>'
        '<bpmn:timeCycle>R3/PT10M</bpmn:timeCycle><bpmn:timeDuration>due_in</bpmn:timeDuration>'
        '</bpmn:timerEventDefinition></bpmn:definitions>')
    assert normalize_timers(root) == 3
    assert [el.text for el in root.iter("{*}timeDuration", "{*}timeDate", "{*}timeCycle")] == [
        "'PT1H'", "'2026-01-01T09:00:00+08:00'", "'R3/PT10M'", "due_in"]


def test_problems_in_several_files_are_reported_together():
    files = good_bundle()
    files["asset_request/holder_review.schema.json"] = b'{"type": 12}'
    files["broken.bpmn"] = b"<oops"
    files["notes.txt"] = b"hello"
    problems = validate_bundle(files, operators=set()).problems
    assert {p.file for p in problems} >= {"asset_request/holder_review.schema.json", "broken.bpmn", "notes.txt",
                                           "asset_request/asset_request.bpmn"}


def test_the_given_sandbox_checks_the_code():
    class Refusing:
        def check_expression(self, src):
            return [(1, "refused by sandbox")] if "decision" in src else []

        def check_script(self, src):
            return []
    problems = validate_bundle(good_bundle(), operators={"reserve_assets"}, sandbox=Refusing()).problems
    assert [p.element_id for p in problems if "refused by sandbox" in p.message] == ["f_approved"]


def test_a_crashing_sandbox_is_a_problem_not_a_crash():
    class Broken:
        def check_expression(self, src):
            raise RuntimeError("boom")
        check_script = check_expression
    result = validate_bundle(good_bundle(), operators={"reserve_assets"}, sandbox=Broken())
    assert result.problems and all(p.message for p in result.problems)


def test_problem_format_and_result_helpers():
    problem = Problem("a/b.bpmn", 12, "task_1", "出错了")
    assert str(problem) == "a/b.bpmn:12: task_1: 出错了"
    assert str(Problem("x.json", None, None, "m")) == "x.json:: : m"
    assert problem.to_dict() == {"file": "a/b.bpmn", "line": 12, "element_id": "task_1", "message": "出错了",
                                 "severity": "error", "element_name": None}
    named = Problem("a/b.bpmn", 42, "holder_gateway", "没有默认流", "warning", "保管方是否同意？")
    assert str(named) == "a/b.bpmn:42: holder_gateway: warning: 「保管方是否同意？」 没有默认流"
    warned = ValidationResult([], {}, {}, [named])
    assert warned.ok and warned.all_problems == [named] and warned.details()[0]["severity"] == "warning"
    warned.raise_if_invalid()
    result = ValidationResult([problem])
    with pytest.raises(ModelInvalidError) as caught:
        result.raise_if_invalid()
    assert caught.value.details == [problem.to_dict()]
    ValidationResult().raise_if_invalid()


def test_randomly_damaged_models_never_crash_the_importer():
    import random
    rng = random.Random(20260301)
    original = good_bundle()
    for _ in range(60):
        root = etree.fromstring(original["asset_request/asset_request.bpmn"])
        elements = list(root.iter())
        for _ in range(rng.randint(1, 4)):
            element = rng.choice(elements)
            if rng.random() < 0.4 and element.getparent() is not None:
                element.getparent().remove(element)
            elif element.attrib and rng.random() < 0.5:
                element.set(rng.choice(list(element.attrib)), rng.choice(["", "x", "start", "false", "1 +", "PT"]))
            else:
                element.text = rng.choice([None, "", "x = ", "PT1H", "???", "2026-01-01T00:00:00"])
        files = dict(original, **{"asset_request/asset_request.bpmn": etree.tostring(root)})
        for problem in validate_bundle(files, operators={"reserve_assets"}).problems:
            assert problem.message and "内部错误" not in problem.message, problem
            assert not problem.element_id or (isinstance(problem.line, int) and problem.line > 0), problem
