"""Reserve and release through the operators, inside a case's unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import InvalidInputError, NotFoundError, OperatorError
from warehouse import catalogue

S1 = [{"assetId": "A012", "qty": 1}, {"assetId": "A002", "qty": 40}]


def available(db, asset_id):
    items, _ = catalogue.search(db, requester_region="武侯区", text=asset_id, status=None)
    return items[0]["qtyAvailable"], items[0]["status"]


def test_reservation_reduces_available_quantity_and_holds_48_hours(demo, call, clock):
    result = call("reserve_assets", items=S1, unit="U07")
    assert result["totalValue"] == 195200.0
    assert result["expiresAt"] == (clock.now() + timedelta(hours=48)).isoformat()
    assert [(r["assetId"], r["qty"]) for r in result["reservations"]] == [("A012", 1), ("A002", 40)]
    assert available(demo.db, "A002") == (20, "AVAILABLE")
    assert available(demo.db, "A012") == (0, "RESERVED")       # the whole lot is held
    items, _ = catalogue.search(demo.db, requester_region="武侯区", category="C04")
    assert "A012" not in [i["assetId"] for i in items]


def test_reserving_beyond_stock_is_refused_with_a_chinese_reason_and_changes_nothing(demo, call):
    call("reserve_assets", items=S1, unit="U07")
    with pytest.raises(OperatorError) as refused:
        call("reserve_assets", case_id="case-2", items=[{"assetId": "A001", "qty": 1}, {"assetId": "A002", "qty": 30}],
             unit="U06")
    assert "A002 会议椅 可用数量不足：申请 30，可用 20" in refused.value.message
    assert available(demo.db, "A001") == (1, "AVAILABLE")       # all or nothing
    with pytest.raises(OperatorError, match="A012 .* 当前状态为已预留，不可预留"):
        call("reserve_assets", case_id="case-2", items=[{"assetId": "A012", "qty": 1}], unit="U06")
    with pytest.raises(OperatorError, match="借出中"):
        call("reserve_assets", case_id="case-2", items=[{"assetId": "A010", "qty": 1}], unit="U06")


def test_release_restores_and_every_step_is_in_the_history(demo, call, clock):
    call("reserve_assets", items=S1, unit="U07")
    clock.advance(hours=1)
    released = call("release_assets")
    assert released["count"] == 2
    assert available(demo.db, "A002") == (60, "AVAILABLE") and available(demo.db, "A012") == (1, "AVAILABLE")
    history = catalogue.asset_history(demo.db, "A012")
    assert [(h["fromStatus"], h["toStatus"], h["qty"], h["caseId"]) for h in history] == [
        ("AVAILABLE", "RESERVED", 1, "case-1"), ("RESERVED", "AVAILABLE", 1, "case-1")]
    assert "U07" in history[0]["note"] and history[1]["at"] == clock.now().isoformat()
    chairs = catalogue.asset_history(demo.db, "A002")
    assert [(h["fromStatus"], h["toStatus"], h["qty"]) for h in chairs] == [
        ("AVAILABLE", "AVAILABLE", 40), ("AVAILABLE", "AVAILABLE", 40)]
    assert call("release_assets")["count"] == 0                  # a retried release releases nothing


def test_partial_release_by_asset_and_two_cases_sharing_a_lot(demo, call):
    call("reserve_assets", items=S1, unit="U07")
    call("reserve_assets", case_id="case-2", items=[{"assetId": "A002", "qty": 20}], unit="U06")
    assert available(demo.db, "A002") == (0, "RESERVED")
    call("release_assets", items=[{"assetId": "A002"}])
    assert available(demo.db, "A002") == (40, "AVAILABLE") and available(demo.db, "A012") == (0, "RESERVED")


def test_a_retried_step_does_not_reserve_twice(demo, call):
    first = call("reserve_assets", key="case-1:task-1", items=S1, unit="U07")
    again = call("reserve_assets", key="case-1:task-1", items=S1, unit="U07")
    assert again == first and available(demo.db, "A002") == (20, "AVAILABLE")


def test_expired_holds_are_released_by_the_sweep(demo, call, clock):
    from warehouse.reservations import release_expired
    call("reserve_assets", items=S1, unit="U07", hold_hours=2)
    with demo.db.unit_of_work() as session:
        assert release_expired(session, now=clock.now())["count"] == 0
    clock.advance(hours=3)
    with demo.db.unit_of_work() as session:
        assert release_expired(session, now=clock.now())["count"] == 2
    assert available(demo.db, "A012") == (1, "AVAILABLE")


def test_bad_input_is_not_an_operator_refusal(demo, call):
    with pytest.raises(NotFoundError):
        call("reserve_assets", items=[{"assetId": "A999", "qty": 1}], unit="U07")
    with pytest.raises(NotFoundError):
        call("reserve_assets", items=[{"assetId": "A001", "qty": 1}], unit="U99")
    for items in ([], [{"assetId": "A001", "qty": 0}], [{"assetId": "A001"}], "A001"):
        with pytest.raises(InvalidInputError):
            call("reserve_assets", items=items, unit="U07")


def test_unit_block_for_overdue_loans(demo, call):
    assert call("check_unit_not_blocked", unit="U09") == {"blocked": False, "reason": None, "since": None}
    call("block_unit", case_id="loan-9", unit="U09")
    state = call("check_unit_not_blocked", unit="U09")
    assert state["blocked"] is True and state["reason"] == "郫都区人民政府办公室：有逾期未归还的借用资产"
    assert call("lift_unit_block", case_id="other", unit="U09")["blocked"] is True   # only its own case's block
    assert call("lift_unit_block", case_id="loan-9", unit="U09")["blocked"] is False
    from warehouse.tables import UnitBlock
    with demo.db.unit_of_work(write=False) as session:
        assert session.query(UnitBlock).count() == 1             # the episode stays on record
    with pytest.raises(NotFoundError):
        call("check_unit_not_blocked", unit="U99")


def test_operators_are_registered(ops):
    assert {"search_catalogue", "reserve_assets", "release_assets", "check_unit_not_blocked",
            "check_supplier_designated", "block_unit", "lift_unit_block"} <= set(ops.names())


def test_search_operator_sees_the_cases_own_writes(demo, ops, clock):
    from engine.runtime.operators import OperatorContext
    with demo.db.unit_of_work() as session:
        ctx = OperatorContext("case-1", "t", "asset_request", "k", session)
        ops.get("reserve_assets").fn(ctx, items=S1, unit="U07")
        found = ops.get("search_catalogue").fn(ctx, requester_region="WH", text="会议椅")
        assert found["total"] == 1 and found["items"][0]["qtyAvailable"] == 20
