"""`gwc walkthrough`: the engine on its own, end to end, on the configured database.

Creates the demo users of the Chengdu-metro data (DOMAIN.md §3) that asset_request needs, deploys
workflows/ and forms/, starts a loan request for two video-conference terminals held by the 武侯区
branch (52,000 元, so the DMN table adds the agency leader), and works every inbox until the case ends.
"""
from __future__ import annotations

import click

DEMO_PASSWORD = "gongwucang-demo"
DEMO_USERS = [  # login, display name, grants
    ("wang.clerk", "王小明（武侯区民政局资产管理员）", ["UNIT_CLERK@U07"]),
    ("li.head", "李主任（武侯区民政局负责人）", ["UNIT_HEAD@U07"]),
    ("zhou.wh", "周管理员（武侯区分仓）", ["BRANCH_KEEPER@武侯区"]),
    ("wu.lqy", "吴管理员（龙泉驿区分仓）", ["BRANCH_KEEPER@龙泉驿区"]),
    ("zhao.center", "赵调度（公物仓管理中心）", ["CENTER_OPERATOR"]),
    ("chen.leader", "陈局长（市机关事务局分管领导）", ["CITY_AGENCY_APPROVER", "VEHICLE_AUTHORITY"]),
    ("sun.fin", "孙科长（成都市财政局）", ["FINANCE_APPROVER"]),
    ("he.cmd", "何指挥（成都市应急管理局）", ["EMERGENCY_COMMAND"]),
    # the other roles of DOMAIN.md's role list, so every lane has someone to work it in the demo
    ("ma.dept", "马处长（主管部门审核）", ["DEPT_REVIEWER"]),
    ("xu.district", "徐主任（武侯区机关事务中心）", ["DISTRICT_AGENCY@武侯区"]),
    ("tang.meeting", "唐秘书（局长办公会）", ["AGENCY_HEAD_MEETING"]),
    ("luo.fleet", "罗车管（成都市应急管理局）", ["FLEET_MANAGER"]),
    ("qian.site", "钱接收（龙泉驿区安置点）", ["SITE_RECEIVER"]),
    ("s07.rongtong", "蓉通搬运物流有限公司", ["SUPPLIER"]),
    ("gao.appraiser", "高评估师（评估机构）", ["APPRAISER"]),
    ("lin.exchange", "林经理（产权交易机构）", ["AUCTIONEER"]),
    ("fang.audit", "方审计（审计监督）", ["AUDITOR"]),
    ("he.designer", "贺设计（流程设计员）", ["DESIGNER"]),
    ("jiang.manager", "蒋经理（业务管理）", ["MANAGER"]),
    ("admin", "平台管理员", ["ADMIN", "DESIGNER", "MANAGER"]),
]
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
