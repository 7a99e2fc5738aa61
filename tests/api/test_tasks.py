"""Tasks over HTTP: inbox filters and sorting, detail with form, claim, unclaim, complete, assign."""
from __future__ import annotations

from tests.api.support import APPROVE, assert_error


def test_inbox_detail_claim_unclaim_complete(deployed):
    case = deployed.start(key="JY-1")
    inbox = deployed.inbox("li.head")
    assert inbox["total"] == 1
    item = inbox["items"][0]
    assert set(item) >= {"id", "case_id", "process_model", "name", "title", "role", "scope", "assignee",
                         "created_at", "due_at"}
    assert item["case_id"] == case["id"] and item["due_at"] == "2026-01-07T01:00:00+00:00"
    tid = item["id"]
    detail = deployed.ok("get", f"/api/v1/tasks/{tid}", "li.head")
    assert detail["form"]["schema"]["properties"]["decision"]["enum"] == ["APPROVE", "REJECT"]
    assert isinstance(detail["form"]["ui_schema"], dict) and detail["data"]["applicant_unit"] == "U07"

    claimed = deployed.ok("post", f"/api/v1/tasks/{tid}/claim", "li.head")
    assert claimed["assignee"] == "li.head" and claimed["state"] == "open"
    assert deployed.inbox("li.head", "?assigned=me")["total"] == 1
    released = deployed.ok("post", f"/api/v1/tasks/{tid}/unclaim", "li.head", json={})
    assert released["assignee"] is None
    assert deployed.inbox("li.head", "?assigned=me")["total"] == 0

    done = deployed.ok("post", f"/api/v1/tasks/{tid}/complete", "li.head", json={"data": APPROVE})
    assert done["task"]["state"] == "completed" and done["task"]["completed_by"] == "li.head"
    assert done["case"]["open_tasks"][0]["name"] == "holder_review"
    assert deployed.inbox("li.head")["total"] == 0 and deployed.inbox("zhou.wh")["total"] == 1


def test_complete_errors(deployed):
    case = deployed.start()
    tid = case["open_tasks"][0]["id"]
    body = assert_error(deployed.post(f"/api/v1/tasks/{tid}/complete", "li.head",
                                      json={"data": {"decision": "MAYBE", "comment": 5}}), 422, "form_invalid")
    fields = {d["field"] for d in body["details"]}
    assert fields == {"decision", "comment"} and all(set(d) == {"field", "message"} for d in body["details"])
    body = assert_error(deployed.post(f"/api/v1/tasks/{tid}/complete", "li.head", json={"data": "APPROVE"}), 422,
                        "validation_failed")
    assert body["details"][0]["field"] == "data"
    deployed.ok("post", f"/api/v1/tasks/{tid}/complete", "li.head", json={"data": APPROVE})
    again = deployed.post(f"/api/v1/tasks/{tid}/complete", "li.head", json={"data": APPROVE})
    assert_error(again, 409, "task_not_open")
    assert_error(deployed.post(f"/api/v1/tasks/{tid}/claim", "li.head"), 409, "task_not_open")


def test_claimed_by_another_is_409(deployed):
    case = deployed.start()
    deployed.ok("post", f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete", "li.head", json={"data": APPROVE})
    review = deployed.inbox("zhou.wh")["items"][0]["id"]
    deployed.ok("post", f"/api/v1/tasks/{review}/claim", "zhou.wh")
    assert deployed.inbox("keeper.all")["total"] == 0              # claimed: out of the others' inboxes
    assert_error(deployed.post(f"/api/v1/tasks/{review}/claim", "keeper.all"), 409, "task_claimed")
    assert_error(deployed.post(f"/api/v1/tasks/{review}/complete", "keeper.all", json={"data": APPROVE}), 409,
                 "task_claimed")
    assert_error(deployed.post(f"/api/v1/tasks/{review}/unclaim", "keeper.all"), 409, "task_claimed")
    assert deployed.ok("post", f"/api/v1/tasks/{review}/claim", "zhou.wh")["assignee"] == "zhou.wh"  # idempotent


def test_assign_is_for_admins(deployed):
    case = deployed.start()
    tid = case["open_tasks"][0]["id"]
    assert_error(deployed.post(f"/api/v1/tasks/{tid}/assign", "li.head", json={"assignee": "li.head"}), 403)
    assigned = deployed.ok("post", f"/api/v1/tasks/{tid}/assign", "admin", json={"assignee": "li.head"})
    assert assigned["assignee"] == "li.head"
    assert deployed.ok("post", f"/api/v1/tasks/{tid}/assign", "admin", json={"assignee": None})["assignee"] is None
    assert_error(deployed.post(f"/api/v1/tasks/{tid}/assign", "admin", json={}), 422, "validation_failed")
    assert_error(deployed.post(f"/api/v1/tasks/{tid}/assign", "admin", json={"assignee": "ghost"}), 404)


def test_inbox_filters_sorting_and_paging(deployed, clock):
    first = deployed.start(key="A")
    clock.advance(hours=1)
    deployed.tokens.clear()
    second = deployed.start(key="B")
    ids = [c["open_tasks"][0]["id"] for c in (first, second)]
    assert [t["id"] for t in deployed.inbox("li.head", "?sort=age")["items"]] == ids
    assert [t["id"] for t in deployed.inbox("li.head", "?sort=-age")["items"]] == ids[::-1]
    assert [t["id"] for t in deployed.inbox("li.head", "?sort=due")["items"]] == ids
    assert deployed.inbox("li.head", "?sort=priority")["total"] == 2
    page = deployed.inbox("li.head", "?limit=1&offset=1")
    assert page["total"] == 2 and [t["id"] for t in page["items"]] == ids[1:]
    assert deployed.inbox("li.head", "?role=UNIT_HEAD&process_model=asset_request")["total"] == 2
    assert deployed.inbox("li.head", "?role=BRANCH_KEEPER")["total"] == 0
    assert deployed.inbox("li.head", "?process_model=other")["total"] == 0
    assert [t["id"] for t in deployed.inbox("li.head", "?due_before=2026-01-07T01:30:00%2B00:00")["items"]] == ids[:1]
    assert deployed.inbox("li.head", "?due_before=2026-01-07")["total"] == 0
    for bad in ("?sort=name", "?limit=0", "?limit=201", "?offset=-1", "?assigned=you", "?due_before=tomorrow",
                "?limit=ten", "?color=red", "?limit=1&limit=2"):
        assert_error(deployed.get(f"/api/v1/tasks{bad}", "li.head"), 400, "invalid_query")
