"""入仓 (deposit) operators: declaration checked against the ledger, routing, pre-check, move, re-inspection,
receipt and shelving, with every refusal."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, RefusalError
from warehouse import catalogue, deposit_ledger
from warehouse.deposit_views import deposit_view
from warehouse.service_orders import orders


@pytest.fixture
def area(demo):
    deposit_ledger.load_demo(demo.db)
    return demo


def card(unit, card_no, db, **changes):
    row = next(c for c in deposit_ledger.ledger(db, unit) if c["cardNo"] == card_no)
    item = {k: row[k] for k in ("cardNo", "categoryCode", "name", "spec", "qty", "uom", "originalValue",
                                "netValue", "purchaseDate", "location", "secretFlag")}
    item.update({"selfCondition": "B", "reason": "临时机构撤销"}, **changes)
    return item


def declare(call, db, unit, cards, case_id="dep-1", **kw):
    items = [card(unit, c, db) if isinstance(c, str) else c for c in cards]
    return call("declare_deposit", case_id=case_id, unit=unit, items=items, reason="临时机构撤销", **kw)


def accepted(call, db, unit="U12", cards=("ZB-2023-0002", "ZB-2023-0003"), level="MAIN", mode="TRANSFER_TITLE"):
    d = declare(call, db, unit, list(cards))
    call("assign_deposit_warehouse", case_id="dep-1", deposit_id=d["deposit_id"], holder_level=level,
         custody_mode=mode)
    call("record_deposit_precheck", case_id="dep-1", deposit_id=d["deposit_id"], decision="ACCEPT")
    return d


def test_declaration_reads_the_unit_and_its_duties(area, call):
    d = declare(call, area.db, "U12", ["ZB-2023-0002", "ZB-2023-0003"])
    assert d["status"] == "SUBMITTED" and d["region_level"] == "CITY" and d["temporary"] is True
    assert d["has_supervisor"] is True and d["supervising_dept"] == "U01"
    assert d["total_original_value"] == 20 * 5600 + 30 * 860 and d["item_count"] == 50
    assert d["return_deadline"] == "2026-01-30" and d["return_overdue"] is False   # dissolved 2025-12-31 + 30
    assert d["confidential_unwiped"] == [] and d["rules"]["precheck_sla_working_days"] == 3
    ledger = {c["cardNo"]: c["status"] for c in deposit_ledger.ledger(area.db, "U12")}
    assert ledger["ZB-2023-0002"] == "DECLARED" and ledger["ZB-2023-0001"] == "IDLE"


def test_a_district_unit_has_no_supervisor_and_no_return_deadline(area, call):
    d = declare(call, area.db, "U06", ["JJJY-2019-0112"])
    assert d["region_level"] == "DISTRICT" and d["has_supervisor"] is False and d["return_deadline"] is None
    assert d["idle_due_cards"] == ["JJJY-2019-0112"]                          # idle since 2025-05-01
    routed = call("assign_deposit_warehouse", deposit_id=d["deposit_id"], holder_level="BRANCH",
                  custody_mode="CUSTODY_ONLY")
    assert routed["warehouse_id"] == "WH-JJ" and routed["holder_role"] == "BRANCH_KEEPER"
    assert routed["holder_region"] == "锦江区" and routed["finance_scope"] == "锦江区"


def test_declaration_refusals_name_every_card(area, call):
    bad_value = card("U12", "ZB-2023-0003", area.db, originalValue=999)
    too_many = card("U12", "ZB-2023-0005", area.db, qty=7)
    with pytest.raises(RefusalError) as err:
        declare(call, area.db, "U12", ["ZB-2023-0002", "ZB-2023-0002", bad_value, too_many,
                                       card("U06", "JJJY-2019-0112", area.db), {"cardNo": "X"}])
    assert err.value.error_code == "DECLARATION_INVALID"
    codes = [(p["cardNo"], p["code"]) for p in err.value.details["problems"]]
    assert codes == [("ZB-2023-0002", "DUPLICATE_CARD"), ("ZB-2023-0003", "VALUE_MISMATCH"),
                     ("ZB-2023-0005", "QTY_EXCEEDS"), ("JJJY-2019-0112", "NOT_ON_BOOKS"), ("X", "BAD_ITEM")]
    with pytest.raises(RefusalError):
        declare(call, area.db, "U12", [])
    # a card already declared in another open deposit is a duplicate
    declare(call, area.db, "U12", ["ZB-2023-0002"], case_id="first")
    with pytest.raises(RefusalError) as err:
        declare(call, area.db, "U12", ["ZB-2023-0002"], case_id="second")
    assert err.value.details["problems"][0]["code"] == "DUPLICATE_CARD"


def test_fixing_a_declaration_replaces_its_lines(area, call):
    d = declare(call, area.db, "U12", ["ZB-2023-0002"])
    call("record_deposit_precheck", deposit_id=d["deposit_id"], decision="RETURN_FOR_FIX", note="补充照片")
    fixed = declare(call, area.db, "U12", ["ZB-2023-0003"], case_id="dep-1-fix", deposit_id=d["deposit_id"])
    assert fixed["deposit_id"] == d["deposit_id"] and [x["cardNo"] for x in fixed["lines"]] == ["ZB-2023-0003"]
    ledger = {c["cardNo"]: c["status"] for c in deposit_ledger.ledger(area.db, "U12")}
    assert ledger["ZB-2023-0002"] == "IDLE" and ledger["ZB-2023-0003"] == "DECLARED"


def test_confidential_it_equipment_is_refused_until_wiped(area, call):
    d = declare(call, area.db, "U12", ["ZB-2023-0004"])
    assert d["confidential_unwiped"] == ["ZB-2023-0004"]
    with pytest.raises(RefusalError) as err:
        call("record_deposit_precheck", deposit_id=d["deposit_id"], decision="ACCEPT")
    assert err.value.error_code == "CONFIDENTIAL_NOT_WIPED"
    assert call("end_deposit", deposit_id=d["deposit_id"], status="REJECTED")["status"] == "REJECTED"
    wiped = card("U12", "ZB-2023-0004", area.db, wiped=True)
    again = declare(call, area.db, "U12", [wiped], case_id="dep-2")
    assert again["confidential_unwiped"] == []


def test_reject_and_redirect_give_the_cards_back(area, call):
    d = declare(call, area.db, "U12", ["ZB-2023-0005"])
    out = call("record_deposit_precheck", deposit_id=d["deposit_id"], decision="REDIRECT_DISPOSAL", note="无使用价值")
    assert out["status"] == "REDIRECTED_DISPOSAL" and out["disposal_referral"][0]["cardNo"] == "ZB-2023-0005"
    assert out["assets"] == []
    ledger = {c["cardNo"]: c["status"] for c in deposit_ledger.ledger(area.db, "U12")}
    assert ledger["ZB-2023-0005"] == "IDLE"
    with pytest.raises(InvalidInputError):
        call("record_deposit_precheck", deposit_id=d["deposit_id"], decision="ACCEPT")
    with pytest.raises(InvalidInputError):
        call("end_deposit", deposit_id=d["deposit_id"], status="SHELVED")


def test_the_whole_intake_moves_the_assets_to_the_catalogue(area, call):
    d = accepted(call, area.db)
    view = deposit_view(area.db, d["deposit_id"])
    history = catalogue.asset_history(area.db, "A031")
    assert history[0]["toStatus"] == "DECLARED" and view["warehouse_id"] == "WH-CD-MAIN"
    moved = call("start_deposit_move", deposit_id=d["deposit_id"], delivery="MOVING_SERVICE", supplier="S07",
                 trips=2)
    assert moved["order"]["amount"] == 1600.0 and moved["order"]["kind"] == "MOVING"
    assert moved["assets"] == ["A031", "A032"]
    assert catalogue.asset_history(area.db, "A032")[-1]["toStatus"] == "IN_TRANSIT_IN"
    arrived = call("receive_deposit", deposit_id=d["deposit_id"], trips=3)
    assert arrived["order"]["status"] == "DELIVERED" and arrived["order"]["amount"] == 2400.0
    lots = [{"cardNo": "ZB-2023-0002", "qty": 18, "grade": "B"}, {"cardNo": "ZB-2023-0002", "qty": 1, "grade": "C"},
            {"cardNo": "ZB-2023-0003", "qty": 30, "grade": "A", "tagNo": "QR-0001"}]
    with pytest.raises(RefusalError) as err:
        call("record_deposit_inspection", deposit_id=d["deposit_id"], lots=lots)        # C needs a repairer
    assert err.value.error_code == "INSPECTION_INVALID"
    found = call("record_deposit_inspection", deposit_id=d["deposit_id"], lots=lots, repair_supplier="S08")
    assert found["has_differences"] is True and found["received_qty"] == 49
    assert {(x["cardNo"], x["kind"]) for x in found["differences"]} == {("ZB-2023-0002", "QTY"),
                                                                        ("ZB-2023-0002", "CONDITION")}
    receipt = call("issue_deposit_receipt", deposit_id=d["deposit_id"], custody_mode="TRANSFER_TITLE",
                   finance_decision="APPROVE")
    assert receipt["receipt_no"] == "ZCJS-2026-WH-CD-MAIN-0001" and receipt["title_transferred"] is True
    assert receipt["total_original_value"] == 19 * 5600 + 30 * 860
    shelf = call("publish_deposit", deposit_id=d["deposit_id"], repair_supplier="S08")
    assert [(a["assetId"], a["qty"]) for a in shelf["available"]] == [("A031", 18), ("A032", 30)]
    assert [(a["assetId"], a["qty"]) for a in shelf["under_repair"]] == [("A033", 1)]
    assert shelf["repair_order"]["supplier"] == "S08" and shelf["available"][1]["tagNo"] == "QR-0001"
    items, _ = catalogue.search(area.db, requester_region="武侯区", text="台式计算机（i5")
    assert [(i["assetId"], i["qtyAvailable"], i["warehouseId"]) for i in items] == [("A031", 18, "WH-CD-MAIN")]
    ledger = {c["cardNo"]: c for c in deposit_ledger.ledger(area.db, "U12")}
    assert ledger["ZB-2023-0002"]["status"] == "DEPOSITED" and ledger["ZB-2023-0002"]["onBooks"] is False
    repaired = call("finish_deposit_repair", deposit_id=d["deposit_id"], amount=350)
    assert repaired["repaired"] == ["A033"] and repaired["order"]["status"] == "SETTLED"
    assert catalogue.asset_history(area.db, "A033")[-1]["toStatus"] == "AVAILABLE"
    lots = deposit_view(area.db, d["deposit_id"])["lots"]
    assert [(x["assetId"], x["grade"], x["tagNo"]) for x in lots] == [
        ("A031", "B", "WH-CD-MAIN-A031"), ("A033", "C", "WH-CD-MAIN-A033"), ("A032", "A", "QR-0001")]
    statuses = {o["kind"]: o["status"] for o in orders(area.db, unit="U12")}
    assert statuses == {"MOVING": "SETTLED", "REPAIR": "SETTLED"}


def test_finance_refusal_keeps_the_cards_on_the_units_books(area, call):
    d = accepted(call, area.db, unit="U06", cards=("JJJY-2020-0031",), level="BRANCH")
    call("start_deposit_move", deposit_id=d["deposit_id"], delivery="SELF")
    call("receive_deposit", deposit_id=d["deposit_id"])
    found = call("record_deposit_inspection", deposit_id=d["deposit_id"],
                 lots=[{"cardNo": "JJJY-2020-0031", "qty": 1, "grade": "A"},
                       {"cardNo": "JJJY-2020-0031", "qty": 1, "grade": "D"}])
    assert found["disposal_qty"] == 1
    receipt = call("issue_deposit_receipt", deposit_id=d["deposit_id"], custody_mode="TRANSFER_TITLE",
                   finance_decision="REJECT")
    assert receipt["custody_mode"] == "CUSTODY_ONLY" and receipt["receipt_no"].startswith("ZCJS-2026-WH-JJ-")
    shelf = call("publish_deposit", deposit_id=d["deposit_id"])
    assert [a["status"] for a in shelf["available"] + shelf["pending_disposal"]] == ["AVAILABLE", "PENDING_DISPOSAL"]
    assert shelf["repair_order"] is None
    assert next(c for c in deposit_ledger.ledger(area.db, "U06") if c["cardNo"] == "JJJY-2020-0031")["onBooks"]


def test_a_card_not_found_goes_missing(area, call):
    d = accepted(call, area.db, unit="U05", cards=("CDJY-2020-0420", ), level="MAIN", mode="CUSTODY_ONLY")
    call("start_deposit_move", deposit_id=d["deposit_id"], delivery="SELF")
    with pytest.raises(InvalidInputError):
        call("publish_deposit", deposit_id=d["deposit_id"])                       # not inspected yet
    call("receive_deposit", deposit_id=d["deposit_id"])
    with pytest.raises(RefusalError):
        call("record_deposit_inspection", deposit_id=d["deposit_id"], lots=[{"cardNo": "NOPE", "qty": 1, "grade": "A"}])
    call("record_deposit_inspection", deposit_id=d["deposit_id"], lots=[])
    call("issue_deposit_receipt", deposit_id=d["deposit_id"], custody_mode="CUSTODY_ONLY")
    shelf = call("publish_deposit", deposit_id=d["deposit_id"])
    assert shelf["missing"][0]["cardNo"] == "CDJY-2020-0420" and shelf["available"] == []
    assert catalogue.asset_history(area.db, shelf["missing"][0]["assetId"])[-1]["toStatus"] == "MISSING"


def test_duties_list_idle_cards_and_dissolved_bodies(area, call):
    duties = {d["unit"]: d for d in call("check_deposit_duties")["units"]}
    assert set(duties) == {"U05", "U06", "U07", "U12"}
    assert [c["cardNo"] for c in duties["U06"]["cards"]] == ["JJJY-2019-0112", "JJJY-2020-0031"]  # not 0007
    assert duties["U12"]["returnDeadline"] == "2026-01-30" and len(duties["U12"]["cards"]) == 5
    assert duties["U07"]["cards"][0]["dueBy"] == "2025-12-30"
    declare(call, area.db, "U07", ["WHMZ-2018-0203"])
    assert "U07" not in {d["unit"] for d in call("check_deposit_duties")["units"]}


def test_load_demo_is_idempotent(area):
    assert deposit_ledger.load_demo(area.db) == {"cards": 0, "dissolutions": 0, "offers": 0}
