"""The scenario desk itself: demo users log in over HTTP and see only their own work."""
from __future__ import annotations

from warehouse.data.users import DEMO_USERS


def test_every_demo_user_logs_in_and_has_an_inbox(desk):
    for login, _, _ in DEMO_USERS:
        assert desk.inbox(login) == []


def test_every_deployed_process_is_listed(desk):
    desk.deploy("asset_request")
    ids = {m["id"] for m in desk.get("process-models", "wang.clerk")["items"]}
    assert "asset_request" in ids


def test_advance_moves_the_clock_and_runs_background_work(desk, clock):
    before = clock.now()
    desk.advance(hours=3)
    assert (clock.now() - before).total_seconds() == 3 * 3600
