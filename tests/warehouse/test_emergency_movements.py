"""After the allocation (DOMAIN §2(e) steps 5-9): dispatch, receipt with shortages, end of response,
write-off, recovery into stock and replenishment up to the 储备定额 — each operator's success and refusals."""
from __future__ import annotations

import pytest

from engine.errors import RefusalError
from warehouse import catalogue
from warehouse.emergency_movements import stock_view

S5 = [{"site": "某安置点", "items": [{"code": "E301", "qty": 100}, {"code": "E302", "qty": 400},
                                   {"code": "E303", "qty": 800}, {"code": "E306", "qty": 600}]}]
GO = {"driver": "张师傅", "vehicle": "川A·5K627", "departed_at": "2026-07-01T16:00:00+08:00",
      "eta": "2026-07-01T17:00:00+08:00", "tracking": "YJ-1"}


def qty(engine, warehouse):
    return {r["code"]: r["qty"] for r in catalogue.emergency_stock(engine.db, warehouse)}


@pytest.fixture
def s5(demo, call):
    """The S5 allocation (LQY, JY, MAIN); returns (allocation id, batches by source)."""
    result = call("allocate_emergency_stock", key="alloc", region="龙泉驿区", level="III", demands=S5,
                  protect_reserve=True)
    return result["allocationId"], {b["source"]: b for b in result["batches"]}


def dispatch_all(call, allocation_id, batches, sources=("WH-LQY", "WH-JY", "WH-CD-MAIN")):
    for source in sources:
        call("confirm_emergency_dispatch", key=f"go-{source}", allocation_id=allocation_id,
             line_ids=batches[source]["lineIds"], **GO)


def test_dispatch_takes_stock_out_once_and_records_the_transport(demo, call, s5):
    allocation_id, batches = s5
    before = qty(demo, "WH-LQY")
    with demo.db.unit_of_work(write=False) as session:
        held = {r["code"]: r["reserved"] for r in stock_view(session, "WH-LQY")}
    assert held["E301"] == 40 and held["E101"] == 0
    for _ in range(2):      # a retried step dispatches once
        result = call("confirm_emergency_dispatch", key="go", allocation_id=allocation_id,
                      line_ids=batches["WH-LQY"]["lineIds"], **GO)
    after = qty(demo, "WH-LQY")
    assert {c: before[c] - after[c] for c in before} == {"E101": 0, "E102": 0, "E301": 40, "E302": 150,
                                                         "E303": 300, "E306": 200}
    line = result["dispatched"][0]
    assert (line["state"], line["driver"], line["vehicle"], line["tracking"]) == ("DISPATCHED", "张师傅",
                                                                                  "川A·5K627", "YJ-1")
    assert line["departedAt"] == "2026-07-01T08:00:00+00:00" and line["eta"] == "2026-07-01T09:00:00+00:00"
    with pytest.raises(RefusalError) as err:
        call("confirm_emergency_dispatch", key="again", allocation_id=allocation_id,
             line_ids=batches["WH-LQY"]["lineIds"], **GO)
    assert err.value.error_code == "LINE_NOT_OPEN"


def test_dispatch_refuses_a_time_without_zone_and_reallocated_lines(demo, call, s5):
    allocation_id, batches = s5
    with pytest.raises(RefusalError) as err:
        call("confirm_emergency_dispatch", allocation_id=allocation_id, line_ids=batches["WH-JY"]["lineIds"],
             **{**GO, "departed_at": "2026-07-01 16:00"})
    assert err.value.error_code == "INVALID_TIME"
    call("reallocate_emergency_lines", allocation_id=allocation_id, line_ids=batches["WH-JY"]["lineIds"])
    with pytest.raises(RefusalError) as err:
        call("confirm_emergency_dispatch", allocation_id=allocation_id, line_ids=batches["WH-JY"]["lineIds"], **GO)
    assert err.value.error_code == "LINE_NOT_OPEN"
    assert qty(demo, "WH-JY")["E301"] == 60


def test_receipt_creates_a_shortage_line_and_refuses_more_than_sent(demo, call, s5):
    allocation_id, batches = s5
    dispatch_all(call, allocation_id, batches, ("WH-LQY", "WH-CD-MAIN"))
    water = next(x for x in batches["WH-CD-MAIN"]["lines"] if x["code"] == "E306")
    with pytest.raises(RefusalError) as err:
        call("record_emergency_receipt", allocation_id=allocation_id,
             receipts=[{"lineId": water["lineId"], "receivedQty": water["qty"] + 1}])
    assert err.value.error_code == "RECEIPT_EXCEEDS"
    jy_line = batches["WH-JY"]["lineIds"][0]
    with pytest.raises(RefusalError) as err:
        call("record_emergency_receipt", allocation_id=allocation_id, receipts=[{"lineId": jy_line, "receivedQty": 1}])
    assert err.value.error_code == "LINE_NOT_DISPATCHED"
    with pytest.raises(RefusalError) as err:
        call("record_emergency_receipt", allocation_id=allocation_id, receipts=[{"receivedQty": 1}])
    assert err.value.error_code == "INVALID_RECEIPT"
    result = call("record_emergency_receipt", allocation_id=allocation_id,
                  receipts=[{"lineId": water["lineId"], "receivedQty": water["qty"] - 2, "note": "2箱破损"}])
    assert result["received"] == 8 and result["receivedQty"] == 1900 - 75 - 30 - 60 - 100 - 2
    assert [(s["code"], s["qty"], s["parentId"], s["state"]) for s in result["shortages"]] == [
        ("E306", 2, water["lineId"], "SHORTAGE")]
    assert result["shortageSummary"] == "瓶装饮用水(24瓶)短少2箱"


