"""case_scopes carries its case's status, so that a scoped manager's cases are counted by status from
that index alone: the count follows every change of the case, and an upgrade fills it for the cases
already stored."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from engine.store.migrate import upgrade
from tests.helpers import with_loan_approval
from tests.integration.test_visibility import APPROVE, S1_ITEMS, request

USERS = {"wang.clerk": ["UNIT_CLERK"], "li.head": ["UNIT_HEAD@U07"], "wh.manager": ["MANAGER@武侯区"],
         "u07.manager": ["MANAGER@U07", "MANAGER@武侯区"]}


@pytest.fixture
def eng(engine):
    return with_loan_approval(engine, USERS)


def totals(eng, user):
    return {status: eng.list_cases(user=user, status=status)[1] for status in ("waiting", "cancelled")}


def test_a_scoped_managers_count_by_status_follows_the_case(eng):
    case = eng.start_case("asset_request", request(S1_ITEMS, region="武侯区"), "wang.clerk")
    assert totals(eng, "wh.manager") == {"waiting": 0, "cancelled": 0}      # only under U07 yet
    assert totals(eng, "u07.manager") == {"waiting": 1, "cancelled": 0}
    eng.complete(case["open_tasks"][0]["id"], "li.head", APPROVE)           # now under 武侯区 too
    assert totals(eng, "wh.manager") == {"waiting": 1, "cancelled": 0}
    assert totals(eng, "u07.manager") == {"waiting": 1, "cancelled": 0}     # under both: counted once
    eng.cancel_case(case["id"], "wh.manager")
    for user in ("wh.manager", "u07.manager"):
        assert totals(eng, user) == {"waiting": 0, "cancelled": 1}
        listed, total = eng.list_cases(user=user, status="cancelled")
        assert total == 1 and [c["id"] for c in listed] == [case["id"]]


def test_an_upgrade_gives_the_indexed_cases_their_status(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "b42bcc0cc855")
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO process_versions (id, process_id, version, name, content_hash, spec, "
                          "serializer_version, roles, deployed_at) VALUES (1, 'p', 1, 'p', 'h', '{}', '1', '[]', "
                          "'2026-01-01')"))
        for case_id, status in (("c1", "waiting"), ("c2", "completed")):
            conn.execute(text("INSERT INTO cases (id, process_id, version_id, version, status, started_by, "
                              "created_at, updated_at, revision, data, state, serializer_version) VALUES (:id, 'p', "
                              "1, 1, :status, 'u', '2026-01-01', '2026-01-01', 1, '{}', '', '')"),
                         {"id": case_id, "status": status})
        for scope, case_id in (("武侯区", "c1"), ("U07", "c1"), ("武侯区", "c2")):
            conn.execute(text("INSERT INTO case_scopes (scope, case_id) VALUES (:scope, :case_id)"),
                         {"scope": scope, "case_id": case_id})
    upgrade(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT scope, case_id, status FROM case_scopes ORDER BY case_id, scope")).all()
    eng.dispose()
    assert [tuple(r) for r in rows] == [("U07", "c1", "waiting"), ("武侯区", "c1", "waiting"),
                                        ("武侯区", "c2", "completed")]
