"""`gwc walkthrough`: the engine on its own, end to end, on the configured database.

Creates the demo users of the Chengdu-metro data (DOMAIN.md §3) that asset_request needs, deploys
workflows/ and forms/, starts a loan request for two video-conference terminals held by the 武侯区
branch (52,000 元, so the DMN table adds the agency leader), and works every inbox until the case ends.
"""
from __future__ import annotations

import click

from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS  # noqa: E402,F401 - re-exported

REQUEST = {
    "purpose": "会议", "eventName": "武侯区民政工作视频调度会", "startDate": "2026-12-07", "endDate": "2026-12-09",
    "items": [{"assetId": "A014", "name": "视频会议终端", "qty": 2, "unitValue": 26000}],
    "applicant_unit": "U07", "holder_region": "武侯区", "holder_warehouse": "WH-WH",
    "needDelivery": True, "needInstall": False,
}


def run(eng, echo=click.echo) -> dict:
    for login, name, grants in DEMO_USERS:
        eng.add_user(login, DEMO_PASSWORD, grants, name)
    echo(f"demo users (password {DEMO_PASSWORD}): " + ", ".join(u[0] for u in DEMO_USERS))
    for item in eng.deploy(paths=["workflows", "forms"], actor="admin"):
        echo(f"deployed {item.id} version {item.version}{'' if item.changed else ' (unchanged)'}")
    case = eng.start_case("asset_request", REQUEST, "wang.clerk", business_key="WH-DEMO-0001")
    echo(f"wang.clerk started case {case['id']}: 原值合计 {case['data']['total_value']} 元")
    while case["open_tasks"]:
        task = case["open_tasks"][0]
        owner = next(login for login, _, _ in DEMO_USERS
                     if any(i["id"] == task["id"] for i in eng.inbox(login, limit=200)[0]))
        echo(f"  {task['title']} ({task['role']}@{task['scope'] or '全部'}) is in {owner}'s inbox, due {task['due_at']}")
        case = eng.complete(task["id"], owner, {"decision": "APPROVE", "comment": "同意"})["case"]
    echo(f"case {case['status']}: outcome {case['data'].get('outcome')}")
    for event in eng.case_events(case["id"]):
        echo(f"  {event['at']}  {event['type']:<16} {event['actor'] or '':<12} {event['task'] or ''}")
    return case
