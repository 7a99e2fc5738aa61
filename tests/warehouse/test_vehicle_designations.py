"""三定点 part 1: lots, awards and the published 定点名录 (DOMAIN §2(d) steps 1-3)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warehouse.notices import for_principal
from warehouse.suppliers import is_designated_or_recognised
from warehouse.vehicle_designations import designated_list
from tests.warehouse.support import Reader, refused

CST = timezone(timedelta(hours=8))
LOT = {"service": "REPAIR", "region": "成都市全域", "termStart": "2026-07-01", "termEnd": "2028-06-30"}
AWARD = {"supplier": "S01", "contractNo": "CDCG-2026-017", "outlets": ["武侯区", "眉山东坡区"],
         "priceTerms": {"labourDiscount": 0.8, "partsCap": "不高于品牌指导价"}}


@pytest.fixture(autouse=True)
def on_2025_09_15(clock):
    clock.set(datetime(2025, 9, 15, 9, 0, tzinfo=CST))


def test_lots_awards_and_publication_make_a_designation(demo, call):
    lots = call("define_designation_lots", city="成都市", lots=[LOT, {**LOT, "service": "FUEL", "title": "加油包"}],
                key="define")
    assert lots["city"] == "成都" and [lot["service"] for lot in lots["lots"]] == ["REPAIR", "FUEL"]
    assert lots["lots"][0]["title"] == "成都公务用车定点维修采购包" and lots["lots"][1]["title"] == "加油包"
    assert call("define_designation_lots", city="成都", lots=[LOT], key="define") == lots   # a retried step run
    repair_lot = lots["lotIds"][0]
    awards = call("record_designation_awards", city="成都", lot_ids=lots["lotIds"],
                  awards=[{**AWARD, "lotId": repair_lot}])
    assert awards["count"] == 1 and awards["awards"][0]["status"] == "PENDING"
    assert awards["awards"][0]["termStart"] == "2026-07-01" and awards["awards"][0]["termEnd"] == "2028-06-30"
    # recorded but not yet published: not designated for the new term
    assert not is_designated_or_recognised(demo.db, "S01", "成都", "REPAIR", "2027-01-01")[0]
    published = call("publish_designated_list", city="成都", lot_ids=lots["lotIds"])
    assert [a["status"] for a in published["published"]] == ["PUBLISHED"]
    ok, reason = is_designated_or_recognised(demo.db, "S01", "成都", "REPAIR", "2027-01-01")
    assert ok and "2026-07-01 至 2028-06-30" in reason
    again = call("publish_designated_list", city="成都", lot_ids=lots["lotIds"], key="second-run")
    assert again["published"][0]["designationId"] == published["published"][0]["designationId"]
    entry = [e for e in designated_list(demo.db, "成都", "2027-01-01") if e["supplierId"] == "S01"]
    assert entry == [{"supplierId": "S01", "supplierName": "成都蓉安汽车维修服务有限公司", "service": "REPAIR",
                      "serviceName": "定点维修", "designatedBy": "成都", "termStart": "2026-07-01",
                      "termEnd": "2028-06-30", "outlets": ["武侯区", "眉山东坡区"], "contractNo": "CDCG-2026-017",
                      "priceTerms": {"labourDiscount": 0.8, "partsCap": "不高于品牌指导价"}, "recognizedFrom": None,
                      "validUntil": "2028-06-30"}]
    fleet, _ = for_principal(demo.db, Reader("luo.fleet", [("FLEET_MANAGER", "U03")]))
    supplier, _ = for_principal(demo.db, Reader("s01", [("SUPPLIER", "S01")]))
    assert [n["title"] for n in fleet] == ["成都公务用车三定点名录已发布"]
    assert [n["title"] for n in supplier] == ["贵单位已入选成都公务用车定点名录"]


def test_the_list_of_a_city_shows_its_own_and_its_recognised_suppliers_on_a_date(demo):
    chengdu = {(e["supplierId"], e["recognizedFrom"]) for e in designated_list(demo.db, "成都", "2025-09-15")}
    assert chengdu == {("S01", None), ("S02", None), ("S03", None), ("S04", "眉山")}
    assert ("S04", "眉山") not in {(e["supplierId"], e["recognizedFrom"])
                                   for e in designated_list(demo.db, "成都", "2026-01-05")}
    meishan = {(e["supplierId"], e["recognizedFrom"]) for e in designated_list(demo.db, "眉山", "2025-09-15")}
    assert meishan == {("S04", None), ("S01", "成都"), ("S02", "成都")}


def test_lot_refusals(demo, call):
    refused(call, "define_designation_lots", "CITY_UNKNOWN", city="重庆", lots=[LOT])
    refused(call, "define_designation_lots", "NO_LOT", city="成都", lots=[])
    refused(call, "define_designation_lots", "SERVICE_INVALID", city="成都", lots=[{**LOT, "service": "WASH"}])
    refused(call, "define_designation_lots", "TERM_INVALID", city="成都",
            lots=[{**LOT, "termStart": "2028-07-01", "termEnd": "2026-06-30"}])
    refused(call, "define_designation_lots", "DATE_INVALID", city="成都", lots=[{**LOT, "termEnd": "明年"}])


def test_award_refusals(demo, call):
    lots = call("define_designation_lots", city="成都", lots=[LOT])
    lot = lots["lotIds"][0]

    def award(code, city="成都", **change):
        refused(call, "record_designation_awards", code, city=city, lot_ids=lots["lotIds"],
                awards=[{**AWARD, "lotId": lot, **change}])

    refused(call, "record_designation_awards", "NO_AWARD", city="成都", lot_ids=lots["lotIds"], awards=[])
    award("LOT_UNKNOWN", lotId=999)
    award("LOT_UNKNOWN", city="眉山")
    award("SUPPLIER_UNKNOWN", supplier="S99")
    award("TERM_INVALID", termEnd="2029-06-30")
    award("CONTRACT_NO_REQUIRED", contractNo=" ")
    # the demo term of S01 (2024-07-01..2026-06-30) overlaps a contract starting 2026-06-01
    lots2 = call("define_designation_lots", city="成都", lots=[{**LOT, "termStart": "2026-06-01"}], key="k2")
    err = refused(call, "record_designation_awards", "DESIGNATION_EXISTS", city="成都", lot_ids=lots2["lotIds"],
                  awards=[{**AWARD, "lotId": lots2["lotIds"][0]}])
    assert "2024-07-01 至 2026-06-30" in err.message
    refused(call, "record_designation_awards", "AWARD_DUPLICATE", city="成都", lot_ids=lots["lotIds"],
            awards=[{**AWARD, "lotId": lot}, {**AWARD, "lotId": lot, "contractNo": "X"}])
    refused(call, "publish_designated_list", "NO_AWARD", city="成都", lot_ids=lots["lotIds"])


def test_recording_again_replaces_the_unpublished_awards(demo, call):
    lots = call("define_designation_lots", city="成都", lots=[LOT])
    call("record_designation_awards", city="成都", lot_ids=lots["lotIds"],
         awards=[{**AWARD, "lotId": lots["lotIds"][0], "contractNo": "旧编号"}])
    call("record_designation_awards", city="成都", lot_ids=lots["lotIds"],
         awards=[{**AWARD, "lotId": lots["lotIds"][0], "contractNo": "CDCG-2026-017"}], key="again")
    published = call("publish_designated_list", city="成都", lot_ids=lots["lotIds"])
    assert [a["contractNo"] for a in published["published"]] == ["CDCG-2026-017"]
