"""The gwc command as a user types it: users add, validate, deploy (exit codes and output)."""
from __future__ import annotations

import os
import subprocess
import sys


from tests.conftest import FIXTURES, ROOT


def gwc(tmp_path, *args):
    env = {**os.environ, "GWC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    return subprocess.run([sys.executable, "-m", "gwc", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_help_for_every_command(tmp_path):
    for args in (["--help"], ["db", "upgrade", "--help"], ["users", "add", "--help"], ["deploy", "--help"],
                 ["validate", "--help"]):
        out = gwc(tmp_path, *args)
        assert out.returncode == 0 and "Usage" in out.stdout


def test_validate_deploy_and_users(tmp_path):
    assert gwc(tmp_path, "db", "upgrade").returncode == 0
    out = gwc(tmp_path, "validate", "workflows", "forms")
    assert out.returncode == 0, out.stdout + out.stderr
    first = gwc(tmp_path, "deploy", "workflows", "forms")
    assert first.returncode == 0 and "asset_request version 1" in first.stdout
    again = gwc(tmp_path, "deploy", "workflows", "forms")
    assert "asset_request version 1 (unchanged)" in again.stdout
    user = gwc(tmp_path, "users", "add", "zhou.wh", "--password", "correct horse battery",
               "--display-name", "周管理员", "--grant", "BRANCH_KEEPER@武侯区", "--grant", "MANAGER")
    assert user.returncode == 0 and "BRANCH_KEEPER@武侯区" in user.stdout and "周管理员" in user.stdout
    bad = gwc(tmp_path, "users", "add", "x", "--password", "short")
    assert bad.returncode == 1 and "8" in bad.stderr


def test_validate_reports_file_line_element_and_exits_1(tmp_path):
    broken = tmp_path / "broken.bpmn"
    text = (FIXTURES / "exclusive_gateway.bpmn").read_text(encoding="utf-8")
    broken.write_text(text.replace("amount &gt; 1000", "amount &gt;&gt; ("), encoding="utf-8")
    out = gwc(tmp_path, "validate", str(broken))
    assert out.returncode == 1
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("broken.bpmn:")]
    assert lines, out.stdout
    file_, line, element, message = lines[0].split(":", 3)
    assert int(line) > 1 and element.strip() and message.strip()
    deploy = gwc(tmp_path, "deploy", str(broken))
    assert deploy.returncode == 1


def test_walkthrough_runs_a_loan_request_through_every_inbox(tmp_path):
    out = gwc(tmp_path, "walkthrough")
    assert out.returncode == 0, out.stderr
    assert "单位负责人签批 (UNIT_HEAD@U07) is in li.head's inbox" in out.stdout
    assert "保管方审核 (BRANCH_KEEPER@武侯区) is in zhou.wh's inbox" in out.stdout
    assert "分管领导审批 (CITY_AGENCY_APPROVER@全部) is in chen.leader's inbox" in out.stdout
    assert "case completed: outcome APPROVED" in out.stdout
    again = gwc(tmp_path, "walkthrough")      # idempotent set-up: runs again on the same database
    assert again.returncode == 0 and "asset_request version 1 (unchanged)" in again.stdout


def test_serve_refuses_an_unmigrated_database_with_advice(tmp_path):
    out = subprocess.run([sys.executable, "-m", "gwc", "serve", "--port", "1"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "GWC_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                                         "GWC_SECRET_KEY": "s"}, timeout=60)
    assert out.returncode == 1 and "gwc db upgrade" in out.stderr
    out = subprocess.run([sys.executable, "-m", "gwc", "serve"], cwd=ROOT, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "GWC_SECRET_KEY"}, timeout=60)
    assert out.returncode == 1 and "GWC_SECRET_KEY" in out.stderr


def test_validate_names_elements_and_passes_with_only_warnings(tmp_path):
    camunda = ROOT / "tests" / "fixtures" / "camunda"
    form = tmp_path / "finance_review.schema.json"
    form.write_bytes((camunda / "finance_review.schema.json").read_bytes())
    model = tmp_path / "repair_request.bpmn"
    text = (camunda / "repair_request.bpmn").read_text(encoding="utf-8")
    model.write_text(text.replace(' default="Flow_approve"', "").replace(
        '<bpmn:sequenceFlow id="Flow_approve" name="同意" sourceRef="Gateway_approved" targetRef="Event_approved" />',
        '<bpmn:sequenceFlow id="Flow_approve" name="同意" sourceRef="Gateway_approved" targetRef="Event_approved">'
        "<bpmn:conditionExpression>decision == 'APPROVE'</bpmn:conditionExpression></bpmn:sequenceFlow>"),
        encoding="utf-8")
    out = gwc(tmp_path, "validate", str(model), str(form))
    assert out.returncode == 0, out.stdout + out.stderr
    warning = next(ln for ln in out.stdout.splitlines() if ln.startswith("repair_request.bpmn:"))
    file_, line, element, message = warning.split(":", 3)
    assert int(line) > 1 and element.strip() == "Gateway_approved"
    assert message.startswith(" warning: 「财务是否同意？」 ") and "默认流" in message
    assert out.stdout.rstrip().endswith("valid (1 warnings)")

    model.write_text(text.replace("decision == 'REJECT'", "decision === 'REJECT'"), encoding="utf-8")
    out = gwc(tmp_path, "validate", str(model), str(form))
    assert out.returncode == 1
    error = next(ln for ln in out.stdout.splitlines() if ln.startswith("repair_request.bpmn:"))
    assert error.split(":", 3)[2].strip() == "Flow_reject" and error.split(":", 3)[3].startswith(" 「不同意」 ")


def test_a_bad_setting_is_named_before_any_command_runs(tmp_path):
    for name, value, said in (("GWC_DB_POOL_SIZE", "many", "GWC_DB_POOL_SIZE must be an integer, not 'many'"),
                              ("GWC_DB_POOL_SIZE", "0", "GWC_DB_POOL_SIZE must be at least 1"),
                              ("GWC_SCRIPT_CPU_SECONDS", "1s", "GWC_SCRIPT_CPU_SECONDS must be a number")):
        out = subprocess.run([sys.executable, "-m", "gwc", "db", "upgrade"], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "GWC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", name: value},
                             timeout=60)
        assert out.returncode == 2 and said in out.stderr and "Traceback" not in out.stderr
        assert not (tmp_path / "x.sqlite3").exists()        # nothing ran


def test_a_database_that_cannot_be_reached_is_named_not_a_traceback(tmp_path):
    for url in ("postgresql://postgres:secret@127.0.0.1:1/nowhere", f"sqlite:///{tmp_path / 'no' / 'dir' / 'x.sqlite3'}"):
        for args in (["db", "upgrade"], ["users", "add", "zhou.wh", "--password", "correct horse battery"],
                     ["walkthrough"]):
            out = subprocess.run([sys.executable, "-m", "gwc", *args], cwd=ROOT, capture_output=True, text=True,
                                 env={**os.environ, "GWC_DATABASE_URL": url}, timeout=60)
            assert out.returncode == 1, (args, out.stderr)
            assert "数据库无法连接" in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
            assert "secret" not in out.stderr                   # the password is not printed
