"""reservation_expiry (预留超时释放): every hour, reservations past their 48-hour hold are released when
nothing still works on them; a running case's reservation stays with that case."""
from __future__ import annotations

from engine.runtime.operators import OperatorContext
from tests.conftest import ROOT


def reserve(engine, case_id, asset, qty):
    with engine.db.unit_of_work() as session:
        ctx = OperatorContext(case_id or "none", "t", "asset_request", f"{case_id}:{asset}", session, "reserve")
        result = engine.operators.get("reserve_assets").fn(ctx, items=[{"assetId": asset, "qty": qty}], unit="U07")
    if case_id is None:           # a reservation made outside any case (e.g. from the catalogue)
        from sqlalchemy import update
        from warehouse.tables import Reservation
        with engine.db.unit_of_work() as session:
            session.execute(update(Reservation).where(Reservation.case_id == "none").values(case_id=None))
    return result


def catalogue(engine, asset):
    from warehouse.catalogue import search
    items, _ = search(engine.db, requester_region=None, text=asset, status=None)
    return {i["assetId"]: (i["status"], i["qtyAvailable"]) for i in items}[asset]


def test_lapsed_reservations_are_released_hourly_and_running_cases_keep_theirs(engine, clock):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    engine.add_user("wang.clerk", "correct horse battery", ["UNIT_CLERK"])
    engine.deploy(paths=[ROOT / "tests" / "fixtures" / "loan_approval", ROOT / "workflows" / "reservation_expiry"])
    loan = {"purpose": "会议", "eventName": "会", "startDate": "2026-03-10", "endDate": "2026-03-12",
            "items": [{"assetId": "A014", "qty": 1, "unitValue": 26000, "name": "视频会议终端"}],
            "applicant_unit": "U07", "holder_region": "武侯区", "holder_warehouse": "WH-WH"}
    running = engine.start_case("asset_request", loan, "wang.clerk")
    ended = engine.start_case("asset_request", loan, "wang.clerk")
    engine.cancel_case(ended["id"], "wang.clerk", "不借了")
    reserve(engine, None, "A008", 1)                  # the only scanner: RESERVED
    reserve(engine, running["id"], "A014", 2)         # both terminals, under a running loan
    reserve(engine, ended["id"], "A002", 10)          # 10 of 60 chairs, case cancelled
    assert catalogue(engine, "A008") == ("RESERVED", 0) and catalogue(engine, "A002")[1] == 50

    clock.advance(hours=47)
    engine.fire_due_timers()
    assert catalogue(engine, "A008") == ("RESERVED", 0)              # still inside the 48-hour hold
    clock.advance(hours=2)
    engine.fire_due_timers()
    assert catalogue(engine, "A008") == ("AVAILABLE", 1)
    assert catalogue(engine, "A002") == ("AVAILABLE", 60)
    assert catalogue(engine, "A014") == ("RESERVED", 0)              # the running loan keeps its terminals
    runs, total = engine.list_cases(process_id="reservation_expiry")
    # The clock jumped: one run for the 47 missed hours, one for the next two (see engine/services/schedules.py).
    assert total == 2 and all(c["status"] == "completed" for c in runs)
    assert sorted(c["data"]["released"]["count"] for c in runs) == [0, 2]
