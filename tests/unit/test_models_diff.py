"""What changed between two versions of a process (engine/models/diff.py), as a designer reads it."""
from __future__ import annotations

from pathlib import Path

from engine.models.diff import diff_sources, summary_text

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"
FORMS = ("fill.schema.json", "review.schema.json", "sign.schema.json")


def bundle(version: str, **replace: str) -> dict[str, bytes]:
    """A version's files as deployed (v2 no longer has the sign form); replace: old text -> new text."""
    names = [f"change_request_{version}.bpmn", *FORMS[: 3 if version == "v1" else 2]]
    files = {n: (MIGRATION / n).read_bytes() for n in names}
    key = names[0]
    text = files[key].decode()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    files[key] = text.encode()
    return files


def ids(items) -> list[str]:
    return [i["id"] for i in items]


def test_v1_to_v2_lists_added_removed_and_changed_elements_with_type_and_name():
    diff = diff_sources(bundle("v1"), bundle("v2"), "change_request")
    assert summary_text(diff) == "+2 ~2 -2"
    assert diff["added"] == [{"id": "final_approve", "type": "userTask", "name": "最终批准"},
                             {"id": "archive", "type": "scriptTask", "name": "归档"}]
    assert diff["removed"] == [{"id": "precheck", "type": "scriptTask", "name": "预检"},
                               {"id": "legacy_sign", "type": "userTask", "name": "旧版会签"}]
    fill, review = diff["changed"]
    assert (fill["id"], fill["type"], fill["name"]) == ("fill", "userTask", "填写变更申请")
    assert fill["fields"] == ["name", "outgoing"]
    assert fill["from"] == {"name": "填写申请"} and fill["to"] == {"name": "填写变更申请"}
    assert review["id"] == "review" and review["from"]["name"] == "审核"
    assert diff["files"] == [{"file": "sign.schema.json", "kind": "form", "change": "removed"}]


def test_same_sources_and_layout_only_changes_are_no_change():
    assert diff_sources(bundle("v1"), bundle("v1"), "change_request")["summary"] == \
        {"added": 0, "changed": 0, "removed": 0}
    moved = bundle("v1", **{'<dc:Bounds x="510" y="90"': '<dc:Bounds x="999" y="95"',
                            'id="review_deadline_timer"': 'id="TimerEventDefinition_0x1y2z"',
                            '"P3D"': "P3D"})          # a modeler's regenerated id, an unquoted timer
    diff = diff_sources(bundle("v1"), moved, "change_request")
    assert summary_text(diff) == "+0 ~0 -0" and diff["files"] == []


def test_a_first_version_is_all_added():
    diff = diff_sources(None, bundle("v1"), "change_request")
    assert diff["summary"] == {"added": 8, "changed": 0, "removed": 0}
    assert "legacy_sign" in ids(diff["added"]) and diff["files"] == []


def test_each_aspect_of_an_element_is_reported_by_name():
    cases = {
        "script": ("<bpmn:script>checked = True</bpmn:script>", "<bpmn:script>checked = 1</bpmn:script>", "precheck"),
        "timer": ('"P3D"', '"P5D"', "review_deadline"),
        "properties": ('value="sign.schema.json"/>',
                       'value="sign.schema.json"/>\n          <spiffworkflow:property name="dueIn" value="P2D"/>',
                       "legacy_sign"),
        "form": ('name="formJsonSchemaFilename" value="sign.schema.json"',
                 'name="formJsonSchemaFilename" value="review.schema.json"', "legacy_sign"),
        "type": ('<bpmn:userTask id="legacy_sign" name="旧版会签">', '<bpmn:manualTask id="legacy_sign" name="旧版会签">',
                 "legacy_sign"),
    }
    for field, (old, new, element) in cases.items():
        replace = {old: new}
        if field == "type":
            end = '    </bpmn:{}>\n    <bpmn:endEvent id="end"'
            replace[end.format("userTask")] = end.format("manualTask")
        diff = diff_sources(bundle("v1"), bundle("v1", **replace), "change_request")
        assert ids(diff["changed"]) == [element], (field, diff["changed"])
        assert field in diff["changed"][0]["fields"], (field, diff["changed"][0])
    moved_lane = bundle("v1", **{
        '<bpmn:flowNodeRef>legacy_sign</bpmn:flowNodeRef>\n': "",
        '<bpmn:flowNodeRef>review</bpmn:flowNodeRef>\n':
            '<bpmn:flowNodeRef>review</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>legacy_sign</bpmn:flowNodeRef>\n'})
    lane = diff_sources(bundle("v1"), moved_lane, "change_request")["changed"]
    assert ids(lane) == ["legacy_sign"] and lane[0]["fields"] == ["lane"]
    assert lane[0]["from"] == {"lane": "CITY_AGENCY_APPROVER"} and lane[0]["to"] == {"lane": "UNIT_HEAD"}


def test_a_changed_form_file_marks_its_tasks_and_the_file():
    new = bundle("v1")
    new["fill.schema.json"] = new["fill.schema.json"].replace(b'"required": ["subject"]',
                                                              b'"required": ["subject", "phone"]')
    diff = diff_sources(bundle("v1"), new, "change_request")
    assert ids(diff["changed"]) == ["fill"] and diff["changed"][0]["fields"] == ["form"]
    assert diff["files"] == [{"file": "fill.schema.json", "kind": "form", "change": "changed"}]


def test_a_condition_on_an_outgoing_flow_changes_its_source():
    flow = '<bpmn:sequenceFlow id="flow_review_legacy_sign" sourceRef="review" targetRef="legacy_sign"'

    def with_condition(condition: str) -> dict[str, bytes]:
        return bundle("v1", **{flow + "/>": f"{flow}><bpmn:conditionExpression>{condition}"
                                              f"</bpmn:conditionExpression></bpmn:sequenceFlow>"})
    old, new = with_condition("approved"), with_condition("approved == True")
    diff = diff_sources(old, new, "change_request")
    assert ids(diff["changed"]) == ["review"] and diff["changed"][0]["fields"] == ["conditions"]


def test_camunda_properties_read_like_spiffworkflow_ones():
    block = ('<{0}:properties>\n          <{0}:property name="formJsonSchemaFilename" value="sign.schema.json"/>\n'
             '        </{0}:properties>')
    camunda = bundle("v1", **{
        'xmlns:spiffworkflow=': 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=',
        block.format("spiffworkflow"): block.format("camunda")})
    assert diff_sources(bundle("v1"), camunda, "change_request")["summary"]["changed"] == 0


def test_unknown_process_or_unreadable_sources_do_not_raise():
    assert diff_sources(bundle("v1"), bundle("v2"), "nope")["summary"] == {"added": 0, "changed": 0, "removed": 0}
    broken = {"x.bpmn": b"<not xml", **bundle("v2")}
    assert diff_sources({"x.bpmn": b"<<<"}, broken, "change_request")["summary"]["added"] == 8
