"""S3 (DOMAIN §4): a loan deadline passes and escalates.

郫都区人民政府办公室 (U09) borrows 10 laptops (A010) from 郫都区分仓, due 2025-06-30. The reminders at T-7
and T-1 get no reply; the due date passes: the loan is OVERDUE, U09 gets a notice every day and a new
request from U09 is refused with "单位有逾期未归还的借用"; 10 working days later the case escalates to the
district agency leader. U09 returns 9 laptops plus 1 with a cracked screen: 9 AVAILABLE, 1 UNDER_REPAIR
with a repair order to S08 charged to U09; once the repair is settled the block lifts, and the overdue
episode stays in U09's record.

Given: in the demo data A010 is already ON_LOAN at WH-PD, a loan made before the platform with no case
behind it. The scenario starts from its return (`loan_returns.return_unmanaged`, A010 AVAILABLE again)
and makes U09's loan through the process, with the desk clock set to April 2025 before anyone acts.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse import loan_record
from warehouse.loan_returns import return_unmanaged

REQUEST = {"purpose": "办公", "eventName": "区政务服务效能提升专项工作", "startDate": "2025-05-06",
           "endDate": "2025-06-28", "applicant_unit": "U09", "holder_warehouse": "WH-PD", "holder_region": "郫都区",
           "needDelivery": False, "needInstall": False,
           "items": [{"assetId": "A010", "name": "便携式计算机", "qty": 10, "unitValue": 6800}]}
APPROVE = {"decision": "APPROVE", "comment": "同意"}


def later(desk, when):
    desk.at(when)
    desk.tokens.clear()          # tokens are signed against the same clock: log in again


def lots(desk):
    items = desk.get("catalogue?text=A010&status=ANY", "pi.clerk")["items"]
    return {i["assetId"]: (i["status"], i["qty"]) for i in items}


def notices(desk, user, kind):
    return [n for n in desk.get("notices?limit=100", user)["items"] if n["kind"] == kind]


def test_s3_overdue_loan_is_blocked_escalated_returned_damaged_and_repaired(desk, clock, metro):
    clock.set(local("2025-04-28 09:00"))
    return_unmanaged(metro.db, asset_id="A010", now=clock.now())
    desk.deploy("asset_request")

    # the loan, made through the process: 68,000 元 of branch stock goes to the district leader
    case = desk.start("pi.clerk", "asset_request", REQUEST, business_key="JY-2025-S3")
    cid = case["id"]
    desk.complete("pi.head", "unit_head_signoff", APPROVE)
    desk.complete("pd.keeper", "holder_review", APPROVE)
    desk.complete("pd.district", "district_leader_approval", APPROVE)
    desk.complete("pd.keeper", "arrange_release", {"counted": True})
    later(desk, local("2025-04-30 10:00"))           # within the 5-working-day pickup deadline
    case = desk.complete("pi.clerk", "pickup_receipt", {"received": True, "receiver": "彭小燕"})
    assert case["data"]["loan"]["dueDate"] == "2025-06-30"
    assert lots(desk) == {"A010": ("ON_LOAN", 10)}

    # T-7 and T-1 reminders, no reply
    later(desk, local("2025-06-23 09:30"))
    assert len(notices(desk, "pi.clerk", "REMINDER")) == 1
    later(desk, local("2025-06-29 09:30"))
    reminders = notices(desk, "pi.clerk", "REMINDER")
    assert len(reminders) == 2 and all("2025-06-30" in n["title"] for n in reminders)

    # the due date passes: OVERDUE, a notice each day, and U09 is blocked
    later(desk, local("2025-07-01 08:00"))
    overdue = desk.task("pi.clerk", "overdue_return", cid)
    assert overdue["title"] == "逾期未还（请立即归还）"
    assert overdue["data"]["overdue"]["status"] == "OVERDUE"
    later(desk, local("2025-07-03 08:00"))
    assert len(notices(desk, "pi.clerk", "OVERDUE")) == 3
    assert len(notices(desk, "pi.head", "OVERDUE")) == 3             # every user of U09 is told
    refused = desk.start("pi.clerk", "asset_request", {**REQUEST, "items": [{"assetId": "A028", "qty": 1}]})
    assert refused["status"] == "completed" and refused["data"]["outcome"] == "REFUSED"
    assert refused["data"]["refusal_reason"] == "单位有逾期未归还的借用"
    assert desk.case(refused["id"], "pi.clerk")["data"]["refusal_reason"] == "单位有逾期未归还的借用"
    assert lots(desk) == {"A010": ("ON_LOAN", 10)}

    # 10 working days after 06-30 (07-14): the district agency leader gets the case
    later(desk, local("2025-07-14 18:00"))
    assert not desk.tasks("pd.district", "overdue_escalation_district", cid)
    later(desk, local("2025-07-15 08:00"))
    desk.complete("pd.district", "overdue_escalation_district", {"measure": "INTERVIEWED", "comment": "已约谈"},
                  case_id=cid)
    assert len(notices(desk, "pi.clerk", "OVERDUE")) == 15          # 07-01 .. 07-15

    # U09 returns 9 laptops plus 1 with a cracked screen
    desk.complete("pi.clerk", "overdue_return", {"return_action": "RETURN", "returnNote": "1台屏幕碎裂"}, case_id=cid)
    case = desk.complete("pd.keeper", "return_inspection",
                         {"lines": [{"assetId": "A010", "qtyIntact": 9, "qtyDamaged": 1, "note": "屏幕碎裂"}],
                          "repairSupplier": "S08", "repairEstimate": 900}, case_id=cid)
    assert lots(desk) == {"A010": ("AVAILABLE", 9), "A010-1": ("UNDER_REPAIR", 1)}
    repair = desk.get(f"service-orders?case_id={cid}", "s08.chuanxi")["items"]
    assert [(o["kind"], o["supplier"], o["charged_to"], o["status"]) for o in repair] == [
        ("REPAIR", "S08", "U09", "SUBMITTED")]
    assert desk.get(f"service-orders?case_id={cid}", "pi.clerk")["items"][0]["charged_to"] == "U09"
    blocked = desk.start("pi.clerk", "asset_request", {**REQUEST, "items": [{"assetId": "A028", "qty": 1}]})
    assert blocked["data"]["outcome"] == "REFUSED"                     # still blocked until the repair is settled

    # the repair is settled: the laptop is back, the block lifts, the episode stays on record
    later(desk, local("2025-07-18 15:00"))
    case = desk.complete("s08.chuanxi", "repair_work", {"repairAmount": 850, "repairNote": "更换屏幕"})
    assert case["status"] == "completed" and case["data"]["loan_result"] == "CLOSED"
    assert lots(desk) == {"A010": ("AVAILABLE", 9), "A010-1": ("AVAILABLE", 1)}
    settled = desk.get(f"service-orders?case_id={cid}", "s08.chuanxi")["items"][0]
    assert (settled["status"], settled["settled_amount"]) == ("SETTLED", 850.0)
    assert case["data"]["closing"]["blockLifted"] and case["data"]["closing"]["wasOverdue"]
    again = desk.start("pi.clerk", "asset_request", {**REQUEST, "items": [{"assetId": "A028", "qty": 1}]})
    assert [t["name"] for t in again["open_tasks"]] == ["unit_head_signoff"]
    record = loan_record.unit_record(metro.db, "U09")                 # for GET /api/v1/units/U09/loans
    assert record["blocked"] is False and record["overdueEpisodes"] == 1
    assert record["blocks"][0]["liftedAt"] and "2025-06-30" in record["blocks"][0]["reason"]
    assert record["loans"][0]["overdueSince"].startswith("2025-06-30T16:00")    # 07-01 00:00 北京时间
    history = [h["toStatus"] for h in desk.get("assets/A010-1/history", "pi.clerk")["items"]]
    assert history == ["UNDER_REPAIR", "AVAILABLE"]
