"""三定点 part 2: mutual recognition proposals decided per supplier, reminders and lapse (DOMAIN §2(d) 4-6)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warehouse.suppliers import is_designated_or_recognised
from tests.warehouse.support import notice_titles, refused

CST = timezone(timedelta(hours=8))
# 眉山 offers its repair shop S04 to 德阳 and 资阳 (成都 already recognises it)
PACKAGE = {"from_city": "眉山", "partner_cities": ["德阳", "资阳", "成都"], "items": [{"supplier": "S04", "service": "REPAIR"}],
           "agreement_end": "2026-12-31", "agreement": "成德眉资共建共享协议(虚构)"}


@pytest.fixture(autouse=True)
def on_2025_09_15(clock):
    clock.set(datetime(2025, 9, 15, 9, 0, tzinfo=CST))


def test_a_proposal_has_one_item_per_partner_city_and_supplier(demo, call):
    proposal = call("propose_recognition", **PACKAGE)
    assert proposal["fromCity"] == "眉山" and proposal["reviewDeadline"] == "2025-09-29T09:00:00+08:00"  # 10 WD
    assert [(i["toCity"], i["supplierId"], i["validUntil"]) for i in proposal["items"]] == [
        ("德阳", "S04", "2025-12-31"), ("资阳", "S04", "2025-12-31")]     # min(contract end, agreement end)
    assert proposal["skipped"] == [{"toCity": "成都", "supplierId": "S04", "service": "REPAIR",
                                    "reason": "成都已互认，有效期至 2025-12-31"}]
    deyang = proposal["items"][0]
    assert deyang["fromCity"] == "眉山" and deyang["priceTerms"] == {"text": ""}
    assert deyang["partnerTerms"] == []           # 德阳 designated no repair shop of its own
    assert notice_titles(demo, "dy.vehicle", [("VEHICLE_AUTHORITY", "德阳")]) == ["眉山提议互认 1 家定点供应商"]
    assert notice_titles(demo, "ms.vehicle", [("VEHICLE_AUTHORITY", "眉山")]) == []


def test_partner_terms_show_what_the_partner_designated_itself(demo, call):
    proposal = call("propose_recognition", from_city="成都", partner_cities=["眉山"], agreement_end="2026-12-31",
                    items=[{"supplier": "S03", "service": "INSURANCE"}, {"supplier": "S01", "service": "REPAIR"}])
    assert [(i["toCity"], i["supplierId"]) for i in proposal["items"]] == [("眉山", "S03")]
    assert proposal["items"][0]["priceTerms"] == {"text": "商业险费率8折"}
    assert [s["reason"] for s in proposal["skipped"]] == ["眉山已互认，有效期至 2026-06-30"]


def test_each_partner_decides_each_supplier_and_accepted_ones_recognise_it(demo, call):
    proposal = call("propose_recognition", **PACKAGE)
    deyang, ziyang = proposal["items"]
    assert not is_designated_or_recognised(demo.db, "S04", "德阳", "REPAIR", "2025-10-01")[0]
    accepted = call("decide_recognition", item_id=deyang["itemId"], decision="ACCEPT")
    assert accepted["status"] == "ACCEPTED"
    ok, reason = is_designated_or_recognised(demo.db, "S04", "德阳", "REPAIR", "2025-10-01")
    assert ok and reason == "S04 眉州汽车维修有限公司 为眉山定点维修供应商，经德阳互认（有效期至 2025-12-31）"
    assert call("decide_recognition", item_id=deyang["itemId"], decision="ACCEPT", key="again")["status"] == "ACCEPTED"
    refused(call, "decide_recognition", "ALREADY_DECIDED", item_id=deyang["itemId"], decision="REJECT", reason="改主意")
    refused(call, "decide_recognition", "REASON_REQUIRED", item_id=ziyang["itemId"], decision="REJECT", reason=" ")
    rejected = call("decide_recognition", item_id=ziyang["itemId"], decision="REJECT", reason="价格高于本市条款")
    assert rejected["status"] == "REJECTED" and rejected["reason"] == "价格高于本市条款"
    assert not is_designated_or_recognised(demo.db, "S04", "资阳", "REPAIR", "2025-10-01")[0]
    summary = call("close_recognition_proposal", proposal_id=proposal["proposalId"])
    assert [i["toCity"] for i in summary["accepted"]] == ["德阳"] and [i["toCity"] for i in summary["rejected"]] == ["资阳"]
    assert summary["nextLapseAt"] == "2026-01-01T00:00:00+08:00"
    assert notice_titles(demo, "ms.vehicle", [("VEHICLE_AUTHORITY", "眉山")]) == ["互认审核结果"]


def test_a_reminder_goes_to_the_cities_that_have_not_decided_and_nothing_is_accepted(demo, call):
    proposal = call("propose_recognition", **PACKAGE)
    call("decide_recognition", item_id=proposal["items"][0]["itemId"], decision="ACCEPT")
    reminder = call("remind_recognition_review", proposal_id=proposal["proposalId"])
    assert reminder == {"remindedCities": ["资阳"], "pending": 1}
    assert notice_titles(demo, "zy.vehicle", [("VEHICLE_AUTHORITY", "资阳")])[0] == "互认审核已超期：1 家供应商待审核"
    assert "互认审核已超期：1 家供应商待审核" not in notice_titles(demo, "dy.vehicle", [("VEHICLE_AUTHORITY", "德阳")])
    assert notice_titles(demo, "ms.vehicle", [("VEHICLE_AUTHORITY", "眉山")]) == ["互认提议审核超期"]
    assert not is_designated_or_recognised(demo.db, "S04", "资阳", "REPAIR", "2025-10-01")[0]   # no auto-accept


def test_accepted_recognitions_lapse_after_their_last_valid_day(demo, call, clock):
    proposal = call("propose_recognition", **PACKAGE)
    call("decide_recognition", item_id=proposal["items"][0]["itemId"], decision="ACCEPT")
    call("decide_recognition", item_id=proposal["items"][1]["itemId"], decision="ACCEPT")
    clock.set(datetime(2025, 12, 31, 23, 59, tzinfo=CST))
    early = call("lapse_recognitions", proposal_id=proposal["proposalId"])
    assert early["lapsed"] == [] and early["active"] == 2 and early["nextLapseAt"] == "2026-01-01T00:00:00+08:00"
    clock.set(datetime(2026, 1, 1, 0, 0, tzinfo=CST))
    done = call("lapse_recognitions", proposal_id=proposal["proposalId"], key="at-midnight")
    assert [(i["toCity"], i["status"]) for i in done["lapsed"]] == [("德阳", "LAPSED"), ("资阳", "LAPSED")]
    assert done["nextLapseAt"] is None and done["status"] == "CLOSED"
    assert not is_designated_or_recognised(demo.db, "S04", "德阳", "REPAIR", "2026-01-01")[0]
    assert notice_titles(demo, "dy.vehicle", [("VEHICLE_AUTHORITY", "德阳")])[0] == "互认到期失效：眉州汽车维修有限公司"


def test_proposal_refusals(demo, call):
    refused(call, "propose_recognition", "AGREEMENT_EXPIRED", **{**PACKAGE, "agreement_end": "2025-09-14"})
    refused(call, "propose_recognition", "CITY_INVALID", **{**PACKAGE, "partner_cities": ["眉山"]})
    refused(call, "propose_recognition", "CITY_UNKNOWN", **{**PACKAGE, "partner_cities": ["重庆"]})
    refused(call, "propose_recognition", "NOTHING_TO_PROPOSE", **{**PACKAGE, "partner_cities": []})
    err = refused(call, "propose_recognition", "NOTHING_TO_PROPOSE", **{**PACKAGE, "partner_cities": ["成都"]})
    assert err.details["skipped"][0]["toCity"] == "成都"
    refused(call, "propose_recognition", "NOT_DESIGNATED", **{**PACKAGE, "items": [{"supplier": "S01", "service": "REPAIR"}]})
    refused(call, "propose_recognition", "SERVICE_INVALID", **{**PACKAGE, "items": [{"supplier": "S04", "service": "WASH"}]})
    refused(call, "decide_recognition", "ITEM_UNKNOWN", item_id=999, decision="ACCEPT")
    proposal = call("propose_recognition", **PACKAGE)
    refused(call, "decide_recognition", "DECISION_INVALID", item_id=proposal["items"][0]["itemId"], decision="MAYBE")


def test_outlets_offered_are_those_in_the_partner_city(demo, call):
    proposal = call("propose_recognition", from_city="成都", partner_cities=["眉山", "资阳"], agreement_end="2026-12-31",
                    items=[{"supplier": "S03", "service": "INSURANCE", "outlets": ["眉山东坡区营业部", "资阳雁江区营业部",
                                                                                 "武侯区总部"]}])
    assert {i["toCity"]: i["outlets"] for i in proposal["items"]} == {"眉山": ["眉山东坡区营业部"], "资阳": ["资阳雁江区营业部"]}
