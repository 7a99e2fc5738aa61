"""Designer scenario files (`gwc test`): they pass when the process goes the written way and say which
step went another way when it does not."""
from __future__ import annotations

import shutil
import textwrap

from click.testing import CliRunner

from engine.modeltest import run_paths
from gwc.cli import main
from tests.conftest import FIXTURES, ROOT

LOAN = ROOT / "tests" / "fixtures" / "loan_approval"


def folder(tmp_path, yaml_text: str, *fixtures: str):
    """A process folder with fixture files and one scenario file."""
    target = tmp_path / "proc"
    target.mkdir()
    for name in fixtures:
        shutil.copy(FIXTURES / name, target / name)
    (target / "proc.scenarios.yaml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    return target


def only(results):
    (result,) = results
    assert result.error is None, result.error
    return result.scenarios


def test_the_shipped_example_passes_and_reports_the_path():
    scenarios = only(run_paths([LOAN], forms_root=None))
    assert [(s.ok, s.path) for s in scenarios] == [
        (True, ["unit_head_signoff", "holder_review"]),
        (True, ["unit_head_signoff", "holder_review", "agency_leader_approval"])]


def test_a_process_that_goes_another_way_names_the_step(tmp_path):
    text = (LOAN / "loan_approval.scenarios.yaml").read_text(encoding="utf-8")
    text = text.replace("unitValue: 1200}", "unitValue: 120000}")      # now the leader must approve too
    shutil.copytree(LOAN, tmp_path / "copy")
    (tmp_path / "copy" / "loan_approval.scenarios.yaml").write_text(text, encoding="utf-8")
    first, second = only(run_paths([tmp_path / "copy"], forms_root=None))
    assert not first.ok and second.ok
    assert first.failures == ["第 2 步（expect ）：此时：数据 total_value 应为 1200，实际是 120000"]


def test_a_submission_that_breaks_the_form_and_a_missing_task_are_reported(tmp_path):
    target = folder(tmp_path, """\
        scenarios:
          - name: 少填
            steps:
              - task: approve
                submit: {}
          - name: 不存在的任务
            steps:
              - task: head_approve
                submit: {decision: APPROVE}
        """, "boundary_timer_interrupting.bpmn", "approve.schema.json")
    form, missing = only(run_paths([target], forms_root=None))
    assert not form.ok and "必填项缺失" in form.failures[0]
    assert not missing.ok
    assert missing.failures == ["第 1 步（task head_approve）：期望待办任务 head_approve，但当前待办是 ['approve']"
                                "（流程状态 waiting）"]


def test_time_moves_and_timers_fire_on_the_way(tmp_path):
    target = folder(tmp_path, """\
        scenarios:
          - name: 一小时没人审批就升级
            steps:
              - wait: PT59M
              - expect: {open_tasks: [approve]}
              - wait: PT2M
              - expect: {open_tasks: [escalated_approve]}
              - task: escalated_approve
                submit: {approved: true}
            expect: {status: completed, path: [escalated_approve]}
        """, "boundary_timer_interrupting.bpmn", "approve.schema.json")
    (scenario,) = only(run_paths([target], forms_root=None))
    assert scenario.ok, scenario.failures


def test_operators_are_mocked_and_a_refusal_takes_the_boundary_path(tmp_path):
    target = folder(tmp_path, """\
        scenarios:
          - name: 库存不足改道
            start: {step: reserve, refuse_code: STOCK_SHORT}
            operators:
              refuse: {refuses: {code: STOCK_SHORT, message: 库存不足}}
            expect: {open_tasks: [fix_request], data: {refusal: {code: STOCK_SHORT}}, calls: {refuse: 1}}
          - name: 没说操作返回什么
            start: {step: reserve, refuse_code: ""}
            expect: {status: completed}
          - name: 操作出错
            start: {step: reserve, refuse_code: ""}
            operators:
              refuse: {fails: 供应商系统无响应}
            expect: {status: error}
        """, "service_refusal.bpmn")
    routed, unmocked, failing = only(run_paths([target], ["refuse"], forms_root=None))
    assert routed.ok, routed.failures
    assert not unmocked.ok and "场景没有说明它返回什么" in unmocked.failures[0]
    assert failing.ok, failing.failures                   # it expects the case to stop on an incident


def test_a_broken_scenario_file_is_reported_with_its_line(tmp_path):
    target = folder(tmp_path, "scenarios:\n  - name: x\n    steps: [task: a\n", "service_refusal.bpmn")
    (result,) = run_paths([target], ["refuse"], forms_root=None)
    assert result.error and "第 4 行" in result.error and "不是有效的 YAML" in result.error and not result.ok
    (tmp_path / "b").mkdir()
    bad_step = folder(tmp_path / "b", "scenarios:\n  - steps:\n      - jump: far\n", "service_refusal.bpmn")
    (result,) = run_paths([bad_step], ["refuse"], forms_root=None)
    assert "场景 1 第 1 步" in result.error and "task / wait / at / message / expect" in result.error


def test_gwc_test_exits_1_when_a_scenario_fails(tmp_path):
    runner = CliRunner()
    good = runner.invoke(main, ["test", str(LOAN), "--forms", str(tmp_path / "none")])
    assert good.exit_code == 0 and "2 passed, 0 failed" in good.output and "✓" in good.output
    target = folder(tmp_path, "scenarios:\n  - steps:\n      - task: nowhere\n",
                    "boundary_timer_interrupting.bpmn", "approve.schema.json")
    bad = runner.invoke(main, ["test", str(target), "--forms", str(tmp_path / "none")])
    assert bad.exit_code == 1 and "✗" in bad.output and "期望待办任务 nowhere" in bad.output


def test_a_refusal_then_a_success_and_the_instance_chosen_by_scope(tmp_path):
    target = folder(tmp_path, """\
        scenarios:
          - name: 先拒绝后成功
            start: {step: reserve, refuse_code: x}
            operators:
              refuse: {returns_each: [{refuses: {code: STOCK_SHORT, message: 不够}}, {reserved: 1}]}
            steps:
              - expect: {open_tasks: [fix_request], data: {refusal: {code: STOCK_SHORT}}}
            expect: {calls: {refuse: 1}}
        """, "service_refusal.bpmn")
    (refused,) = only(run_paths([target], ["refuse"], forms_root=None))
    assert refused.ok, refused.failures
    signers = folder(tmp_path / "m" if (tmp_path / "m").mkdir() is None else None, """\
        scenarios:
          - name: 没说哪一份
            start: {signers: [张三, 李四]}
            steps:
              - task: sign
                submit: {signature: 签}
        """, "multi_instance.bpmn", "sign.schema.json")
    (ambiguous,) = only(run_paths([signers], forms_root=None))
    assert not ambiguous.ok and "有 2 份待办（多实例）" in ambiguous.failures[0]


def test_a_timer_started_process_runs_once_per_scenario():
    scenarios = only(run_paths([ROOT / "workflows" / "reservation_expiry"], ["release_expired_reservations"],
                               forms_root=None))
    assert [s.ok for s in scenarios] == [True, True, True]
