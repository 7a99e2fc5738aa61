"""Migrating running cases to a new version (services/migration.py), on SQLite and PostgreSQL.

The fixture pair tests/fixtures/migration/change_request_v1/v2: v2 renames `fill` and `review`, removes
the script `precheck` before `review` and the user task `legacy_sign` after it, and adds
`final_approve` and `archive`. Cases: A waits at fill, B at review (3-day deadline), C at legacy_sign,
D was cancelled, E completed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import ConflictError, InvalidInputError, ProcessNotFoundError
from tests.conftest import fixture_files
from tests.helpers import add_users, complete, find_task

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"


def version_files(version: str, **forms: bytes) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in MIGRATION.iterdir() if p.suffix == ".json"}
    files[f"change_request_{version}.bpmn"] = (MIGRATION / f"change_request_{version}.bpmn").read_bytes()
    files.update(forms)
    return files


@pytest.fixture
def eng(engine):
    add_users(engine)
    engine.deploy(version_files("v1"))
    return engine


ANSWERS = {"fill": ("tester", {"subject": "事由"}), "review": ("head", {"approved": True}),
           "legacy_sign": ("city", {"signature": "陈"}), "final_approve": ("city", {"approved": True})}


def open_task(eng, case_id: str) -> dict:
    [task] = eng.get_case(case_id)["open_tasks"]
    return task


def step(eng, case_id: str) -> dict:
    """Complete the case's one open task with a valid answer, as its candidate."""
    task = open_task(eng, case_id)
    user, data = ANSWERS[task["name"]]
    return eng.complete(task["id"], user, data)


@pytest.fixture
def cases(eng):
    ids = {key: eng.start_case("change_request", {}, "tester", key)["id"] for key in "ABCDE"}
    for key, steps in (("B", 1), ("C", 2), ("E", 3)):
        for _ in range(steps):
            step(eng, ids[key])
    eng.cancel_case(ids["D"], "admin")
    stands = {k: [t["name"] for t in eng.get_case(v)["open_tasks"]] for k, v in ids.items()}
    assert stands == {"A": ["fill"], "B": ["review"], "C": ["legacy_sign"], "D": [], "E": []}
    return ids


def test_deploy_of_v2_reports_what_changed(eng):
    [item] = eng.deploy(version_files("v2"))
    assert (item.version, item.changed) == (2, True)
    changes = item.changes
    assert (changes["from_version"], changes["to_version"]) == (1, 2)
    assert changes["summary"] == {"added": 2, "changed": 2, "removed": 2}
    assert {e["id"] for e in changes["removed"]} == {"precheck", "legacy_sign"}
    assert eng.version_diff("change_request", 2) == changes


def test_dry_run_says_which_cases_can_move_and_changes_nothing(eng, cases):
    eng.deploy(version_files("v2"))
    events_before = {k: len(eng.case_events(v)) for k, v in cases.items()}
    result = eng.migrate_cases("change_request", 2, dry_run=True)
    by_key = {i["business_key"]: i for i in result["items"]}
    assert set(by_key) == {"A", "B", "C"}                # finished cases are not candidates
    assert by_key["A"]["movable"] and by_key["B"]["movable"] and result["moved"] == 0
    assert by_key["C"]["movable"] is False and "legacy_sign" in by_key["C"]["reason"]
    assert by_key["C"]["blockers"][0]["element_id"] == "legacy_sign"
    assert all(i["from_version"] == 1 for i in result["items"])
    for key, case_id in cases.items():
        assert eng.get_case(case_id)["version"] == 1
        assert len(eng.case_events(case_id)) == events_before[key]
    assert open_task(eng, cases["A"])["title"] == "填写申请"


