"""The scenario desk itself: demo users log in over HTTP and see only their own work."""
from __future__ import annotations

from warehouse.data.users import DEMO_USERS


def test_every_demo_user_logs_in_and_has_an_inbox(desk):
    for login, _, _ in DEMO_USERS:
        assert desk.inbox(login) == []


def test_every_deployed_process_is_listed(desk):
    desk.deploy("reservation_expiry")
    ids = {m["id"] for m in desk.get("process-models", "wang.clerk")["items"]}
    assert ids == {"reservation_expiry"}


def test_advance_moves_the_clock_and_runs_background_work(desk, clock):
    before = clock.now()
    desk.advance(hours=3)
    assert (clock.now() - before).total_seconds() == 3 * 3600


def test_time_stops_at_every_timer_on_the_way(desk, metro):
    """A daily cycle timer fires once per day when the desk moves time by a week."""
    from tests.conftest import fixture_files
    metro.deploy(fixture_files("boundary_timer_noninterrupting.bpmn", "confirm.schema.json"))
    case = desk.start("wang.clerk", "boundary_timer_noninterrupting", {})
    desk.advance(days=7)
    fired = [e["at"] for e in desk.events(case["id"]) if e["type"] == "timer_fired"]
    assert len(fired) == 3 and len(set(fired)) == 3     # R3/P1D: three reminders on three days
