"""跨区调剂 operators (DOMAIN §2(c) C2): request and configuration check, matching, the plan the approval
rules read, release on rejection, shipping, the title transfer (调拨单) and the conversion to a loan."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidInputError, NotFoundError, RefusalError
from warehouse import catalogue, title_transfers
from warehouse.tables import Asset, AssetHistory, Reservation
from warehouse.transfer_tables import TitleTransfer

BASIS = {"staff_count": 86, "standard_qty": 2, "current_qty": 0, "note": "医疗设备配置标准"}


def open_request(call, unit="U10", item="便携式彩色超声诊断仪", category="C03", keyword="超声", qty=1, basis=BASIS,
                 case_id="case-1", reference_price=420000):
    return call("open_transfer_request", case_id=case_id, applicant_unit=unit, item_name=item, qty=qty, basis=basis,
                category=category, keyword=keyword, needed_by="2026-02-28", reference_price=reference_price,
                purpose="基层巡回诊疗")


def asset(engine, asset_id):
    with engine.db.unit_of_work(write=False) as s:
        a = s.get(Asset, asset_id)
        return None if a is None else (a.status, a.qty, a.warehouse_id)


def statuses(engine, asset_id):
    return [h["toStatus"] for h in catalogue.asset_history(engine.db, asset_id)]


# ------------------------------------------------------------------------------------------ request
def test_open_request_checks_the_configuration_standard_and_describes_the_applicant(demo, call):
    r = open_request(call)
    assert r["request_no"].startswith("TR") and r["status"] == "SUBMITTED" and r["over_standard"] is False
    assert (r["applicant_region"], r["applicant_warehouse"], r["applicant_finance_bureau"]) == \
        ("简阳市", "WH-JY", "简阳市财政局")
    assert r["deadlines"] == {"holder_consultation_working_days": 2, "loan_offer_working_days": 10}
    # the same step again (same idempotency key) returns the same request
    assert open_request(call)["request_no"] == r["request_no"]


def test_over_standard_request_is_recorded_as_rejected(demo, call):
    r = open_request(call, basis={"staff_count": 10, "standard_qty": 1, "current_qty": 1})
    assert r["over_standard"] is True and r["status"] == "REJECTED"
    assert "超出配置标准" in r["standard_message"] and "调剂后 2 件" in r["standard_message"]
    rows = title_transfers.transfer_requests(demo.db, unit="U10")
    assert rows[0]["status"] == "REJECTED" and rows[0]["reason"] == r["standard_message"]


@pytest.mark.parametrize("change,error", [
    ({"unit": "U99"}, NotFoundError), ({"qty": 0}, InvalidInputError), ({"category": "C99"}, NotFoundError),
    ({"basis": {"staff_count": 3}}, InvalidInputError), ({"item": " "}, InvalidInputError),
    ({"reference_price": "很贵"}, InvalidInputError)])
def test_open_request_refuses_bad_input(demo, call, change, error):
    with pytest.raises(error):
        open_request(call, **change)


# ------------------------------------------------------------------------------------------ matching
def test_local_search_sees_only_the_own_branch_and_remote_ranks_by_condition_travel_and_idle(demo, call):
    r = open_request(call, unit="U08", item="投影仪", category="C04", keyword=None)
    local = call("transfer_candidates", request_no=r["request_no"], scope="LOCAL")
    assert local["items"] == [] and local["applicantWarehouse"] == "WH-LQY"      # 龙泉驿区 has no C04
    remote = call("transfer_candidates", request_no=r["request_no"], scope="REMOTE")
    ranked = [(i["assetId"], i["condition"], i["travelMinutes"]) for i in remote["items"]]
    # condition A first; among A: travel from WH-LQY (MAIN 40, WH-WH 20+40=60); B (A015 at WH-JY, 35 min) last;
    # partner warehouses (A030 at WH-MS) are not offered
    assert ranked == [("A012", "A", 40), ("A013", "A", 40), ("A027", "A", 40), ("A014", "A", 60),
                      ("A015", "B", 35)]


def test_longest_idle_comes_first_among_equals(demo, call, engine, clock):
    r = open_request(call, unit="U08", item="会议设备", category="C04", keyword=None)
    with engine.db.unit_of_work() as s:      # A012 came back from a loan yesterday: idle for the shortest time
        s.add(AssetHistory(asset_id="A012", at=clock.now(), from_status="ON_LOAN", to_status="AVAILABLE", qty=1,
                           case_id=None, note="归还入库"))
    ranked = [i["assetId"] for i in call("transfer_candidates", request_no=r["request_no"])["items"]]
    assert ranked[:3] == ["A013", "A027", "A012"]


def test_candidates_need_the_whole_quantity_free_and_a_known_scope(demo, call):
    r = open_request(call, unit="U06", item="台式计算机", category="C03", keyword="台式", qty=26,
                     basis={"staff_count": 40, "standard_qty": 40, "current_qty": 0})
    assert call("transfer_candidates", request_no=r["request_no"])["items"] == []     # A009 has 25
    with pytest.raises(InvalidInputError):
        call("transfer_candidates", request_no=r["request_no"], scope="EVERYWHERE")


def test_an_asset_let_go_for_this_request_is_not_offered_again(demo, call, clock):
    """The holder refused A012 (or the center chose 另行匹配): the next matching round offers the rest and
    says that A012 was let go; another request still sees it, and the center may still name it."""
    r = open_request(call, unit="U08", item="投影仪", category="C04", keyword=None)
    call("plan_transfer", request_no=r["request_no"], asset_id="A012")
    call("release_transfer_match", request_no=r["request_no"])
    remote = call("transfer_candidates", request_no=r["request_no"], scope="REMOTE")
    assert [i["assetId"] for i in remote["items"]] == ["A013", "A027", "A014", "A015"]
    assert remote["count"] == 4
    assert remote["declined"] == [{"assetId": "A012", "releasedAt": clock.now().isoformat()}]
    other = open_request(call, unit="U08", item="投影仪", category="C04", keyword=None, case_id="case-2")
    again = call("transfer_candidates", case_id="case-2", request_no=other["request_no"], scope="REMOTE")
    assert "A012" in [i["assetId"] for i in again["items"]] and again["declined"] == []
    plan = call("plan_transfer", request_no=r["request_no"], asset_id="A012", key="named-again")
    assert plan["holder_level"] == "MAIN"


# ------------------------------------------------------------------------------------------ plan
def test_plan_holds_the_asset_and_says_who_must_approve(demo, call, engine):
    r = open_request(call)
    plan = call("plan_transfer", request_no=r["request_no"], asset_id="A018")
    assert asset(engine, "A018") == ("RESERVED", 1, "WH-CD-MAIN")
    assert (plan["holder_level"], plan["holder_region"], plan["holder_finance_bureau"]) == \
        ("MAIN", "成都市本级", "成都市财政局")
    assert (plan["cross_fiscal_level"], plan["cross_city"], plan["same_dept"], plan["needs_consultation"]) == \
        (True, False, False, False)
    assert (plan["total_value"], plan["reference_total"]) == (380000.0, 420000.0)


def test_plan_of_a_branch_asset_needs_the_holders_consultation(demo, call):
    r = open_request(call, unit="U08", item="排涝泵", category="C09", keyword="排涝泵",
                     basis={"staff_count": 30, "standard_qty": 4, "current_qty": 1}, reference_price=18000)
    plan = call("plan_transfer", request_no=r["request_no"], asset_id="A024")
    assert (plan["holder_level"], plan["holder_region"], plan["needs_consultation"], plan["local"]) == \
        ("BRANCH", "简阳市", True, False)
    assert plan["total_value"] == 15000.0 and plan["reference_total"] == 18000.0


def test_own_branch_is_same_level_and_the_warehouse_department_is_the_same_department(demo, call):
    r = open_request(call, unit="U06", item="学生课桌椅", category="C01", keyword="课桌椅", qty=20,
                     basis={"staff_count": 900, "standard_qty": 900, "current_qty": 700})
    plan = call("plan_transfer", request_no=r["request_no"], asset_id="A020")
    assert (plan["local"], plan["cross_fiscal_level"], plan["needs_consultation"], plan["same_dept"]) == \
        (True, False, False, False)
    r = open_request(call, unit="U12", item="会议扩声音响系统", category="C04", keyword="音响", case_id="case-2")
    plan = call("plan_transfer", case_id="case-2", request_no=r["request_no"], asset_id="A013")
    assert (plan["same_dept"], plan["applicant_supervisor"], plan["cross_fiscal_level"]) == (True, "U01", False)


def test_plan_refuses_an_asset_that_cannot_be_held(demo, call):
    r = open_request(call)
    with pytest.raises(RefusalError) as err:
        call("plan_transfer", request_no=r["request_no"], asset_id="A026")        # PENDING_DISPOSAL
    assert err.value.error_code == "NOT_AVAILABLE" and "不可预留" in err.value.message
    with pytest.raises(RefusalError) as err:
        call("plan_transfer", request_no=r["request_no"], asset_id="A012")        # another category
    assert err.value.error_code == "NOT_AVAILABLE"
    with pytest.raises(RefusalError):
        call("plan_transfer", request_no=r["request_no"], asset_id="A999")


def test_release_and_close_put_the_asset_back_and_keep_the_reason(demo, call, engine):
    r = open_request(call)
    call("plan_transfer", request_no=r["request_no"], asset_id="A018")
    again = call("release_transfer_match", request_no=r["request_no"])
    assert again["status"] == "SUBMITTED" and again["released"] == 1 and asset(engine, "A018")[0] == "AVAILABLE"
    call("plan_transfer", request_no=r["request_no"], asset_id="A018", key="again")
    closed = call("close_transfer_request", request_no=r["request_no"], status="REJECTED",
                  reason="超出配置标准，保留共享医疗使用", rejected_by="调出方财政：成都市财政局审批")
    assert (closed["status"], closed["released"], closed["rejected_by"]) == \
        ("REJECTED", 1, "调出方财政：成都市财政局审批")
    assert asset(engine, "A018")[0] == "AVAILABLE"
    assert "TRANSFERRED_OUT" not in statuses(engine, "A018")
    assert title_transfers.title_transfers(engine.db, asset_id="A018") == []
    with pytest.raises(InvalidInputError):
        call("close_transfer_request", request_no=r["request_no"], status="COMPLETED", reason="x")
    converted = call("record_loan_conversion", request_no=r["request_no"], loan_outcome="STARTED")
    assert (converted["status"], converted["loan_outcome"]) == ("CONVERTED_TO_LOAN", "STARTED")


# ------------------------------------------------------------------------------------------ ship and books
def test_ship_and_title_transfer_of_a_whole_asset(demo, call, engine, clock):
    r = open_request(call)
    call("plan_transfer", request_no=r["request_no"], asset_id="A018")
    with pytest.raises(RefusalError) as err:                      # not approved yet
        call("ship_transfer", request_no=r["request_no"])
    assert err.value.error_code == "TRANSFER_STATE"
    call("mark_transfer_approved", request_no=r["request_no"])
    order = call("create_service_order", supplier="S07", unit="U10", kind="LOGISTICS", amount=800, qty=1)
    shipped = call("ship_transfer", request_no=r["request_no"], order_id=order["order_id"])
    assert shipped["status"] == "IN_TRANSIT" and shipped["shipped_asset"] == "A018"
    assert asset(engine, "A018")[0] == "IN_TRANSIT"
    assert call("ship_transfer", request_no=r["request_no"])["status"] == "IN_TRANSIT"     # retried step
    approvals = [{"role": "FINANCE_APPROVER", "scope": "成都市本级", "title": "调出方财政：成都市财政局审批",
                  "decision": "APPROVE"}]
    note = call("complete_title_transfer", request_no=r["request_no"], approvals=approvals,
                order_id=order["order_id"], key="books")
    assert note["note_no"].startswith("DB") and note["new_card_no"].startswith("U10-A018-")
    assert (note["from_region"], note["from_finance_bureau"], note["to_region"], note["to_finance_bureau"]) == \
        ("CD", "成都市财政局", "JY", "简阳市财政局")
    assert (note["original_value"], note["qty"], note["approvals"]) == (380000.0, 1, approvals)
    assert asset(engine, "A018")[0] == "TRANSFERRED_OUT"
    assert call("complete_title_transfer", request_no=r["request_no"], approvals=approvals,
                key="books")["note_no"] == note["note_no"]                                 # idempotent
    assert [t["note_no"] for t in title_transfers.title_transfers(engine.db, unit="U10")] == [note["note_no"]]
    assert title_transfers.request_by_no(engine.db, r["request_no"])["status"] == "COMPLETED"
    assert [o["status"] for o in call_orders(engine)] == ["DELIVERED"]
    with pytest.raises(RefusalError):
        call("complete_title_transfer", request_no=r["request_no"], approvals=approvals, key="again")


def call_orders(engine):
    from warehouse import service_orders
    return service_orders.orders(engine.db)


def test_part_of_a_lot_is_split_off_and_the_rest_stays_available(demo, call, engine):
    r = open_request(call, unit="U08", item="排涝泵", category="C09", keyword="排涝泵",
                     basis={"staff_count": 30, "standard_qty": 4, "current_qty": 1}, reference_price=18000)
    call("plan_transfer", request_no=r["request_no"], asset_id="A024")
    assert asset(engine, "A024") == ("AVAILABLE", 3, "WH-JY")         # 1 of 3 held: the lot stays AVAILABLE
    call("mark_transfer_approved", request_no=r["request_no"])
    shipped = call("ship_transfer", request_no=r["request_no"])
    assert shipped["shipped_asset"] == "A024-1"
    assert asset(engine, "A024") == ("AVAILABLE", 2, "WH-JY") and asset(engine, "A024-1") == ("IN_TRANSIT", 1, "WH-JY")
    with engine.db.unit_of_work(write=False) as s:
        assert s.scalar(select(Reservation.state).where(Reservation.asset_id == "A024")) == "CONVERTED"
    note = call("complete_title_transfer", request_no=r["request_no"], approvals=[], key="books")
    assert (note["asset_id"], note["source_asset_id"], note["original_value"], note["from_region"]) == \
        ("A024-1", "A024", 15000.0, "JY")
    assert [t["asset_id"] for t in title_transfers.title_transfers(engine.db, asset_id="A024")] == ["A024-1"]
    with engine.db.unit_of_work(write=False) as s:
        assert s.scalar(select(TitleTransfer.to_region)) == "LQY"


def test_damaged_on_arrival_goes_back_for_inspection_without_books(demo, call, engine):
    r = open_request(call)
    call("plan_transfer", request_no=r["request_no"], asset_id="A018")
    call("mark_transfer_approved", request_no=r["request_no"])
    order = call("create_service_order", supplier="S07", unit="U10", kind="LOGISTICS", amount=800, qty=1)
    call("ship_transfer", request_no=r["request_no"], order_id=order["order_id"])
    with pytest.raises(InvalidInputError):                        # approvals must be the approval trail
        call("complete_title_transfer", request_no=r["request_no"], approvals="同意")
    back = call("return_damaged_transfer", request_no=r["request_no"], note="外壳破裂", order_id=order["order_id"])
    assert back["status"] == "RETURNED_DAMAGED" and "外壳破裂" in back["reason"]
    assert asset(engine, "A018")[0] == "INSPECTING"
    assert title_transfers.title_transfers(engine.db, asset_id="A018") == []
    assert title_transfers.transfer_requests(engine.db, status="RETURNED_DAMAGED")[0]["request_no"] == \
        r["request_no"]
    with pytest.raises(NotFoundError):
        title_transfers.request_by_no(engine.db, "TR-nope")