def test_run_moves_the_movable_cases_and_the_rest_stay_untouched(eng, cases):
    eng.deploy(version_files("v2"))
    claimed = open_task(eng, cases["B"])
    eng.claim(claimed["id"], "head")
    result = eng.migrate_cases("change_request", 2, actor="gwc")
    assert result["moved"] == 2
    assert {i["business_key"]: i["moved"] for i in result["items"]} == {"A": True, "B": True, "C": False}
    for key in "AB":
        assert eng.get_case(cases[key])["version"] == 2
        migrated = [e for e in eng.case_events(cases[key]) if e["type"] == "migrated"]
        assert len(migrated) == 1 and migrated[0]["actor"] == "gwc"
        assert migrated[0]["detail"] == {"from_version": 1, "to_version": 2, "actor": "gwc"}
    # the inbox shows the new version's names; the task keeps its id and its claim
    assert find_task(eng, "tester", "fill")["title"] == "填写变更申请"
    review = find_task(eng, "head", "review")
    assert (review["id"], review["title"], review["assignee"]) == (claimed["id"], "部门审核", "head")
    # C still runs on version 1, and finishes there
    assert eng.get_case(cases["C"])["version"] == 1
    assert not [e for e in eng.case_events(cases["C"]) if e["type"] == "migrated"]
    done = step(eng, cases["C"])["case"]
    assert done["status"] == "completed" and done["version"] == 1
    # the moved cases follow version 2's path: review -> final_approve -> archive
    step(eng, cases["B"])
    assert open_task(eng, cases["B"])["title"] == "最终批准"
    finished = step(eng, cases["B"])["case"]
    assert finished["status"] == "completed" and finished["data"]["archived"] is True
    assert finished["data"]["subject"] == "事由" and finished["data"]["checked"] is True   # from version 1
    step(eng, cases["A"])
    assert open_task(eng, cases["A"])["title"] == "部门审核"
    # nothing is left to move: C finished on version 1, A is on version 2
    again = eng.migrate_cases("change_request", 2)
    assert again["moved"] == 0 and again["items"] == []


def test_a_running_deadline_keeps_its_due_time(eng, cases, clock):
    due = open_task(eng, cases["B"])["due_at"]
    clock.advance(days=1)
    eng.deploy(version_files("v2"))
    eng.migrate_cases("change_request", 2)
    assert open_task(eng, cases["B"])["due_at"] == due
    clock.advance(days=2, seconds=1)
    assert eng.fire_due_timers() == 1
    case = eng.get_case(cases["B"])
    assert case["status"] == "completed" and case["open_tasks"] == []


def test_explicit_cases_report_finished_and_unknown_ones(eng, cases):
    eng.deploy(version_files("v2"))
    ids = [cases["D"], cases["E"], "no-such-case", cases["A"]]
    result = eng.migrate_cases("change_request", 2, dry_run=True, case_ids=ids)
    items = {i["case_id"]: i for i in result["items"]}
    assert [i["case_id"] for i in result["items"]] == ids
    assert "取消" in items[cases["D"]]["reason"] and "完成" in items[cases["E"]]["reason"]
    assert items["no-such-case"]["movable"] is False and items[cases["A"]]["movable"] is True


def test_versions_are_checked(eng):
    eng.deploy(version_files("v2"))
    with pytest.raises(ProcessNotFoundError):
        eng.migrate_cases("change_request", 3)
    with pytest.raises(ProcessNotFoundError):
        eng.migrate_cases("nope", 1)
    with pytest.raises(ProcessNotFoundError):
        eng.migrate_cases("change_request", 2, from_version=7)
    with pytest.raises(InvalidInputError):
        eng.migrate_cases("change_request", 2, from_version=2)


def test_a_completed_task_whose_new_form_requires_missing_data_blocks_the_move(eng, cases):
    fill = (MIGRATION / "fill.schema.json").read_bytes().replace(b'"required": ["subject"]',
                                                                 b'"required": ["subject", "phone"]')
    eng.deploy(version_files("v2", **{"fill.schema.json": fill}))
    result = eng.migrate_cases("change_request", 2, from_version=1, dry_run=True)
    by_key = {i["business_key"]: i for i in result["items"]}
    assert by_key["A"]["movable"] is True              # at fill: it will be filled with the new form
    assert any("表单" in note for note in by_key["A"]["notes"])
    assert by_key["B"]["movable"] is False and "phone" in by_key["B"]["reason"]


def test_a_conflict_during_the_move_leaves_that_case_as_it_was(eng, cases, monkeypatch):
    from engine.services import migration
    eng.deploy(version_files("v2"))
    real_save = migration.save_case

    def racing_save(e, s, row, step_, actor):
        if row.business_key == "B":          # someone completed B's task meanwhile
            raise ConflictError("案件已被其他操作修改，请刷新后重试 (case changed concurrently)")
        return real_save(e, s, row, step_, actor)

    monkeypatch.setattr(migration, "save_case", racing_save)
    result = eng.migrate_cases("change_request", 2)
    b = next(i for i in result["items"] if i["business_key"] == "B")
    assert b["moved"] is False and "其他操作" in b["reason"] and "未改动" in b["reason"]
    assert result["moved"] == 1
    case = eng.get_case(cases["B"])
    assert case["version"] == 1 and not [e for e in eng.case_events(cases["B"]) if e["type"] == "migrated"]
    assert open_task(eng, cases["B"])["title"] == "审核"
    step(eng, cases["B"])
    assert open_task(eng, cases["B"])["name"] == "legacy_sign"      # still version 1's path


