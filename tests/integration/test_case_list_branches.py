"""A case list gathers every way a user sees a case (started it, a task of theirs, a candidate of an open
task, a scope they manage): a case seen several ways is listed and counted once, and pages follow each
other newest first without a gap or a repeat."""
from __future__ import annotations

import pytest

from tests.helpers import with_loan_approval
from tests.integration.test_visibility import APPROVE, S1_ITEMS, request

USERS = {"wang.clerk": ["UNIT_CLERK"], "li.head": ["UNIT_HEAD@U07"], "jj.clerk": ["UNIT_CLERK"],
         # starts cases, signs off U07's, manages 武侯区: most cases are seen two or three ways
         "mix": ["UNIT_CLERK", "UNIT_HEAD@U07", "MANAGER@武侯区"]}


@pytest.fixture
def eng(engine):
    return with_loan_approval(engine, USERS)


def start(eng, clock, user, region):
    clock.advance(minutes=1)
    return eng.start_case("asset_request", request(S1_ITEMS, region=region), user)


def test_cases_seen_several_ways_are_listed_once_newest_first(eng, clock):
    seen = []
    seen.append(start(eng, clock, "mix", "武侯区"))                    # started, candidate (sign-off)
    signed = start(eng, clock, "wang.clerk", "武侯区")
    eng.complete(signed["open_tasks"][0]["id"], "mix", APPROVE)        # worked, and now under 武侯区
    seen.append(signed)
    seen.append(start(eng, clock, "wang.clerk", "锦江区"))             # candidate of the U07 sign-off
    by_head = start(eng, clock, "wang.clerk", "武侯区")
    eng.complete(by_head["open_tasks"][0]["id"], "li.head", APPROVE)   # only under the scope 武侯区
    seen.append(by_head)
    seen.append(start(eng, clock, "jj.clerk", "锦江区"))               # U07's sign-off too: a candidate
    mine = start(eng, clock, "mix", "锦江区")
    eng.cancel_case(mine["id"], "mix")                                 # started it, nothing open
    seen.append(mine)
    expected = [c["id"] for c in reversed(seen)]

    everything, total = eng.list_cases(user="mix")
    assert [c["id"] for c in everything] == expected and total == len(expected)
    pages = [eng.list_cases(user="mix", limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [c["id"] for page, _ in pages for c in page] == expected
    assert {total for _, total in pages} == {len(expected)}
    assert eng.list_cases(user="mix", offset=6) == ([], len(expected))

    waiting, total = eng.list_cases(user="mix", status="waiting", limit=3)
    assert [c["id"] for c in waiting] == expected[1:4] and total == len(expected) - 1
    assert eng.list_cases(user="mix", status="cancelled")[1] == 1
    assert eng.list_cases(user="mix", started_by="mix")[1] == 2
    # the others still see only theirs: li.head neither took nor may take the sign-off of the second or
    # of the cancelled case
    assert [c["id"] for c in eng.list_cases(user="li.head")[0]] == [expected[i] for i in (1, 2, 3, 5)]
    assert [c["id"] for c in eng.list_cases(user="jj.clerk")[0]] == [expected[1]]


def test_a_candidate_through_a_tasks_second_group_lists_its_case(engine):
    """camunda:candidateGroups="UNIT_HEAD, DEPT_REVIEWER": the task's row names UNIT_HEAD, and a
    DEPT_REVIEWER finds the case in their list (with or without filters) as in their inbox."""
    from tests.conftest import fixture_files
    files = fixture_files("exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")
    xml = files["exclusive_gateway.bpmn"].decode()
    camunda = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    xml = xml.replace('xmlns:spiffworkflow=', camunda + 'xmlns:spiffworkflow=', 1)
    xml = xml.replace('<bpmn:userTask id="enter_amount"',
                      '<bpmn:userTask id="enter_amount" camunda:candidateGroups="UNIT_HEAD, DEPT_REVIEWER"', 1)
    files["exclusive_gateway.bpmn"] = xml.encode()
    engine.deploy(files)
    for name, grants in {"starter": ["TESTER"], "dept": ["DEPT_REVIEWER"], "keeper": ["BRANCH_KEEPER"]}.items():
        engine.add_user(name, "correct horse battery", grants)
    case = engine.start_case("exclusive_gateway", {}, "starter")
    for query in ({}, {"status": "waiting"}, {"process_id": "exclusive_gateway"}):
        assert [c["id"] for c in engine.list_cases(user="dept", **query)[0]] == [case["id"]], query
        assert engine.list_cases(user="keeper", **query) == ([], 0), query
    assert engine.get_case(case["id"], "dept")["id"] == case["id"]


def test_a_users_list_follows_their_grants_and_each_filter(eng, clock):
    """The list's statements are kept per shape (whose grants, which filters): the same user with other
    grants, or the same filter with another value, must not get an answer shaped for the earlier one."""
    wuhou = start(eng, clock, "wang.clerk", "武侯区")
    jinjiang = start(eng, clock, "wang.clerk", "锦江区")
    for case in (wuhou, jinjiang):          # the district's keeper task: each case is then under its region
        eng.complete(case["open_tasks"][0]["id"], "li.head", APPROVE)
    eng.add_user("district", "correct horse battery", ["MANAGER@武侯区"])
    assert [c["id"] for c in eng.list_cases(user="district")[0]] == [wuhou["id"]]
    eng.add_user("district", "correct horse battery", ["MANAGER@锦江区"])
    assert [c["id"] for c in eng.list_cases(user="district")[0]] == [jinjiang["id"]]
    eng.add_user("district", "correct horse battery", ["MANAGER@锦江区", "MANAGER@武侯区"])
    listed, total = eng.list_cases(user="district")
    assert ([c["id"] for c in listed], total) == ([jinjiang["id"], wuhou["id"]], 2)
    assert eng.list_cases(user="district", business_key="no such key") == ([], 0)
    for user in ("district", None):
        assert eng.list_cases(user=user, started_by="li.head") == ([], 0)
        assert eng.list_cases(user=user, started_by="wang.clerk")[1] == 2
        assert eng.list_cases(user=user, status="waiting", limit=1, offset=1)[1] == 2
