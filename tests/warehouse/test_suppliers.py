"""三定点 designations and mutual recognition, checked on a date (DOMAIN §2(d), scenario S4)."""
from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidInputError
from warehouse.suppliers import is_designated_or_recognised, suppliers


def test_s04_from_meishan_is_recognised_for_chengdu_during_its_term(demo):
    ok, reason = is_designated_or_recognised(demo.db, "S04", "成都", "REPAIR", date(2025, 6, 1))
    assert ok and reason == "S04 眉州汽车维修有限公司 为眉山定点维修供应商，经成都互认（有效期至 2025-12-31）"
    ok, reason = is_designated_or_recognised(demo.db, "S04", "成都", "REPAIR", "2026-01-15")
    assert not ok and "2025-12-31" in reason
    assert is_designated_or_recognised(demo.db, "S04", "眉山", "REPAIR", "2025-06-01")[0]


def test_s01_is_designated_for_chengdu_repair_until_2026_06_30(demo):
    assert is_designated_or_recognised(demo.db, "S01", "成都", "REPAIR", date(2025, 6, 1))[0]
    assert is_designated_or_recognised(demo.db, "S01", "成都市", "REPAIR", "2026-06-30")[0]
    ok, reason = is_designated_or_recognised(demo.db, "S01", "成都", "REPAIR", "2026-07-01")
    assert not ok and reason == "S01 成都蓉安汽车维修服务有限公司 的成都定点维修合同已于 2026-06-30 到期"
    assert not is_designated_or_recognised(demo.db, "S01", "成都", "REPAIR", "2024-06-30")[0]
    assert not is_designated_or_recognised(demo.db, "S01", "成都", "FUEL", "2025-06-01")[0]
    assert is_designated_or_recognised(demo.db, "S01", "眉山", "REPAIR", "2025-06-01")[0]   # recognised there
    assert is_designated_or_recognised(demo.db, "S01", "武侯区", "REPAIR", "2025-06-01")[0]  # district -> 成都


def test_a_roadside_shop_is_not_designated(demo, call):
    result = call("check_supplier_designated", supplier="路边轮胎店", city="成都", service="REPAIR", date="2025-06-01")
    assert result == {"designated": False, "flag": "NON_DESIGNATED",
                      "reason": "供应商 路边轮胎店 未在平台登记，不是成都的定点维修供应商"}
    assert call("check_supplier_designated", supplier="S04", city="成都", service="REPAIR",
                date="2025-06-01")["designated"] is True
    with pytest.raises(InvalidInputError):
        call("check_supplier_designated", supplier="S04", city="成都", service="WASH", date="2025-06-01")
    with pytest.raises(InvalidInputError):
        call("check_supplier_designated", supplier="S04", city="成都", service="REPAIR", date="六月一日")


def test_supplier_lists_per_city(demo):
    everyone = {s["id"]: s for s in suppliers(demo.db)}
    assert len(everyone) == 13
    assert [r["city"] for r in everyone["S01"]["recognisedBy"]] == ["德阳", "眉山", "资阳"]
    assert everyone["S01"]["designations"] == [{"service": "REPAIR", "designatedBy": "成都", "termStart": "2024-07-01",
                                                "termEnd": "2026-06-30", "outlets": ["武侯区", "龙泉驿区", "眉山东坡区"]}]
    chengdu = {s["id"]: s["cityStatus"] for s in suppliers(demo.db, city="成都")}
    assert chengdu["S01"] == "DESIGNATED" and chengdu["S04"] == "RECOGNISED" and chengdu["S13"] == "LISTED"
    assert "S10" not in chengdu and "S11" not in chengdu
    meishan = {s["id"]: s["cityStatus"] for s in suppliers(demo.db, city="眉山")}
    assert meishan == {"S01": "RECOGNISED", "S02": "RECOGNISED", "S04": "DESIGNATED", "S07": "LISTED",
                       "S11": "LISTED"}
