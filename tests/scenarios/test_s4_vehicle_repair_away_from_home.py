"""S4 (DOMAIN §4): vehicle repair away from home under mutual recognition, plus a non-designated invoice.

成都市应急管理局's emergency vehicle V02 (川A·5K627) breaks down in 眉山. S04 (designated by 眉山, term
2024-01-01..2025-12-31) is recognised by 成都, and S01 (designated by 成都) has a 眉山东坡区 outlet. 罗车管
(luo.fleet) opens a repair request, gets quotes of 6,800 (S04) and 7,300 (S01) and chooses S04; 杨处长
(yang.head) approves in the 2,000-10,000 tier; S04 repairs for 6,650 and the invoice passes the designation
check. Separately a 300-元 tyre invoice from a roadside shop is flagged NON_DESIGNATED and refused until the
unit head files an "urgent repair away from home" exception with a reason, which lets it through and is
kept for audit. The desk clock is set inside the demo terms (2025-09-15); after S04's term ends (2026-01)
the same shop is refused.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse.data.users import DEMO_USERS
from warehouse.vehicle_invoices import exceptions

EVERYONE = [login for login, _, _ in DEMO_USERS]
REQUEST = {"request": {"vehicle": "川A·5K627", "mileage": 112350, "fault": "发动机故障灯亮，无法加速",
                       "location": "眉山市东坡区", "kind": "ROUTINE"}}
TYRE = {"invoice": {"vehicle": "川A·5K627", "supplierName": "东坡区路边轮胎店", "amount": 300,
                    "serviceDate": "2025-09-15", "location": "眉山东坡区", "description": "更换右后轮胎（爆胎）"}}
REASON = "赴眉山执行防汛保障途中爆胎，附近无定点或互认维修厂，需立即更换方可继续任务"


def later(desk, when):
    desk.at(when)
    desk.tokens.clear()          # tokens are signed against the same clock: log in again


def orders(desk, case_id, user="luo.fleet"):
    return [(o["supplier"], o["kind"], o["status"], o["amount"], o["settled_amount"])
            for o in desk.get(f"service-orders?case_id={case_id}", user)["items"]]


def test_s4_repair_under_recognition_and_a_roadside_invoice_with_an_audited_exception(desk, clock, metro):
    clock.set(local("2025-09-15 09:00"))
    desk.deploy("vehicle_designated_service", "approval")     # the repair's approval levels use the shared approval

    # Given: S04 is recognised by 成都, S01 is 成都's own shop with a 眉山东坡区 outlet
    chengdu = {s["id"]: s for s in desk.get("suppliers?city=成都", "luo.fleet")["items"]}
    assert chengdu["S04"]["cityStatus"] == "RECOGNISED" and chengdu["S01"]["cityStatus"] == "DESIGNATED"
    assert "眉山东坡区" in chengdu["S01"]["designations"][0]["outlets"]

    # the fleet manager opens the repair request; the system lists the shops he may use, near ones first
    case = desk.start("luo.fleet", "vehicle_repair", REQUEST, business_key="SX-2025-S4")
    cid = case["id"]
    quotes_task = desk.task("luo.fleet", "collect_quotes", cid)
    assert quotes_task["title"] == "登记报价并选定维修厂" and quotes_task["form"]["schema"]["title"] == "登记报价并选定维修厂"
    repair = quotes_task["data"]["repair"]
    assert (repair["unit"], repair["homeCity"], repair["locationCity"], repair["awayFromHome"]) == ("U03", "成都", "眉山",
                                                                                                  True)
    shops = quotes_task["data"]["shops"]["items"]
    assert [(s["supplierId"], s["status"], s["eligible"], s["nearLocation"]) for s in shops] == [
        ("S01", "DESIGNATED", True, True), ("S04", "RECOGNISED", True, True)]
    desk.nobody_else_sees("collect_quotes", cid, {"luo.fleet"}, EVERYONE)

    # quotes 6,800 (S04) and 7,300 (S01); S04 chosen; 2,000-10,000 needs 2 designated quotes and the unit head
    desk.complete("luo.fleet", "collect_quotes", {"quotes": [
        {"supplier": "S04", "amount": 6800, "items": [{"name": "更换点火线圈及火花塞", "labourHours": 3}]},
        {"supplier": "S01", "amount": 7300, "items": [{"name": "更换点火线圈及火花塞", "labourHours": 3}]}],
        "chosen_supplier": "S04"}, cid)
    approval = desk.task("yang.head", "approve_unit_head", cid)
    assert approval["title"] == "单位负责人审批" and approval["scope"] == "U03" and approval["due_at"] is not None
    assert approval["data"]["repair_tier"] == "UNIT" and approval["data"]["tier_check"]["eligibleQuotes"] == 2
    assert approval["data"]["quote_check"]["amount"] == 6800
    desk.nobody_else_sees("approve_unit_head", cid, {"yang.head"}, EVERYONE)
    desk.complete("yang.head", "approve_unit_head", {"approval_decision": "APPROVE",
                                                     "approval_comment": "同意在眉山互认维修厂维修"}, cid)
    assert orders(desk, cid) == [("S04", "REPAIR", "SUBMITTED", 6800.0, None)]

    # S04 repairs it for 6,650; the fleet manager confirms; the invoice passes the designation check
    later(desk, local("2025-09-16 17:00"))
    desk.nobody_else_sees("shop_repair", cid, {"s04.meizhou"}, EVERYONE)
    desk.complete("s04.meizhou", "shop_repair", {"actual_amount": 6650, "service_date": "2025-09-16",
                                                 "work_items": [{"name": "更换点火线圈及火花塞", "labourHours": 3,
                                                                 "amount": 6650}],
                                                 "replaced_parts": ["点火线圈×4", "火花塞×4"]}, cid)
    case = desk.complete("luo.fleet", "fleet_confirm", {"confirmation": "CONFIRM"}, cid)
    assert case["status"] == "completed"
    check = case["data"]["invoice_check"]
    assert (check["designated"], check["flag"], check["amount"], check["serviceDate"]) == (True, "RECOGNISED", 6650.0,
                                                                                          "2025-09-16")
    assert check["reason"] == "S04 眉州汽车维修有限公司 为眉山定点维修供应商，经成都互认（有效期至 2025-12-31）"
    assert case["data"]["invoice_outcome"] == "SETTLED" and case["data"]["settlement"]["settledVia"] == "CHECK"
    assert orders(desk, cid) == [("S04", "REPAIR", "SETTLED", 6650.0, 6650.0)]
    assert orders(desk, cid, "s04.meizhou") == orders(desk, cid)          # the shop sees its own order

    # separately: a 300-元 tyre invoice from a roadside shop is NON_DESIGNATED and refused ...
    tyre = desk.start("luo.fleet", "vehicle_invoice_check", TYRE, business_key="BX-2025-0915")
    tid = tyre["id"]
    assert tyre["status"] == "waiting"
    flagged = tyre["data"]["invoice_check"]
    assert (flagged["flag"], flagged["status"], flagged["supplierId"]) == ("NON_DESIGNATED", "REFUSED", None)
    assert flagged["reason"] == "东坡区路边轮胎店 未在平台登记，不是成都的定点维修供应商"
    alert = [n for n in desk.get("notices", "luo.fleet")["items"] if n["case_id"] == tid]
    assert [(n["kind"], n["title"]) for n in alert] == [("ALERT", "报销被拒（非定点）：川A·5K627 300.00 元")]
    exception = desk.task("yang.head", "unit_head_exception", tid)
    assert exception["title"] == "异地紧急维修例外审批" and exception["due_at"] is not None
    desk.nobody_else_sees("unit_head_exception", tid, {"yang.head"}, EVERYONE)
    assert exceptions(metro.db) == []

    # ... until the unit head files the urgent-repair-away-from-home exception with a reason
    desk.complete("yang.head", "unit_head_exception", {"exception_decision": "FILE_EXCEPTION"}, tid, status=422)
    tyre = desk.complete("yang.head", "unit_head_exception", {"exception_decision": "FILE_EXCEPTION",
                                                              "exception_reason": REASON}, tid)
    assert tyre["status"] == "completed" and tyre["data"]["invoice_outcome"] == "SETTLED"
    assert tyre["data"]["settlement"]["settledVia"] == "EXCEPTION"
    assert tyre["data"]["designation_exception"]["reason"] == REASON

    # recorded for audit: a row, a notice the auditor finds, and the step in the case history
    [row] = exceptions(metro.db)
    assert (row["caseId"], row["kind"], row["approvedBy"], row["reason"]) == (tid, "URGENT_AWAY_FROM_HOME",
                                                                              "UNIT_HEAD@U03", REASON)
    assert (row["invoice"]["amount"], row["invoice"]["flag"], row["invoice"]["status"]) == (300.0, "NON_DESIGNATED",
                                                                                           "SETTLED")
    audit = desk.get("notices", "fang.audit")["items"]
    assert [(n["kind"], n["title"], n["case_id"]) for n in audit] == [
        ("ALERT", "异地紧急维修例外备案：成都市应急管理局 川A·5K627", tid)]
    assert REASON in audit[0]["body"] and "东坡区路边轮胎店 300.00 元" in audit[0]["body"]
    steps = [e["detail"]["operator"] for e in desk.events(tid) if e["type"] == "service_called"]
    assert steps == ["check_vehicle_invoice", "file_designation_exception", "settle_vehicle_invoice"]

    # the data decides: after S04's term with 眉山 ends, 成都 no longer recognises it
    later(desk, local("2026-01-05 09:00"))
    late = desk.start("luo.fleet", "vehicle_invoice_check", {"invoice": {
        "vehicle": "V02", "supplier": "S04", "amount": 6650, "serviceDate": "2026-01-05", "location": "眉山东坡区"}})
    assert late["data"]["invoice_check"]["flag"] == "NON_DESIGNATED"
    assert "2025-12-31" in late["data"]["invoice_check"]["reason"]
    again = desk.start("luo.fleet", "vehicle_repair", {"request": {**REQUEST["request"], "mileage": 118000}})
    assert [s["supplierId"] for s in again["data"]["shops"]["items"] if s["eligible"]] == ["S01"]
    desk.complete("luo.fleet", "collect_quotes", {"quotes": [{"supplier": "S04", "amount": 6800},
                                                             {"supplier": "S01", "amount": 7300}],
                                                  "chosen_supplier": "S04"}, again["id"])
    retry = desk.task("luo.fleet", "collect_quotes", again["id"])
    assert retry["data"]["refusal"]["code"] == "SUPPLIER_NOT_DESIGNATED" and "2025-12-31" in retry["data"]["refusal"]["message"]
