"""Async service jobs that keep failing, and users with their grants and password hashes."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError
from tests.conftest import fixture_files
from tests.helpers import PASSWORD, add_users, inbox_ids


def test_async_operator_retries_with_backoff_then_incident_then_manual_retry(engine, clock):
    add_users(engine)
    calls = []

    def flaky(ctx, **params):
        calls.append(ctx.idempotency_key)
        raise ConnectionError("物流系统超时")

    engine.operators.register("notify_async", flaky, async_=True, retries=2)
    engine.deploy(fixture_files("service_tasks.bpmn", "confirm.schema.json"))
    case = engine.start_case("service_tasks", {"x": 1, "y": 2}, "tester")
    assert engine.run_due_jobs() == 1 and len(calls) == 1
    assert engine.run_due_jobs() == 0                 # backing off: not due yet
    clock.advance(seconds=2)
    assert engine.run_due_jobs() == 1 and len(calls) == 2
    clock.advance(seconds=4)
    assert engine.run_due_jobs() == 1 and len(calls) == 3   # retries=2: three attempts in all
    detail = engine.get_case(case["id"])
    assert detail["status"] == "error"
    assert "物流系统超时" in detail["incidents"][0]["message"] and detail["incidents"][0]["element_id"] == "notify"
    assert len(set(calls)) == 1                       # one idempotency key for one task run
    clock.advance(hours=1)
    assert engine.run_due_jobs() == 0                 # a failed job is not picked up again
    engine.operators.register("notify_async", lambda ctx, **p: {"notified": True}, async_=True)
    retried = engine.retry_case(case["id"], "admin")
    assert retried["status"] == "running" and retried["incidents"] == []
    assert engine.run_due_jobs() == 1
    assert engine.get_case(case["id"])["status"] == "waiting"
    assert inbox_ids(engine, "tester") == ["after_notify"]
    types = [e["type"] for e in engine.case_events(case["id"])]
    assert types.count("service_retry") == 2 and "incident" in types and "retried" in types


def test_users_passwords_and_grants(engine):
    engine.add_user("zhou.wh", PASSWORD, ["BRANCH_KEEPER@武侯区", "MANAGER"], "周管理员")
    user = engine.authenticate("zhou.wh", PASSWORD)
    assert user.display_name == "周管理员"
    assert user.holds("BRANCH_KEEPER", "武侯区") and not user.holds("BRANCH_KEEPER", "锦江区")
    assert user.has_role("MANAGER")
    assert engine.authenticate("zhou.wh", "wrong password!") is None
    assert engine.authenticate("nobody", PASSWORD) is None
    engine.add_user("zhou.wh", "another password", ["BRANCH_KEEPER"])   # replaces password and grants
    assert engine.authenticate("zhou.wh", PASSWORD) is None
    again = engine.authenticate("zhou.wh", "another password")
    assert again.grants == (("BRANCH_KEEPER", None),) and again.holds("BRANCH_KEEPER", "锦江区")
    with engine.db.unit_of_work(write=False) as s:
        from engine.store.tables import User
        from sqlalchemy import select
        stored = s.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "another" not in stored
    for bad in (["branch_keeper"], ["BRANCH KEEPER"], ["@武侯区"]):
        with pytest.raises(InvalidInputError):
            engine.add_user("x.y", PASSWORD, bad)
    with pytest.raises(InvalidInputError):
        engine.add_user("x.y", "short", [])


def test_failed_logins_are_throttled_per_user_and_per_address(engine, clock):
    from engine.errors import TooManyAttemptsError
    engine.add_user("li.head", PASSWORD, ["UNIT_HEAD"])
    engine.add_user("zhou.wh", PASSWORD, ["BRANCH_KEEPER"])
    for _ in range(engine.settings.login_max_failures):
        assert engine.login("li.head", "wrong password!", "10.0.0.1") is None
    with pytest.raises(TooManyAttemptsError) as err:
        engine.login("li.head", PASSWORD, "10.0.0.2")          # even the right password, from elsewhere
    assert err.value.retry_after > 0
    with pytest.raises(TooManyAttemptsError):
        engine.login("zhou.wh", PASSWORD, "10.0.0.1")          # the address is throttled too
    assert engine.login("zhou.wh", PASSWORD, "10.0.0.3").username == "zhou.wh"
    clock.advance(seconds=engine.settings.login_window_seconds + 1)
    assert engine.login("li.head", PASSWORD, "10.0.0.1").username == "li.head"
    assert engine.login("li.head", "wrong password!", "10.0.0.1") is None   # a fresh window