def test_a_step_removed_before_the_one_a_case_waits_at(engine, clock):
    """The case waits at a timer right after a script v2 removes: its data stays, the timer still fires."""
    add_users(engine)
    files = fixture_files("intermediate_timer.bpmn", "confirm.schema.json")
    engine.deploy(files)
    engine.start_case("intermediate_timer", {}, "tester")
    xml = files["intermediate_timer.bpmn"].decode()
    xml = re.sub(r'\s*<bpmn:scriptTask id="prepare".*?</bpmn:scriptTask>', "", xml, flags=re.S)
    xml = re.sub(r'\s*<bpmn:sequenceFlow id="flow_start_to_prepare"[^>]*/>', "", xml)
    xml = re.sub(r'\s*<bpmndi:BPMN(Shape|Edge) id="(prepare|flow_start_to_prepare)_di".*?</bpmndi:BPMN\1>', "", xml,
                 flags=re.S)
    xml = xml.replace("<bpmn:flowNodeRef>prepare</bpmn:flowNodeRef>", "")
    xml = xml.replace('sourceRef="prepare"', 'sourceRef="start"').replace(
        ">flow_start_to_prepare</bpmn:outgoing>", ">flow_prepare_to_wait_2s</bpmn:outgoing>")
    [item] = engine.deploy({**files, "intermediate_timer.bpmn": xml.encode()})
    assert [e["id"] for e in item.changes["removed"]] == ["prepare"]
    assert engine.migrate_cases("intermediate_timer", 2)["moved"] == 1
    clock.advance(seconds=3)
    assert engine.fire_due_timers() == 1
    done = complete(engine, "tester", "after_wait", {})["case"]
    assert done["status"] == "completed" and done["version"] == 2 and done["data"]["prepared"] is True


def test_the_gwc_commands_a_designer_types(tmp_path):
    """gwc deploy prints what changed; gwc migrate --dry-run and gwc migrate report per case."""
    from engine.bootstrap import Engine
    from engine.config import Settings
    from tests.conftest import FAST
    from tests.integration.test_cli import gwc
    for version in ("v1", "v2"):
        folder = tmp_path / version
        folder.mkdir()
        for name, content in version_files(version).items():
            (folder / name).write_bytes(content)
    eng = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}", **FAST))
    eng.db.create_all()          # the same database the gwc commands below use (test_cli covers db upgrade)
    first = gwc(tmp_path, "deploy", str(tmp_path / "v1"))
    assert first.returncode == 0 and "change_request version 1" in first.stdout, first.stderr
    try:
        add_users(eng)
        ids = {key: eng.start_case("change_request", {}, "tester", key)["id"] for key in "AC"}
        for _ in range(2):
            step(eng, ids["C"])
    finally:
        eng.close()
    second = gwc(tmp_path, "deploy", str(tmp_path / "v2"))
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert "change_request version 2 (+2 ~2 -2) against version 1" in lines
    assert "  - legacy_sign (userTask 旧版会签)" in lines and "  + final_approve (userTask 最终批准)" in lines
    assert any(line.startswith("  ~ fill (userTask 填写变更申请): name 填写申请 → 填写变更申请") for line in lines)
    dry = gwc(tmp_path, "migrate", "change_request", "--to", "2", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"can move  {ids['A']} (A) version 1 → 2" in dry.stdout
    assert f"stays     {ids['C']} (C) version 1: " in dry.stdout and "legacy_sign" in dry.stdout
    assert "dry run: 1 of 2 cases can move to version 2" in dry.stdout
    real = gwc(tmp_path, "migrate", "change_request", "--to", "2")
    assert real.returncode == 0 and "moved 1 of 2 cases to version 2" in real.stdout
    unknown = gwc(tmp_path, "migrate", "nope", "--to", "1")
    assert unknown.returncode == 1 and "nope" in unknown.stderr
