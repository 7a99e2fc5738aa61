"""Demo users of the Chengdu-metro model (DOMAIN.md §3): the eight named users plus one per role and
scope that the five scenarios S1-S5 need, so every scenario can be played at once in `gwc demo`.

Grant scopes follow the processes' `scope` expressions:
- unit roles (UNIT_CLERK, UNIT_HEAD, FLEET_MANAGER) are scoped by unit id (U07);
- warehouse and district roles (BRANCH_KEEPER, DISTRICT_AGENCY, FINANCE_APPROVER, EMERGENCY_COMMAND,
  SITE_RECEIVER) by region name (武侯区, 成都市本级 for the city level);
- VEHICLE_AUTHORITY by fiscal city (成都, 眉山...), SUPPLIER by supplier id (S07).
A grant without scope matches every scope. All demo users share DEMO_PASSWORD.
"""
from __future__ import annotations

DEMO_PASSWORD = "gongwucang-demo"
DEMO_USERS = [  # login, display name, grants
    # the named users of DOMAIN.md §3
    ("wang.clerk", "王小明（武侯区民政局资产管理员）", ["UNIT_CLERK@U07"]),
    ("li.head", "李主任（武侯区民政局负责人）", ["UNIT_HEAD@U07"]),
    ("zhou.wh", "周管理员（武侯区分仓）", ["BRANCH_KEEPER@武侯区"]),
    ("wu.lqy", "吴管理员（龙泉驿区分仓）", ["BRANCH_KEEPER@龙泉驿区"]),
    ("zhao.center", "赵调度（公物仓管理中心）", ["CENTER_OPERATOR"]),
    ("chen.leader", "陈局长（市机关事务局分管领导）", ["CITY_AGENCY_APPROVER", "VEHICLE_AUTHORITY@成都"]),
    ("sun.fin", "孙科长（成都市财政局）", ["FINANCE_APPROVER@成都市本级"]),
    ("he.cmd", "何指挥（成都市应急管理局）", ["EMERGENCY_COMMAND"]),
    # S3: 郫都区人民政府办公室 (U09) and the 郫都 branch
    ("pi.clerk", "彭小燕（郫都区政府办资产管理员）", ["UNIT_CLERK@U09"]),
    ("pi.head", "潘主任（郫都区政府办负责人）", ["UNIT_HEAD@U09"]),
    ("pd.keeper", "庞管理员（郫都区分仓）", ["BRANCH_KEEPER@郫都区"]),
    ("pd.district", "裴主任（郫都区机关事务中心）", ["DISTRICT_AGENCY@郫都区"]),
    # S2: 简阳市卫生健康局 (U10), the 简阳 branch and 简阳市财政局
    ("jy.clerk", "简小华（简阳市卫健局资产管理员）", ["UNIT_CLERK@U10"]),
    ("jy.head", "蒋局长（简阳市卫健局负责人）", ["UNIT_HEAD@U10"]),
    ("jy.keeper", "贾管理员（简阳市分仓）", ["BRANCH_KEEPER@简阳市"]),
    ("jy.district", "季主任（简阳市机关事务中心）", ["DISTRICT_AGENCY@简阳市"]),
    ("jy.fin", "金科长（简阳市财政局）", ["FINANCE_APPROVER@简阳市"]),
    ("wh.fin", "伍科长（武侯区财政局）", ["FINANCE_APPROVER@武侯区"]),   # 区↔区 调剂 (武侯区 receiving side)
    # S4: 成都市应急管理局 (U03) fleet and head; partner cities' vehicle authorities
    ("luo.fleet", "罗车管（成都市应急管理局）", ["FLEET_MANAGER@U03"]),
    ("yang.head", "杨处长（成都市应急管理局负责人）", ["UNIT_HEAD@U03"]),
    ("ms.vehicle", "梅科长（眉山市公务用车主管部门）", ["VEHICLE_AUTHORITY@眉山"]),
    ("dy.vehicle", "邓科长（德阳市公务用车主管部门）", ["VEHICLE_AUTHORITY@德阳"]),
    ("zy.vehicle", "邹科长（资阳市公务用车主管部门）", ["VEHICLE_AUTHORITY@资阳"]),
    # S5: 龙泉驿区 emergency command and the site receiver
    ("lqy.cmd", "龙指挥（龙泉驿区应急管理局）", ["EMERGENCY_COMMAND@龙泉驿区"]),
    ("qian.site", "钱接收（龙泉驿区安置点）", ["SITE_RECEIVER@龙泉驿区"]),
    ("cd.keeper", "程管理员（主仓保管员）", ["BRANCH_KEEPER@成都市本级"]),
    # suppliers that the scenarios order from
    ("s07.rongtong", "蓉通搬运物流有限公司", ["SUPPLIER@S07"]),
    ("s08.chuanxi", "川西电器维修服务部", ["SUPPLIER@S08"]),
    ("s04.meizhou", "眉州汽车维修有限公司", ["SUPPLIER@S04"]),
    # 三定点: 成都's repair shop (repairs at home, 眉山东坡区 outlet) and insurer (accident loss assessment)
    ("s01.rongan", "成都蓉安汽车维修服务有限公司", ["SUPPLIER@S01"]),
    ("s03.tianfu", "天府财产保险成都分公司", ["SUPPLIER@S03"]),
    ("s09.jingcheng", "旌城应急装备有限公司", ["SUPPLIER@S09"]),
    # 入仓 and 市场服务采购: the dissolved 赛事专班 (U12), 锦江区教育局 (U06) with the 锦江 branch and finance,
    # and the suppliers of the service catalogue's quote rounds
    ("zb.clerk", "赵小莉（赛事专班资产管理员）", ["UNIT_CLERK@U12"]),
    ("zb.head", "邹主任（赛事专班负责人）", ["UNIT_HEAD@U12"]),
    ("jjedu.clerk", "江小文（锦江区教育局资产管理员）", ["UNIT_CLERK@U06"]),
    ("jjedu.head", "金局长（锦江区教育局负责人）", ["UNIT_HEAD@U06"]),
    ("jj.branch", "蒋管理员（锦江区分仓）", ["BRANCH_KEEPER@锦江区"]),
    ("jj.fin", "姜科长（锦江区财政局）", ["FINANCE_APPROVER@锦江区"]),
    ("s05.jincheng", "锦城办公家具制造有限公司", ["SUPPLIER@S05"]),
    ("s06.tianfu", "天府文印科技有限公司", ["SUPPLIER@S06"]),
    ("s12.lvyuan", "绿源节能科技有限公司", ["SUPPLIER@S12"]),
    ("s13.jinguan", "锦官会展视听服务有限公司", ["SUPPLIER@S13"]),
    # the other roles of DOMAIN.md's role list, so every lane has someone to work it in the demo
    ("ma.dept", "马处长（主管部门审核）", ["DEPT_REVIEWER"]),
    ("xu.district", "徐主任（武侯区机关事务中心）", ["DISTRICT_AGENCY@武侯区"]),
    ("tang.meeting", "唐秘书（局长办公会）", ["AGENCY_HEAD_MEETING"]),
    ("gao.appraiser", "高评估师（评估机构）", ["APPRAISER"]),
    ("lin.exchange", "林经理（产权交易机构）", ["AUCTIONEER"]),
    ("fang.audit", "方审计（审计监督）", ["AUDITOR"]),
    ("he.designer", "贺设计（流程设计员）", ["DESIGNER"]),
    ("jiang.manager", "蒋经理（业务管理）", ["MANAGER"]),
    ("admin", "平台管理员", ["ADMIN", "DESIGNER", "MANAGER"]),
]
