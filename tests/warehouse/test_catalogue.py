"""Catalogue search: own branch, main, other branches by travel time, then partners; filters; paging."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, NotFoundError
from warehouse import catalogue


def warehouse_order(items):
    seen = []
    for item in items:
        if item["warehouseId"] not in seen:
            seen.append(item["warehouseId"])
    return seen


def test_wuhou_requester_sees_own_branch_then_main_then_branches_by_travel_then_partners(demo):
    items, total = catalogue.search(demo.db, requester_region="武侯区", limit=100)
    assert total == 26 == len(items)         # 30 minus UNDER_REPAIR, ON_LOAN and two PENDING_DISPOSAL
    assert warehouse_order(items) == ["WH-WH", "WH-CD-MAIN", "WH-JJ", "WH-LQY", "WH-PD", "WH-JY", "WH-MS", "WH-DY"]
    assert [i["rank"] for i in items] == list(range(1, 27))
    assert [i["tier"] for i in items[:1]] == ["OWN"] and items[-1]["tier"] == "PARTNER"
    first = items[0]
    assert first == {"assetId": "A004", "name": "钢制文件柜", "category": "C01", "categoryName": "办公家具",
                     "qty": 15, "qtyAvailable": 15, "unitValue": 1200.0, "condition": "B", "status": "AVAILABLE",
                     "lowValue": False, "warehouseId": "WH-WH", "warehouseName": "武侯区分仓",
                     "warehouseLevel": "BRANCH", "tier": "OWN", "travelMinutes": 0, "rank": 1}


def test_ranking_uses_known_travel_times_from_the_requesters_branch(demo):
    with demo.db.unit_of_work(write=False) as session:
        ranked = [r.warehouse.id for r in catalogue.rank_warehouses(session, "LQY")]
        # WH-WH 20 min via main; WH-JJ and WH-JY 35 min from WH-LQY directly; WH-PD 40 via main
        assert ranked == ["WH-LQY", "WH-CD-MAIN", "WH-WH", "WH-JJ", "WH-JY", "WH-PD", "WH-DY", "WH-MS", "WH-ZY"]
        ranked = [r.warehouse.id for r in catalogue.rank_warehouses(session, "武侯区")]
        assert ranked[-3:] == ["WH-MS", "WH-DY", "WH-ZY"]      # WH-WH -> WH-MS 60 beats 75 to main


def test_city_level_or_anonymous_requester_starts_at_the_main_warehouse(demo):
    for region in ("成都市本级", None):
        items, _ = catalogue.search(demo.db, requester_region=region, limit=100)
        assert warehouse_order(items)[:3] == ["WH-CD-MAIN", "WH-JJ", "WH-WH"]


def test_partner_city_requester_sees_its_own_warehouse_first(demo):
    items, _ = catalogue.search(demo.db, requester_region="DY", limit=100)
    assert warehouse_order(items)[:2] == ["WH-DY", "WH-CD-MAIN"]


def test_category_text_warehouse_and_status_filters(demo):
    items, total = catalogue.search(demo.db, requester_region="武侯区", category="C04")
    assert [i["assetId"] for i in items] == ["A014", "A012", "A013", "A027", "A015", "A030"] and total == 6
    by_name, _ = catalogue.search(demo.db, requester_region="武侯区", category="会议及视听设备")
    assert by_name == items
    items, _ = catalogue.search(demo.db, requester_region="武侯区", text="计算机")
    assert [i["assetId"] for i in items] == ["A009"]
    items, _ = catalogue.search(demo.db, requester_region="武侯区", text="计算机", status=None)
    assert [(i["assetId"], i["status"]) for i in items] == [
        ("A009", "AVAILABLE"), ("A026", "PENDING_DISPOSAL"), ("A010", "ON_LOAN")]
    items, total = catalogue.search(demo.db, requester_region="武侯区", warehouse="WH-JY")
    assert [i["assetId"] for i in items] == ["A015", "A017", "A024"] and total == 3
    items, _ = catalogue.search(demo.db, requester_region=None, text="50%_", status=None)
    assert items == []                        # LIKE wildcards in the text are literal


def test_paging_continues_the_ranking(demo):
    everything, total = catalogue.search(demo.db, requester_region="武侯区", limit=100)
    page, page_total = catalogue.search(demo.db, requester_region="武侯区", limit=5, offset=5)
    assert page_total == total and page == everything[5:10]
    assert [i["rank"] for i in page] == [6, 7, 8, 9, 10]


def test_bad_requests(demo):
    with pytest.raises(NotFoundError):
        catalogue.search(demo.db, requester_region="火星区")
    with pytest.raises(InvalidInputError):
        catalogue.search(demo.db, requester_region=None, limit=0)


def test_asset_history_of_unknown_asset(demo):
    assert catalogue.asset_history(demo.db, "A001") == []
    with pytest.raises(NotFoundError):
        catalogue.asset_history(demo.db, "A999")
