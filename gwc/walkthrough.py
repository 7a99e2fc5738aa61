"""`gwc walkthrough`: the engine on its own, end to end, on the configured database.

Loads the Chengdu-metro demo data (DOMAIN.md §3, idempotent), creates the demo users, deploys workflows/
and forms/, and plays two loan requests (asset_request) through every inbox until each case ends:

1. 武侯区民政局 borrows two video-conference terminals held by the 武侯区 branch (52,000 元): the branch
   keeper reviews, the DMN table adds the district agency leader (branch stock), the branch delivers
   with S07, the unit signs, uses and returns them, the keeper inspects, the loan closes with its saving;
2. the same unit borrows the LED wall of the main warehouse (168,000 元): the centre reviews and the city
   agency leader approves (main-warehouse stock), self-pickup this time.

Each answer is what the person at that step would submit (see ANSWERS). A request the warehouse refuses
(e.g. stock already lent on a reused database) is withdrawn by the clerk and the walk-through goes on.
"""
from __future__ import annotations

import click

from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS  # noqa: E402,F401 - re-exported

REQUEST = {
    "purpose": "会议", "eventName": "武侯区民政工作视频调度会", "startDate": "2026-12-07", "endDate": "2026-12-09",
    "items": [{"assetId": "A014", "name": "视频会议终端", "qty": 2, "unitValue": 26000}],
    "applicant_unit": "U07", "holder_region": "武侯区", "holder_warehouse": "WH-WH",
    "needDelivery": True, "needInstall": False, "deliveryAddress": "武侯区民政局三楼会议室", "referencePrice": 6000,
}
MAIN_REQUEST = {
    "purpose": "会议", "eventName": "武侯区社会救助政策宣讲会", "startDate": "2026-12-14", "endDate": "2026-12-15",
    "items": [{"assetId": "A012", "name": "LED小间距显示屏", "qty": 1, "unitValue": 168000}],
    "applicant_unit": "U07", "holder_region": "成都市本级", "holder_warehouse": "WH-CD-MAIN",
    "needDelivery": False, "needInstall": False,
}
APPROVE = {"decision": "APPROVE", "comment": "同意"}
ANSWERS = {
    "fix_request": {"fix_action": "WITHDRAW", "comment": "资产已被借出，撤回申请"},
    "arrange_release": {"counted": True, "logisticsSupplier": "S07", "trips": 2},
    "arrange_release_center": {"counted": True},
    "sign_receipt": {"received": True, "receiver": "王小明"},
    "pickup_receipt": {"received": True, "receiver": "王小明"},
    "in_use": {"return_action": "RETURN", "returnNote": "会议结束，完好归还"},
    "overdue_return": {"return_action": "RETURN"},
    "return_inspection": {"lines": []},
    "return_inspection_center": {"lines": []},
    "overdue_escalation_district": {"measure": "URGED"},
    "overdue_escalation_city": {"measure": "URGED"},
}


def _owner(eng, task_id: str) -> str:
    return next(login for login, _, _ in DEMO_USERS if any(i["id"] == task_id for i in eng.inbox(login, limit=200)[0]))


def play(eng, request: dict, business_key: str, echo=click.echo) -> dict:
    case = eng.start_case("asset_request", request, "wang.clerk", business_key=business_key)
    plan = case["data"].get("loan_plan") or {}
    echo(f"wang.clerk started case {case['id']}: 原值合计 {case['data'].get('total_value', plan.get('totalValue'))} 元")
    while case["open_tasks"]:
        task = case["open_tasks"][0]
        owner = _owner(eng, task["id"])
        echo(f"  {task['title']} ({task['role']}@{task['scope'] or '全部'}) is in {owner}'s inbox, due {task['due_at']}")
        case = eng.complete(task["id"], owner, ANSWERS.get(task["name"], APPROVE))["case"]
    data = case["data"]
    echo(f"case {case['status']}: outcome {data.get('outcome')}, loan {data.get('loan_result', '-')}")
    if data.get("savings"):
        s = data["savings"]
        echo(f"  节支：参考价 {s['reference']} 元，实际 {s['actual']} 元，节支 {s['saving']} 元（{s['rate']:.0%}）")
    return case


def run(eng, echo=click.echo) -> dict:
    from warehouse.demo_data import load_demo_data
    load_demo_data(eng.db)
    for login, name, grants in DEMO_USERS:
        eng.add_user(login, DEMO_PASSWORD, grants, name)
    echo(f"demo users (password {DEMO_PASSWORD}): " + ", ".join(u[0] for u in DEMO_USERS))
    for item in eng.deploy(paths=["workflows", "forms"], actor="admin"):
        echo(f"deployed {item.id} version {item.version}{'' if item.changed else ' (unchanged)'}")
    case = play(eng, REQUEST, "WH-DEMO-0001", echo)
    play(eng, MAIN_REQUEST, "WH-DEMO-0002", echo)
    for event in eng.case_events(case["id"]):
        echo(f"  {event['at']}  {event['type']:<16} {event['actor'] or '':<12} {event['task'] or ''}")
    return case
