"""Scope is enforced on every case read: a district's user never sees another district's case."""
from __future__ import annotations

import pytest

from engine.errors import CaseNotFoundError, PermissionDeniedError, ProcessNotFoundError
from tests.helpers import with_loan_approval

# The frozen loan approval of tests/fixtures/loan_approval and its start data.
APPROVE = {"decision": "APPROVE", "comment": "同意"}
S1_ITEMS = [{"assetId": "A012", "name": "LED小间距显示屏", "qty": 1, "unitValue": 168000},
            {"assetId": "A002", "name": "会议椅", "qty": 40, "unitValue": 680}]


def request(items, region="成都市本级"):
    return {"purpose": "会议", "eventName": "全区民政工作会", "startDate": "2026-03-10", "endDate": "2026-03-12",
            "items": items, "applicant_unit": "U07", "holder_region": region, "holder_warehouse": "WH-CD-MAIN",
            "needDelivery": True, "needInstall": True}

USERS = {
    "wang.clerk": ["UNIT_CLERK"], "li.head": ["UNIT_HEAD@U07"], "zhou.wh": ["BRANCH_KEEPER@武侯区"],
    "jj.keeper": ["BRANCH_KEEPER@锦江区"], "boss": ["MANAGER"], "wh.manager": ["MANAGER@武侯区"],
    "jj.manager": ["MANAGER@锦江区"], "stranger": ["UNIT_CLERK"],
}


@pytest.fixture
def eng(engine):
    return with_loan_approval(engine, USERS)


def test_case_reads_follow_scope(eng):
    case = eng.start_case("asset_request", request(S1_ITEMS, region="武侯区"), "wang.clerk")
    eng.complete(case["open_tasks"][0]["id"], "li.head", APPROVE)     # now at 武侯区's holder review
    cid = case["id"]
    for user in ("wang.clerk", "li.head", "zhou.wh", "boss", "wh.manager"):
        assert eng.get_case(cid, user)["id"] == cid
        assert eng.list_cases(user=user)[1] == 1
        assert eng.case_events(cid, user)
    for user in ("jj.keeper", "jj.manager", "stranger"):
        with pytest.raises(CaseNotFoundError):
            eng.get_case(cid, user)
        with pytest.raises(CaseNotFoundError):
            eng.case_events(cid, user)
        assert eng.list_cases(user=user) == ([], 0)
        assert eng.list_cases(user=user, business_key=case["business_key"]) == ([], 0)
        with pytest.raises(CaseNotFoundError):
            eng.cancel_case(cid, user)


def test_cancel_and_retry_rights(eng):
    case = eng.start_case("asset_request", request(S1_ITEMS, region="武侯区"), "wang.clerk")
    with pytest.raises(PermissionDeniedError):
        eng.cancel_case(case["id"], "li.head")              # sees it (candidate) but is not the starter
    eng.complete(case["open_tasks"][0]["id"], "li.head", APPROVE)
    with pytest.raises(PermissionDeniedError):
        eng.cancel_case(case["id"], "wang.clerk")           # the starter, but a task was completed
    assert eng.cancel_case(case["id"], "wh.manager")["status"] == "cancelled"
    fresh = eng.start_case("asset_request", request(S1_ITEMS, region="武侯区"), "wang.clerk")
    assert eng.cancel_case(fresh["id"], "wang.clerk")["status"] == "cancelled"


def test_process_model_detail_versions_and_source(eng):
    detail = eng.process_model("asset_request")
    assert detail["name"] == "资产申领/借用" and detail["version"] == 1
    assert "UNIT_HEAD" in detail["roles"] and detail["start_role"] == "UNIT_CLERK"
    assert [v["version"] for v in detail["versions"]] == [1]
    name, xml = eng.process_model_source("asset_request", 1)
    assert name.endswith("asset_request.bpmn") and 'id="asset_request"' in xml
    with pytest.raises(ProcessNotFoundError):
        eng.process_model("asset_request", version=9)
    with pytest.raises(ProcessNotFoundError):
        eng.process_model("nope")
