"""The loan operators (warehouse/loan_ops.py) one by one, inside a case's unit of work: each success and
each refusal a process routes on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.errors import RefusalError
from engine.runtime.operators import OperatorRegistry
from warehouse import catalogue, loan_record, notices
from warehouse.loan_rules import LoanRules

CST = timezone(timedelta(hours=8))
S1 = [{"assetId": "A012", "qty": 1}, {"assetId": "A002", "qty": 40}]


def lots(db, asset_id):
    items, _ = catalogue.search(db, requester_region=None, text=asset_id, status=None)
    return {i["assetId"]: (i["status"], i["qty"]) for i in items}


def refused(call, code, name, **params):
    with pytest.raises(RefusalError) as err:
        call(name, **params)
    assert err.value.error_code == code, err.value.message
    return err.value


def released(call, items=S1, unit="U07", delivery=True, case_id="case-1", **more):
    call("reserve_assets", case_id=case_id, items=items, unit=unit)
    params = {"unit": unit, "start_date": "2026-03-10", "end_date": "2026-03-12", "need_delivery": delivery}
    if delivery:
        params.update(logistics_supplier="S07", trips=2)
    return call("issue_loan_release", case_id=case_id, **{**params, **more})


@pytest.fixture(autouse=True)
def at_start(clock):
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=CST))


def test_a_request_is_planned_from_the_warehouse_records(demo, call):
    plan = call("check_loan_request", unit="U07", items=S1, start_date="2026-03-10", end_date="2026-03-12",
                holder_warehouse="WH-CD-MAIN", reference_price=19200)
    assert plan["totalValue"] == 195200 and plan["holderLevel"] == "MAIN" and plan["holderRegion"] == "成都市本级"
    assert plan["dueDate"] == "2026-03-14" and plan["loanDays"] == 3 and plan["supervisingDept"] is None
    assert plan["category"] == "C04" and plan["referencePrice"] == 19200 and not plan["precisionInstrument"]
    assert plan["sla"] == {"approvalTimeout": "P3D", "approvalReminder": "P2D", "receiptAutoConfirm": "P3D"}
    branch = call("check_loan_request", unit="U12", items=[{"assetId": "A019", "qty": 1, "precisionInstrument": True}],
                  start_date="2026-03-10", end_date="2026-09-10")
    assert branch["holderLevel"] == "BRANCH" and branch["holderRegion"] == "锦江区"
    assert branch["supervisingDept"] == "U01" and branch["precisionInstrument"] and branch["referencePrice"] is None


@pytest.mark.parametrize("code,changes", [
    ("INVALID_PERIOD", {"end_date": "2026-03-01"}),
    ("INVALID_PERIOD", {"start_date": "三月十日"}),
    ("PERIOD_TOO_LONG", {"end_date": "2026-09-11"}),
    ("NO_ITEMS", {"items": []}),
    ("NO_ITEMS", {"items": [{"assetId": "A012", "qty": 0}]}),
    ("UNKNOWN_ASSET", {"items": [{"assetId": "A999", "qty": 1}]}),
    ("HOLDER_MISMATCH", {"items": [{"assetId": "A012", "qty": 1}, {"assetId": "A004", "qty": 1}]}),
    ("HOLDER_MISMATCH", {"holder_warehouse": "WH-WH"}),
])
def test_a_request_is_refused_with_a_code(demo, call, code, changes):
    params = {"unit": "U07", "items": S1, "start_date": "2026-03-10", "end_date": "2026-03-12", **changes}
    error = refused(call, code, "check_loan_request", **params)
    assert error.message                                # a Chinese reason for the clerk


def test_reserve_refuses_with_stock_short_or_not_available(demo, call):
    assert refused(call, "STOCK_SHORT", "reserve_assets", items=[{"assetId": "A002", "qty": 61}],
                   unit="U07").details["short"] == [{"assetId": "A002", "requested": 61, "available": 60}]
    refused(call, "NOT_AVAILABLE", "reserve_assets", items=[{"assetId": "A010", "qty": 1}], unit="U09")


def test_partial_approval_cuts_the_reservation(demo, call):
    call("reserve_assets", items=S1, unit="U07")
    cut = call("reduce_loan_items", items=[{"assetId": "A002", "qty": 30}])
    assert cut == {"items": [{"assetId": "A002", "name": "会议椅", "qty": 30, "unitValue": 680.0}],
                   "totalValue": 20400.0}
    assert lots(demo.db, "A012")["A012"] == ("AVAILABLE", 1)
    refused(call, "PARTIAL_INVALID", "reduce_loan_items", items=[{"assetId": "A002", "qty": 31}])
    refused(call, "NOTHING_RESERVED", "reduce_loan_items", case_id="case-9", items=[{"assetId": "A002", "qty": 1}])


def test_release_note_with_delivery_orders_and_a_split_lot(demo, call):
    note = released(call, need_install=True, install_supplier="S13", install_amount=3000, reference_price=19200)
    assert note["releaseNo"] == "CK-2026-000001" and note["deliveryMode"] == "DELIVERY" and note["dueDate"] == "2026-03-14"
    assert [(o["kind"], o["supplier"], o["unitPrice"], o["amount"]) for o in note["orders"]] == [
        ("LOGISTICS", "S07", 800.0, 1600.0), ("INSTALL", "S13", None, 3000.0)]     # 800 元/趟 from S07's terms
    assert [(ln["assetId"], ln["sourceAssetId"], ln["qty"]) for ln in note["lines"]] == [
        ("A012", "A012", 1), ("A002-1", "A002", 40)]
    assert lots(demo.db, "A002") == {"A002": ("AVAILABLE", 20), "A002-1": ("IN_TRANSIT", 40)}
    assert lots(demo.db, "A012")["A012"] == ("IN_TRANSIT", 1)
    assert note["remindFirstAt"] == "2026-03-07T09:00:00+08:00" and note["dueAt"] == "2026-03-15T00:00:00+08:00"
    assert note["escalateAt"] == "2026-03-28T00:00:00+08:00"          # 03-14 + 10 working days = 03-27
    assert call("issue_loan_release", unit="U07", start_date="x", end_date="2026-03-12", need_delivery=True) == note


@pytest.mark.parametrize("code,more", [
    ("LOGISTICS_MISSING", {"logistics_supplier": None}),
    ("PRICE_MISSING", {"logistics_supplier": "S08"}),
    ("SUPPLIER_NOT_ELIGIBLE", {"logistics_supplier": "S08", "trip_price": 500}),
    ("INSTALL_MISSING", {"need_install": True}),
])
def test_release_refusals_write_nothing(demo, call, code, more):
    call("reserve_assets", items=S1, unit="U07")
    params = {"unit": "U07", "start_date": "2026-03-10", "end_date": "2026-03-12", "need_delivery": True,
              "logistics_supplier": "S07", "trips": 2, **more}
    refused(call, code, "issue_loan_release", **params)
    assert lots(demo.db, "A002")["A002"] == ("AVAILABLE", 60) and lots(demo.db, "A012")["A012"] == ("RESERVED", 1)
    with pytest.raises(Exception):
        loan_record.loan_of_case(demo.db, "case-1")
    refused(call, "NOTHING_RESERVED", "issue_loan_release", case_id="case-9", unit="U07", start_date="2026-03-10",
            end_date="2026-03-12", need_delivery=False)


def test_self_pickup_keeps_the_hold_until_the_deadline_then_releases(demo, call, clock):
    note = released(call, items=[{"assetId": "A004", "qty": 3}], delivery=False)
    assert note["pickupDeadline"] == "2026-03-09" and note["pickupDeadlineAt"] == "2026-03-10T00:00:00+08:00"
    assert lots(demo.db, "A004")["A004"] == ("AVAILABLE", 15) and note["orders"] == []
    cancelled = call("cancel_loan_release")
    assert cancelled == {"releaseNo": "CK-2026-000001", "status": "CANCELLED", "released": 1}
    items, _ = catalogue.search(demo.db, requester_region=None, text="A004")
    assert items[0]["qtyAvailable"] == 15


def test_receipt_puts_the_lots_on_loan_and_the_orders_delivered(demo, call, clock):
    released(call)
    clock.advance(days=1)
    loan = call("confirm_loan_receipt", auto=True)
    assert loan["status"] == "ON_LOAN" and loan["receiptAuto"]
    assert lots(demo.db, "A002")["A002-1"] == ("ON_LOAN", 40) and lots(demo.db, "A012")["A012"] == ("ON_LOAN", 1)
    from warehouse.service_orders import orders
    assert [o["status"] for o in orders(demo.db, case_id="case-1")] == ["DELIVERED"]
    pickup = released(call, case_id="case-2", items=[{"assetId": "A004", "qty": 15}], delivery=False)
    assert pickup["lines"][0]["assetId"] == "A004"
    call("confirm_loan_receipt", case_id="case-2")
    assert lots(demo.db, "A004") == {"A004": ("ON_LOAN", 15)}        # the whole lot: not split


def test_reminders_skip_moments_before_the_hand_over(demo, call, clock):
    released(call)
    clock.set(datetime(2026, 3, 8, 9, 0, tzinfo=CST))                # received after T-7 (03-07 09:00)
    call("confirm_loan_receipt")
    assert call("send_loan_reminder", days_before=7) == {"sent": False, "daysBefore": 7}
    assert call("send_loan_reminder", days_before=1) == {"sent": True, "daysBefore": 1}
    mine, _ = notices.for_principal(demo.db, _principal("wang.clerk", [("UNIT_CLERK", "U07")]))
    assert [n["kind"] for n in mine] == ["REMINDER"] and "2026-03-14" in mine[0]["title"]


def _principal(name, grants):
    from types import SimpleNamespace
    return SimpleNamespace(username=name, grants=grants)


def test_overdue_blocks_the_unit_and_notifies_it_daily_then_escalates(demo, call, clock):
    released(call)
    call("confirm_loan_receipt")
    clock.set(datetime(2026, 3, 15, 0, 1, tzinfo=CST))
    first = call("mark_loan_overdue", key="k1")
    assert first == {"status": "OVERDUE", "overdueNotices": 1, "blocked": True}
    assert call("check_unit_not_blocked", unit="U07")["blocked"]
    clock.advance(days=1)
    assert call("mark_loan_overdue", key="k2")["overdueNotices"] == 2
    clock.set(datetime(2026, 3, 28, 0, 1, tzinfo=CST))
    escalation = call("escalate_overdue_loan")
    assert escalation["overdueDays"] == 14 and escalation["supervisingDept"] is None
    mine, total = notices.for_principal(demo.db, _principal("li.head", [("UNIT_HEAD", "U07")]))
    assert total == 2 and all(n["kind"] == "OVERDUE" for n in mine)


def test_the_block_can_wait_for_the_escalation_and_the_department_is_told(engine, demo, clock):
    from engine.runtime.operators import OperatorContext
    from warehouse import loan_ops
    from warehouse.operators import register
    registry = OperatorRegistry()
    register(registry, clock=clock)
    loan_ops.register(registry, clock, None, loan_rules=LoanRules(block_at="ESCALATION"))

    def call(name, key=None, case_id="case-u12", **params):
        with engine.db.unit_of_work() as session:
            ctx = OperatorContext(case_id, "t", "asset_request", key or f"{name}:{params}", session)
            return registry.get(name).fn(ctx, **params)
    released(call, items=[{"assetId": "A027", "qty": 10}], unit="U12", delivery=False, case_id="case-u12")
    call("confirm_loan_receipt")
    clock.set(datetime(2026, 3, 15, 0, 1, tzinfo=CST))
    assert call("mark_loan_overdue")["blocked"] is False
    assert call("escalate_overdue_loan")["supervisingDept"] == "U01"
    assert call("check_unit_not_blocked", unit="U12")["blocked"]
    dept, _ = notices.for_principal(engine.db, _principal("ma.dept", [("DEPT_REVIEWER", None)]))
    assert [n["kind"] for n in dept] == ["ESCALATION"] and "U01" == dept[0]["to_scope"]


def test_return_inspection_splits_damaged_and_lost_parts_and_orders_the_repair(demo, call, clock):
    released(call, items=[{"assetId": "A009", "qty": 5}], delivery=False)
    call("confirm_loan_receipt")
    assert call("register_loan_return")["daysLate"] == 0
    result = call("inspect_loan_return", lines=[{"assetId": "A009-1", "qtyIntact": 3, "qtyDamaged": 1, "qtyLost": 1}],
                  repair_supplier="S08", repair_estimate=600)
    assert (result["intact"], result["damaged"], result["lost"], result["compensation"]) == (3, 1, 1, 5200.0)
    assert result["repairOrder"] == {"orderId": 1, "supplier": "S08", "amount": 600.0, "chargedTo": "U07"}
    assert lots(demo.db, "A009") == {"A009": ("AVAILABLE", 20), "A009-1": ("AVAILABLE", 3),
                                     "A009-2": ("UNDER_REPAIR", 1), "A009-3": ("MISSING", 1)}
    repaired = call("settle_loan_repair", amount=550, note="更换主板")
    assert repaired == {"orderId": 1, "settledAmount": 550.0, "chargedTo": "U07", "repaired": ["A009-2"]}
    assert lots(demo.db, "A009")["A009-2"] == ("AVAILABLE", 1)
    closing = call("close_loan")
    assert closing["costs"] == {"REPAIR": 550.0} and closing["actual"] == 550.0 and closing["saving"] is None
    assert loan_record.loan_of_case(demo.db, "case-1")["status"] == "CLOSED"


@pytest.mark.parametrize("code,params", [
    ("INSPECTION_MISMATCH", {"lines": [{"assetId": "A012", "qtyIntact": 1}]}),
    ("INSPECTION_MISMATCH", {"lines": [{"assetId": "A009-1", "qtyIntact": 4}]}),
    ("REPAIR_SUPPLIER_MISSING", {"lines": [{"assetId": "A009-1", "qtyIntact": 4, "qtyDamaged": 1}]}),
    ("SUPPLIER_NOT_ELIGIBLE", {"lines": [{"assetId": "A009-1", "qtyIntact": 4, "qtyDamaged": 1}],
                               "repair_supplier": "S07"}),
])
def test_inspection_refusals(demo, call, code, params):
    released(call, items=[{"assetId": "A009", "qty": 5}], delivery=False)
    call("confirm_loan_receipt")
    refused(call, code, "inspect_loan_return", **params)


def test_repair_and_closing_refusals_and_figures(demo, call):
    released(call)
    call("confirm_loan_receipt")
    call("inspect_loan_return", lines=[])
    refused(call, "NO_REPAIR_ORDER", "settle_loan_repair", amount=1)
    assert lots(demo.db, "A012")["A012"] == ("AVAILABLE", 1)
    closing = call("close_loan")
    assert closing["costs"] == {"LOGISTICS": 1600.0} and closing["blockLifted"] is False


def test_an_asset_lent_before_the_platform_comes_back(demo, clock):
    from warehouse.loan_returns import return_unmanaged
    with demo.db.unit_of_work() as s:
        assert return_unmanaged(s, asset_id="A010", now=clock.now()) == {"assetId": "A010", "status": "AVAILABLE",
                                                                        "qty": 10}
    with demo.db.unit_of_work() as s, pytest.raises(RefusalError) as err:
        return_unmanaged(s, asset_id="A010", now=clock.now())
    assert err.value.error_code == "NOT_ON_LOAN"
    assert catalogue.asset_history(demo.db, "A010")[-1]["toStatus"] == "AVAILABLE"


def test_extension_once_within_twelve_months(demo, call):
    released(call, items=[{"assetId": "A009", "qty": 5}], delivery=False)
    call("confirm_loan_receipt")
    refused(call, "INVALID_PERIOD", "check_loan_extension", new_end_date="2026-03-12")
    refused(call, "EXTENSION_CAP", "check_loan_extension", new_end_date="2027-03-11")
    ok = call("check_loan_extension", new_end_date="2027-03-10")
    assert ok == {"releaseNo": "CK-2026-000001", "endDate": "2026-03-12", "newEndDate": "2027-03-10",
                  "newDueDate": "2027-03-12"}
    loan = call("apply_loan_extension", new_end_date="2026-04-10")
    assert (loan["dueDate"], loan["extensions"], loan["escalateAt"]) == ("2026-04-12", 1, "2026-04-25T00:00:00+08:00")
    assert call("apply_loan_extension", new_end_date="2026-04-10") == loan             # a retried step
    refused(call, "EXTENSION_LIMIT", "check_loan_extension", new_end_date="2026-05-10")