def test_end_of_response_releases_unsent_lines_and_lists_what_to_recover(demo, call, s5):
    allocation_id, batches = s5
    dispatch_all(call, allocation_id, batches, ("WH-LQY", "WH-CD-MAIN"))
    call("record_emergency_receipt", allocation_id=allocation_id, receipts=[])
    closing = call("end_emergency_response", allocation_id=allocation_id)
    assert [(b["warehouse"], b["scope"]) for b in closing["recovery"]] == [("WH-LQY", "龙泉驿区"),
                                                                         ("WH-CD-MAIN", "成都市本级")]
    assert {x["code"] for b in closing["recovery"] for x in b["lines"]} == {"E301", "E302"}
    assert {x["code"] for x in closing["consumables"]} == {"E303", "E306"}
    # WH-JY's unsent lines are released: its stock is free for the next incident
    with demo.db.unit_of_work(write=False) as session:
        assert {r["code"]: r["reserved"] for r in stock_view(session, "WH-JY")}["E301"] == 0
    with pytest.raises(RefusalError) as err:
        call("record_emergency_receipt", key="late", allocation_id=allocation_id, receipts=[])
    assert err.value.error_code == "ALLOCATION_CLOSED"


def test_write_off_recovery_and_replenishment_bring_stock_back_to_the_quota(demo, call, s5):
    allocation_id, batches = s5
    listed = {w: qty(demo, w) for w in ("WH-LQY", "WH-CD-MAIN")}
    dispatch_all(call, allocation_id, batches, ("WH-LQY", "WH-CD-MAIN"))
    water = next(x for x in batches["WH-LQY"]["lines"] if x["code"] == "E306")
    call("record_emergency_receipt", allocation_id=allocation_id,
         receipts=[{"lineId": water["lineId"], "receivedQty": water["qty"] - 2}])
    closing = call("end_emergency_response", allocation_id=allocation_id)
    written = call("write_off_emergency_consumables", allocation_id=allocation_id)
    assert {r["code"]: r["qty"] for r in written["writtenOff"]} == {"E303": 300 + 400, "E306": 200 + 325}
    lqy, main = closing["recovery"]
    tents = next(x for x in lqy["lines"] if x["code"] == "E301")
    with pytest.raises(RefusalError) as err:
        call("recover_emergency_reusables", allocation_id=allocation_id, line_ids=lqy["lineIds"],
             recoveries=[{"lineId": tents["lineId"], "recoveredQty": tents["receivedQty"] + 1}])
    assert err.value.error_code == "RECOVERY_EXCEEDS"
    with pytest.raises(RefusalError) as err:
        call("recover_emergency_reusables", allocation_id=allocation_id, line_ids=[water["lineId"]])
    assert err.value.error_code == "LINE_NOT_RECOVERABLE"
    booked = call("recover_emergency_reusables", allocation_id=allocation_id, line_ids=lqy["lineIds"],
                  recoveries=[{"lineId": tents["lineId"], "recoveredQty": tents["receivedQty"] - 1, "note": "1顶损毁"}])
    assert (booked["recovered"], booked["lost"]) == (40 - 1 + 150, 1)
    call("recover_emergency_reusables", allocation_id=allocation_id, line_ids=main["lineIds"])
    assert qty(demo, "WH-LQY")["E301"] == 39 and qty(demo, "WH-CD-MAIN")["E302"] == listed["WH-CD-MAIN"]["E302"]

    plan = call("plan_emergency_replenishment", allocation_id=allocation_id)
    gaps = {(x["warehouse"], x["code"]): (x["quota"], x["stock"], x["gap"]) for x in plan["lines"]}
    assert gaps == {("WH-LQY", "E301"): (40, 39, 1), ("WH-LQY", "E303"): (300, 0, 300),
                    ("WH-LQY", "E306"): (200, 0, 200), ("WH-CD-MAIN", "E303"): (2000, 1600, 400),
                    ("WH-CD-MAIN", "E306"): (1500, 1175, 325)}
    assert call("plan_emergency_replenishment", key="again", allocation_id=allocation_id) == plan
    ordered = call("mark_emergency_replenishment_ordered", allocation_id=allocation_id, order_id=7)
    assert {(x["state"], x["orderId"]) for x in ordered["lines"]} == {("ORDERED", "7")}
    call("receive_emergency_replenishment", allocation_id=allocation_id)
    assert {w: qty(demo, w) for w in listed} == listed
    with pytest.raises(RefusalError) as err:
        call("receive_emergency_replenishment", key="twice", allocation_id=allocation_id)
    assert err.value.error_code == "NOTHING_TO_RECEIVE"


def test_unknown_allocation_is_refused_everywhere(demo, call):
    for name, params in [("confirm_emergency_dispatch", {"line_ids": [1]}), ("record_emergency_receipt", {}),
                         ("end_emergency_response", {}), ("write_off_emergency_consumables", {}),
                         ("recover_emergency_reusables", {"line_ids": [1]}), ("plan_emergency_replenishment", {})]:
        with pytest.raises(RefusalError) as err:
            call(name, allocation_id=404, **params)
        assert err.value.error_code == "UNKNOWN_ALLOCATION", name
