"""The designer's loop of README "Changing a process while cases run", end to end: a copy of a shipped
process edited in Camunda Modeler's dialect is validated, gets a scenario that passes, is deployed as
version 2 while cases run on version 1, the cases are dry-run and then migrated through the API, and the
migrated case's diagram shows the new version with its open task marked."""
from __future__ import annotations

import shutil
import textwrap
from xml.etree import ElementTree

from click.testing import CliRunner

from gwc.cli import main
from tests.conftest import ROOT

NEW_NAME = "区机关事务中心审核（新）"
LEVELS = {"approval_subject": "跨区调剂 A024 大流量排涝泵", "approval_levels": [
    {"role": "DISTRICT_AGENCY", "scope": "简阳市", "title": "调出方：简阳市机关事务中心审批"},
    {"role": "FINANCE_APPROVER", "scope": "简阳市", "title": "调出方财政：简阳市财政局审批"}]}


def edited_copy(tmp_path):
    """workflows/approval copied, its properties rewritten as Camunda Modeler writes them, one task renamed."""
    (tmp_path / "workflows").mkdir()
    (tmp_path / "forms").mkdir()
    shutil.copytree(ROOT / "workflows" / "approval", tmp_path / "workflows" / "approval",
                    ignore=shutil.ignore_patterns("*.scenarios.yaml", "README.md"))
    shutil.copytree(ROOT / "forms" / "approval", tmp_path / "forms" / "approval")
    bpmn = tmp_path / "workflows" / "approval" / "approval.bpmn"
    xml = bpmn.read_text(encoding="utf-8")
    assert 'name="区机关事务中心审批"' in xml or "approve_district_agency" in xml
    xml = xml.replace("<spiffworkflow:properties>", "<camunda:properties>") \
             .replace("</spiffworkflow:properties>", "</camunda:properties>") \
             .replace("<spiffworkflow:property ", "<camunda:property ")
    xml = xml.replace('xmlns:spiffworkflow=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=', 1)
    start = xml.index('id="approve_district_agency"')
    name_at = xml.index('name="', start)
    end = xml.index('"', name_at + 6)
    xml = xml[:name_at] + f'name="{NEW_NAME}"' + xml[end + 1:]
    bpmn.write_text(xml, encoding="utf-8")
    return tmp_path


def test_edit_validate_test_deploy_migrate_and_see(tmp_path, engine, api, users):
    copy = edited_copy(tmp_path)
    cli = CliRunner()
    checked = cli.invoke(main, ["validate", str(copy / "workflows" / "approval"), str(copy / "forms" / "approval")])
    assert checked.exit_code == 0, checked.output
    (copy / "workflows" / "approval" / "approval.scenarios.yaml").write_text(textwrap.dedent("""\
        process: approval
        scenarios:
          - name: 两级同意
            start:
              approval_subject: 跨区调剂 A024 大流量排涝泵
              approval_levels:
                - {role: DISTRICT_AGENCY, scope: 简阳市, title: 区机关事务中心}
                - {role: FINANCE_APPROVER, scope: 简阳市, title: 财政局}
            steps:
              - task: approve_district_agency
                submit: {approval_decision: APPROVE, approval_comment: 同意}
              - task: approve_finance
                submit: {approval_decision: APPROVE, approval_comment: 同意}
            expect: {status: completed, data: {approval_outcome: APPROVED}}
        """), encoding="utf-8")
    tested = cli.invoke(main, ["test", str(copy / "workflows" / "approval"), "--forms", str(copy / "forms")])
    assert tested.exit_code == 0 and "1 passed, 0 failed" in tested.output, tested.output

    engine.deploy(paths=[ROOT / "workflows" / "approval", ROOT / "forms" / "approval"])          # version 1
    running = [engine.start_case("approval", LEVELS, "boss")["id"] for _ in range(2)]
    (v2,) = engine.deploy(paths=[copy / "workflows" / "approval", copy / "forms" / "approval"])
    assert v2.version == 2
    changed = [c for c in v2.changes["changed"] if c["id"] == "approve_district_agency"]
    assert changed and not v2.changes["removed"], v2.changes

    dry = api.ok("post", "/api/v1/process-models/approval/migrations", "boss", json={"to_version": 2, "dry_run": True})
    assert {i["case_id"] for i in dry["items"] if i["movable"]} == set(running) and dry["moved"] == 0
    assert {c["version"] for c in (engine.get_case(cid) for cid in running)} == {1}
    done = api.ok("post", "/api/v1/process-models/approval/migrations", "boss", json={"to_version": 2})
    assert done["moved"] == 2
    case = api.ok("get", f"/api/v1/cases/{running[0]}", "boss")
    assert case["version"] == 2 and [t["title"] for t in case["open_tasks"]] == [NEW_NAME]
    assert "migrated" in [e["type"] for e in api.ok("get", f"/api/v1/cases/{running[0]}/events", "boss")["items"]]

    svg = api.get(f"/api/v1/cases/{running[0]}/diagram.svg", "boss")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(svg.get_data())
    active = [g for g in root.iter("{http://www.w3.org/2000/svg}g")
              if "gwc-active" in (g.get("class") or "") and g.get("data-element-id") == "approve_district_agency"]
    assert active and NEW_NAME[:6] in "".join(active[0].itertext())
