"""Small helpers for engine tests: users per role, finding a task in someone's inbox, completing it."""
from __future__ import annotations

USERS = {
    "tester": ["TESTER"], "head": ["UNIT_HEAD"], "city": ["CITY_AGENCY_APPROVER"],
    "ra": ["REVIEWER_A"], "rb": ["REVIEWER_B"], "center": ["CENTER_OPERATOR"], "clerk": ["UNIT_CLERK"],
    "keeper": ["BRANCH_KEEPER"], "admin": ["ADMIN", "MANAGER"], "nobody": [],
}
PASSWORD = "correct horse battery"


def add_users(engine, users: dict[str, list[str]] | None = None) -> None:
    for name, grants in (users or USERS).items():
        engine.add_user(name, PASSWORD, grants)


def inbox_ids(engine, user: str) -> list[str]:
    items, _ = engine.inbox(user)
    return [i["name"] for i in items]


def find_task(engine, user: str, element_id: str) -> dict:
    items, _ = engine.inbox(user, limit=500)
    matches = [i for i in items if i["name"] == element_id]
    assert matches, f"{element_id} is not in {user}'s inbox: {[i['name'] for i in items]}"
    return matches[0]


def complete(engine, user: str, element_id: str, data: dict | None = None) -> dict:
    task = find_task(engine, user, element_id)
    return engine.complete(task["id"], user, data or {})


def with_loan_approval(engine, users: dict[str, list[str]]):
    """`engine` with `users` and the loan_approval fixture process deployed (the visibility tests' world)."""
    from tests.conftest import ROOT
    add_users(engine, users)
    engine.deploy(paths=[ROOT / "tests" / "fixtures" / "loan_approval"])
    return engine

