"""Walk-through over HTTP: the dissolved 赛事专班 (U12) hands its assets in to the main warehouse (DOMAIN §2(a)).

Given U12 was dissolved on 2025-12-31 (its assets are due back by 2026-01-30) and its ledger holds an LED
wall, 20 desktop computers, 30 folding tables and 2 confidential laptops (wiped since),
when zb.clerk declares them, zb.head signs, the supervising department (U01, ma.dept) agrees, the main
warehouse (zhao.center) accepts and orders S07 to move them, the re-inspection finds one table short and one
computer needing repair, the unit confirms and 成都市财政局 approves the title transfer,
then a 资产接收专用收据 is issued, the assets are AVAILABLE in the main warehouse's catalogue, the broken
computer is repaired by S08 and shelved too, and the ledger shows the cards written off.
"""
from __future__ import annotations

from tests.scenarios.support import local
from warehouse import deposit_ledger
from warehouse.data.chengdu import UNIT_ASSET_CARDS
from warehouse.data.users import DEMO_USERS

EVERYONE = [login for login, _, _ in DEMO_USERS]


def item(card_no, condition="B", **extra):
    row = next(r for r in UNIT_ASSET_CARDS if r[1] == card_no)
    _, no, cat, name, spec, qty, uom, original, net, bought, location, secret, _ = row
    return {"cardNo": no, "categoryCode": cat, "name": name, "spec": spec, "qty": qty, "uom": uom,
            "originalValue": original, "netValue": net, "purchaseDate": bought, "location": location,
            "secretFlag": secret, "selfCondition": condition, "reason": "临时机构撤销", **extra}


def at(desk, when: str) -> None:
    """Move the clock; people log in afresh (a token lives 8 hours, the desk keeps them)."""
    desk.at(local(when))
    desk.tokens.clear()


