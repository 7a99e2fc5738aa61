"""Emergency allocation (DOMAIN §2(e) steps 3-5): candidate order, safety reserves by level, splitting and
reserving, re-allocation of a late warehouse's lines, and every refusal."""
from __future__ import annotations

import pytest

from engine.errors import RefusalError
from warehouse import catalogue
from warehouse.emergency import EmergencyRules, candidates, region_of
from warehouse.emergency_tables import EmergencyContractReserve

S5 = [{"site": "某安置点", "items": [{"code": "E301", "qty": 100}, {"code": "E302", "qty": 400},
                                   {"code": "E303", "qty": 800}, {"code": "E306", "qty": 600}]}]


def by_source(allocation):
    return {b["source"]: {x["code"]: x["qty"] for x in b["lines"]} for b in allocation["batches"]}


def above_reserve(engine, warehouse):
    return {r["code"]: r["aboveReserve"] for r in catalogue.emergency_stock(engine.db, warehouse)}


def allocate(call, key="k1", region="龙泉驿区", level="III", demands=S5, protect=True, case_id="case-1"):
    return call("allocate_emergency_stock", case_id=case_id, key=key, region=region, level=level, demands=demands,
                protect_reserve=protect, incident={"type": "FLOOD"})


def test_s5_own_branch_all_then_jianyang_above_reserve_then_main(demo, call):
    stock = {w: {r["code"]: r["qty"] for r in catalogue.emergency_stock(demo.db, w)} for w in ("WH-LQY", "WH-JY")}
    result = allocate(call)
    got = by_source(result)
    assert list(got) == ["WH-LQY", "WH-JY", "WH-CD-MAIN"]
    assert got["WH-LQY"] == {c: stock["WH-LQY"][c] for c in ("E301", "E302", "E303", "E306")}
    assert got["WH-JY"] == {c: above_reserve(demo, "WH-JY")[c] for c in ("E301", "E302", "E303", "E306")}
    assert got["WH-JY"] == {"E301": 30, "E302": 60, "E303": 100, "E306": 75}
    assert got["WH-CD-MAIN"] == {"E301": 30, "E302": 190, "E303": 400, "E306": 325}
    jy = next(b for b in result["batches"] if b["source"] == "WH-JY")
    assert (jy["tier"], jy["minutes"], jy["scope"]) == ("BRANCH", 35, "简阳市")
    main = next(b for b in result["batches"] if b["source"] == "WH-CD-MAIN")
    assert (main["tier"], main["scope"]) == ("MAIN", "成都市本级")
    assert [c["id"] for c in result["candidates"]] == ["WH-LQY", "WH-JY", "WH-CD-MAIN", "WH-DY", "WH-MS", "WH-ZY",
                                                       "S09"]
    assert result["totalQty"] == 1900 and {x["state"] for x in result["lines"]} == {"RESERVED"}


def test_level_i_ignores_other_districts_safety_reserve(demo, call):
    got = by_source(allocate(call, level="I", protect=False))
    assert got["WH-JY"] == {"E301": 60, "E302": 120, "E303": 200, "E306": 150}
    assert got["WH-CD-MAIN"] == {"E302": 400 - 150 - 120, "E303": 800 - 300 - 200, "E306": 600 - 200 - 150}
    assert "E301" not in got["WH-CD-MAIN"]                         # 40 + 60 tents already make 100


def test_equal_travel_times_go_to_the_branch_covering_more(demo):
    """WH-JY and WH-JJ are both 35 min from WH-LQY; WH-JY holds more of what is asked (and water)."""
    with demo.db.unit_of_work(write=False) as session:
        cands = candidates(session, region_of(session, "龙泉驿区"), {"E301": 100, "E306": 600}, True)
        assert [c["id"] for c in cands[:3]] == ["WH-LQY", "WH-JY", "WH-CD-MAIN"]
        two = candidates(session, region_of(session, "龙泉驿区"), {"E301": 100}, True,
                         EmergencyRules(other_branches_max=2))
        assert [c["id"] for c in two[:4]] == ["WH-LQY", "WH-JY", "WH-JJ", "WH-CD-MAIN"]
        # 锦江区's nearest branch is 龙泉驿区 (35 min direct); a city-level request starts at the main warehouse
        jj = candidates(session, region_of(session, "锦江区"), {"E301": 10}, True)
        assert [(c["id"], c["tier"]) for c in jj[:3]] == [("WH-JJ", "OWN"), ("WH-LQY", "BRANCH"),
                                                         ("WH-CD-MAIN", "MAIN")]
        city = candidates(session, region_of(session, "成都市本级"), {"E301": 10}, True)
        assert (city[0]["id"], city[0]["tier"]) == ("WH-CD-MAIN", "OWN")


def test_reserved_units_are_not_given_to_a_second_incident(demo, call):
    allocate(call)
    second = allocate(call, key="k2", region="锦江区", demands=[{"site": "锦江安置点",
                                                                 "items": [{"code": "E301", "qty": 100}]}],
                      case_id="case-2")
    # 锦江 gives its 20 tents; WH-LQY and WH-JY have nothing free (their tents are held by S5 or protected);
    # the main warehouse gives what is above its reserve and not held: 300 − 30 − 150
    assert by_source(second) == {"WH-JJ": {"E301": 20}, "WH-CD-MAIN": {"E301": 80}}


