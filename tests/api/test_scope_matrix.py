"""Scope matrix: users of two districts (and units) over every case and task endpoint.

Case W: a loan for 武侯区 applied for by unit U07, started by wang.clerk. Case J: 锦江区, unit U06, started by
jj.clerk. Whoever may not see a case or task gets 404 from every endpoint, and no list, total or filter
reveals that it exists.
"""
from __future__ import annotations

import pytest

from tests.api.support import APPROVE, assert_error

OTHER = {"W": "J", "J": "W"}
# viewer -> the one case they may see once both cases wait for the holder review
VIEWERS = {"zhou.wh": "W", "jj.keeper": "J", "li.head": "W", "other.head": "J", "wh.manager": "W",
           "jj.manager": "J", "wang.clerk": "W", "jj.clerk": "J"}
STARTER = {"W": "wang.clerk", "J": "jj.clerk"}


@pytest.fixture
def cases(deployed):
    w = deployed.start("wang.clerk", region="武侯区", unit="U07", key="JY-W")
    j = deployed.start("jj.clerk", region="锦江区", unit="U06", key="JY-J")
    return {"W": {"id": w["id"], "key": "JY-W", "signoff": w["open_tasks"][0]["id"]},
            "J": {"id": j["id"], "key": "JY-J", "signoff": j["open_tasks"][0]["id"]}}


@pytest.fixture
def reviews(deployed, cases):
    for name, head in (("W", "li.head"), ("J", "other.head")):
        done = deployed.ok("post", f"/api/v1/tasks/{cases[name]['signoff']}/complete", head, json={"data": APPROVE})
        cases[name]["review"] = done["case"]["open_tasks"][0]["id"]
    return cases


def assert_task_hidden(api, user, task_id):
    assert_error(api.get(f"/api/v1/tasks/{task_id}", user), 404, "task_not_found")
    for action, body in (("claim", None), ("unclaim", None), ("complete", {"data": APPROVE})):
        assert_error(api.post(f"/api/v1/tasks/{task_id}/{action}", user, json=body), 404, "task_not_found")


def assert_case_hidden(api, user, case):
    cid = case["id"]
    assert_error(api.get(f"/api/v1/cases/{cid}", user), 404, "case_not_found")
    assert_error(api.get(f"/api/v1/cases/{cid}/events", user), 404, "case_not_found")
    assert_error(api.post(f"/api/v1/cases/{cid}/cancel", user), 404, "case_not_found")
    assert_error(api.post(f"/api/v1/cases/{cid}/retry", user), 404, "case_not_found")
    listed = api.ok("get", f"/api/v1/cases?business_key={case['key']}", user)
    assert listed == {"items": [], "total": 0}


@pytest.mark.parametrize("head, mine", [("li.head", "W"), ("other.head", "J")])
def test_unit_heads_see_only_their_units_sign_off(deployed, cases, head, mine):
    inbox = deployed.inbox(head)
    assert inbox["total"] == 1 and [t["id"] for t in inbox["items"]] == [cases[mine]["signoff"]]
    assert deployed.ok("get", f"/api/v1/tasks/{cases[mine]['signoff']}", head)["scope"] in ("U07", "U06")
    assert_task_hidden(deployed, head, cases[OTHER[mine]]["signoff"])
    assert_case_hidden(deployed, head, cases[OTHER[mine]])
    assert deployed.ok("get", "/api/v1/cases", head)["total"] == 1


@pytest.mark.parametrize("keeper, mine", [("zhou.wh", "W"), ("jj.keeper", "J")])
def test_branch_keepers_see_only_their_districts_review(deployed, reviews, keeper, mine):
    other = reviews[OTHER[mine]]
    inbox = deployed.inbox(keeper)
    assert inbox["total"] == 1 and [t["id"] for t in inbox["items"]] == [reviews[mine]["review"]]
    for query in ("?role=BRANCH_KEEPER", "?process_model=asset_request", "?sort=priority", "?limit=1&offset=0"):
        assert deployed.inbox(keeper, query)["total"] == 1
    assert_task_hidden(deployed, keeper, other["review"])
    assert_task_hidden(deployed, keeper, other["signoff"])
    deployed.ok("post", f"/api/v1/tasks/{reviews[mine]['review']}/claim", keeper)
    assert_task_hidden(deployed, {"zhou.wh": "jj.keeper", "jj.keeper": "zhou.wh"}[keeper], reviews[mine]["review"])
    assert deployed.ok("post", f"/api/v1/tasks/{reviews[mine]['review']}/complete", keeper,
                       json={"data": APPROVE})["task"]["state"] == "completed"


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
def test_every_case_endpoint_hides_the_other_district(deployed, reviews, viewer):
    mine, other = reviews[VIEWERS[viewer]], reviews[OTHER[VIEWERS[viewer]]]
    assert deployed.ok("get", f"/api/v1/cases/{mine['id']}", viewer)["business_key"] == mine["key"]
    assert deployed.ok("get", f"/api/v1/cases/{mine['id']}/events", viewer)["items"]
    assert_case_hidden(deployed, viewer, other)
    for query in ("", "?status=waiting", "?process_model=asset_request", f"?business_key={mine['key']}",
                  "?created_from=2026-01-01&created_to=2026-12-31", "?limit=200"):
        listed = deployed.ok("get", f"/api/v1/cases{query}", viewer)
        assert listed["total"] == 1 and [c["id"] for c in listed["items"]] == [mine["id"]], query
    other_starter = STARTER[OTHER[VIEWERS[viewer]]]
    assert deployed.ok("get", f"/api/v1/cases?started_by={other_starter}", viewer) == {"items": [], "total": 0}
    assert deployed.ok("get", "/api/v1/cases?offset=1", viewer) == {"items": [], "total": 1}


def test_outsiders_see_nothing_and_the_manager_sees_all(deployed, reviews):
    for outsider in ("city.keeper", "nobody", "designer"):
        assert deployed.inbox(outsider) == {"items": [], "total": 0}
        assert deployed.ok("get", "/api/v1/cases", outsider) == {"items": [], "total": 0}
        for case in reviews.values():
            assert_case_hidden(deployed, outsider, case)
            assert_task_hidden(deployed, outsider, case["review"])
    assert deployed.ok("get", "/api/v1/cases", "boss")["total"] == 2
    assert deployed.ok("get", "/api/v1/cases?business_key=JY-J", "boss")["total"] == 1


def test_district_managers_cancel_only_their_own(deployed, reviews):
    assert_error(deployed.post(f"/api/v1/cases/{reviews['J']['id']}/cancel", "wh.manager"), 404, "case_not_found")
    assert_error(deployed.post(f"/api/v1/cases/{reviews['W']['id']}/cancel", "wang.clerk"), 403, "forbidden")
    cancelled = deployed.ok("post", f"/api/v1/cases/{reviews['W']['id']}/cancel", "wh.manager", json={"reason": "撤回"})
    assert cancelled["status"] == "cancelled"
    assert deployed.ok("get", f"/api/v1/cases/{reviews['J']['id']}", "jj.manager")["status"] == "waiting"
    assert deployed.inbox("zhou.wh")["total"] == 0 and deployed.inbox("jj.keeper")["total"] == 1