def test_dissolved_task_force_deposits_into_the_main_warehouse(desk):
    deposit_ledger.load_demo(desk.engine.db)          # the units' ledgers (see warehouse/deposit_ledger.py)
    desk.deploy("deposit")
    at(desk, "2026-01-05 09:10")
    case = desk.start("zb.clerk", "deposit", {
        "unit": "U12", "reason": "临时机构撤销", "needMoving": True,
        "items": [item("ZB-2023-0001", "A"), item("ZB-2023-0002"), item("ZB-2023-0003"),
                  item("ZB-2023-0004", "A", wiped=True)]}, business_key="RC-2026-0001")
    cid = case["id"]
    assert case["data"]["declaration"]["return_deadline"] == "2026-01-30"

    at(desk, "2026-01-05 10:00")
    desk.complete("zb.head", "unit_head_signoff", {"decision": "APPROVE", "comment": "专班撤销，资产全部入仓"}, cid)
    desk.complete("ma.dept", "dept_review", {"decision": "APPROVE"}, cid)
    desk.nobody_else_sees("precheck_main", cid, {"zhao.center"}, EVERYONE)
    assert desk.tasks("cd.keeper", "precheck_branch", cid) == []

    at(desk, "2026-01-06 15:00")
    desk.complete("zhao.center", "precheck_main", {"precheck_decision": "ACCEPT", "delivery": "MOVING_SERVICE",
                                                   "moving_supplier": "S07", "trips": 2}, cid)
    (moving,) = desk.get(f"service-orders?case_id={cid}", "s07.rongtong")["items"]
    assert (moving["kind"], moving["status"], moving["amount"]) == ("MOVING", "SUBMITTED", 1600.0)
    assert desk.get("assets/A032/history", "zb.clerk")["items"][-1]["toStatus"] == "IN_TRANSIT_IN"

    at(desk, "2026-01-07 16:00")
    desk.complete("s07.rongtong", "moving_delivery", {"trips_made": 3, "delivery_note": "LED屏单独一趟"}, cid)
    at(desk, "2026-01-08 10:00")
    desk.complete("zhao.center", "inspect_main", {
        "lots": [{"cardNo": "ZB-2023-0001", "qty": 1, "grade": "A", "tagNo": "RFID-LED-0001"},
                 {"cardNo": "ZB-2023-0002", "qty": 19, "grade": "B"},
                 {"cardNo": "ZB-2023-0002", "qty": 1, "grade": "C", "note": "电源故障"},
                 {"cardNo": "ZB-2023-0003", "qty": 29, "grade": "B"},
                 {"cardNo": "ZB-2023-0004", "qty": 2, "grade": "A"}],
        "repair_supplier": "S08", "inspection_comment": "折叠会议桌实到29张"}, cid)
    desk.complete("zb.clerk", "confirm_differences", {"confirm_decision": "CONFIRM",
                                                      "confirm_comment": "1张会议桌已报损"}, cid)
    at(desk, "2026-01-09 11:00")
    desk.complete("sun.fin", "finance_filing", {"finance_decision": "APPROVE", "finance_comment": "同意划转"}, cid)

    data = desk.case(cid, "zb.clerk")["data"]
    receipt = data["receipt"]
    assert receipt["receipt_no"] == "ZCJS-2026-WH-CD-MAIN-0001" and receipt["title_transferred"] is True
    assert receipt["total_original_value"] == 98000 + 20 * 5600 + 29 * 860 + 2 * 7800
    notices = desk.get(f"notices?case_id={cid}", "zb.head")["items"]
    assert notices[0]["title"] == "资产接收专用收据 ZCJS-2026-WH-CD-MAIN-0001 已开具"
    catalogue = desk.get("catalogue?warehouse=WH-CD-MAIN&limit=200", "wang.clerk")["items"]
    shelved = {i["assetId"]: (i["name"], i["qtyAvailable"], i["condition"]) for i in catalogue
               if i["assetId"] > "A030"}
    assert shelved == {"A031": ("LED会议显示屏（P2.5 3.2m×1.8m）", 1, "A"),
                       "A032": ("台式计算机（i5/16G/512G）", 19, "B"),
                       "A033": ("折叠会议桌（1.8m×0.6m）", 29, "B"),
                       "A034": ("便携式计算机(涉密)（国产化专用机）", 2, "A")}
    repair = desk.get(f"service-orders?case_id={cid}", "s08.chuanxi")["items"]
    assert [(o["kind"], o["supplier"], o["status"]) for o in repair] == [("REPAIR", "S08", "SUBMITTED")]
    assert desk.get("assets/A035/history", "zb.clerk")["items"][-1]["toStatus"] == "UNDER_REPAIR"

    at(desk, "2026-01-13 17:00")
    done = desk.complete("s08.chuanxi", "repair_work", {"repair_amount": 380, "repair_note": "更换电源"}, cid)
    assert done["status"] == "completed"
    history = [h["toStatus"] for h in desk.get("assets/A035/history", "zb.clerk")["items"]]
    assert history == ["INSPECTING", "UNDER_REPAIR", "AVAILABLE"]
    orders = {o["kind"]: (o["status"], o["amount"]) for o in
              desk.get(f"service-orders?case_id={cid}", "zhao.center")["items"]}
    assert orders == {"MOVING": ("SETTLED", 2400.0), "REPAIR": ("SETTLED", 380.0)}
    ledger = {c["cardNo"]: c for c in deposit_ledger.ledger(desk.engine.db, "U12")}
    assert all(ledger[n]["status"] == "DEPOSITED" and not ledger[n]["onBooks"]
               for n in ("ZB-2023-0001", "ZB-2023-0002", "ZB-2023-0003", "ZB-2023-0004"))
    assert ledger["ZB-2023-0005"]["status"] == "IDLE"              # the water dispensers were not declared
    duties = deposit_ledger.deposit_duties(desk.engine.db, today=local("2026-01-14 09:00").date(), unit="U12")
    assert [c["cardNo"] for c in duties[0]["cards"]] == ["ZB-2023-0005"] and duties[0]["overdue"] is False