def test_same_key_allocates_once(demo, call):
    first = allocate(call)
    again = allocate(call)
    assert again == first
    third = allocate(call, key="k3", level="IV", demands=[{"site": "X", "items": [{"code": "E306", "qty": 1}]}])
    assert by_source(third) == {"WH-CD-MAIN": {"E306": 1}}       # LQY's water is all held by the first


def test_contract_reserve_supplier_comes_last(demo, call):
    with demo.db.unit_of_work() as session:
        session.add(EmergencyContractReserve(supplier_id="S09", item_code="E306", qty=5000))
    got = by_source(allocate(call, region="简阳市", level="II", demands=[{"site": "简阳安置点",
                                                                         "items": [{"code": "E306", "qty": 5000}]}]))
    assert list(got) == ["WH-JY", "WH-LQY", "WH-CD-MAIN", "WH-ZY", "S09"]
    assert got["S09"] == {"E306": 5000 - 150 - 100 - 750 - 150}


@pytest.mark.parametrize("params, code", [
    ({"demands": [{"site": "X", "items": [{"code": "E999", "qty": 1}]}]}, "UNKNOWN_ITEM"),
    ({"demands": [{"site": "X", "items": [{"code": "E301", "qty": 0}]}]}, "INVALID_DEMAND"),
    ({"demands": [{"site": "", "items": [{"code": "E301", "qty": 1}]}]}, "INVALID_DEMAND"),
    ({"demands": []}, "INVALID_DEMAND"),
    ({"level": "V"}, "INVALID_LEVEL"),
    ({"region": "火星区"}, "UNKNOWN_REGION"),
    ({"demands": [{"site": "X", "items": [{"code": "E301", "qty": 5000}]}]}, "STOCK_SHORT"),
])
def test_impossible_requests_are_refused_and_reserve_nothing(demo, call, params, code):
    with pytest.raises(RefusalError) as err:
        allocate(call, **params)
    assert err.value.error_code == code
    assert allocate(call, key="after")["totalQty"] == 1900         # nothing was held by the refused request


def test_stock_short_says_what_is_missing(demo, call):
    with pytest.raises(RefusalError) as err:
        allocate(call, demands=[{"site": "X", "items": [{"code": "E301", "qty": 1000}]}])
    free = 40 + 30 + 150 + 50      # LQY all, JY/MAIN/DY above their reserve
    assert err.value.details["shortfall"] == [{"code": "E301", "name": "救灾帐篷12㎡", "uom": "顶",
                                               "qty": 1000 - free}]
    assert "救灾帐篷12㎡缺" in err.value.message


def test_reallocation_moves_a_late_warehouse_lines_to_the_next_candidates(demo, call):
    allocation = allocate(call)
    jy = next(b for b in allocation["batches"] if b["source"] == "WH-JY")
    moved = call("reallocate_emergency_lines", key="r1", allocation_id=allocation["allocationId"],
                 line_ids=jy["lineIds"])
    assert moved["from"] == "WH-JY" and moved["kept"] == []
    assert by_source(moved) == {"WH-CD-MAIN": {"E301": 30, "E302": 60, "E303": 100, "E306": 75}}
    assert {x["round"] for x in moved["moved"]} == {2}
    assert sorted(x["parentId"] for x in moved["moved"]) == sorted(jy["lineIds"])
    # a retried step changes nothing
    assert call("reallocate_emergency_lines", key="r1", allocation_id=allocation["allocationId"],
                line_ids=jy["lineIds"]) == moved


def test_what_no_later_candidate_can_give_stays_with_the_late_warehouse(demo, call):
    allocation = allocate(call)
    main = next(b for b in allocation["batches"] if b["source"] == "WH-CD-MAIN")
    moved = call("reallocate_emergency_lines", key="r1", allocation_id=allocation["allocationId"],
                 line_ids=main["lineIds"])
    # after the main warehouse come the partners: 德阳 gives tents and beds above its reserve, 资阳 water and quilts
    got = by_source(moved)
    assert got["WH-DY"] == {"E301": 30, "E302": 100}
    assert got["WH-ZY"] == {"E303": 150, "E306": 150}
    assert got["WH-CD-MAIN"] == {"E302": 90, "E303": 250, "E306": 175}
    assert {(x["code"], x["qty"]) for x in moved["kept"]} == {("E302", 90), ("E303", 250), ("E306", 175)}


def test_reallocation_refusals(demo, call):
    with pytest.raises(RefusalError) as err:
        call("reallocate_emergency_lines", allocation_id=999, line_ids=[1])
    assert err.value.error_code == "UNKNOWN_ALLOCATION"
    allocation = allocate(call)
    assert call("reallocate_emergency_lines", allocation_id=allocation["allocationId"], line_ids=[])["batches"] == []
    call("end_emergency_response", allocation_id=allocation["allocationId"])
    with pytest.raises(RefusalError) as err:
        call("reallocate_emergency_lines", key="late", allocation_id=allocation["allocationId"], line_ids=[1])
    assert err.value.error_code == "ALLOCATION_CLOSED"
