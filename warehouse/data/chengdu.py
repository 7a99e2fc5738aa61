"""The Chengdu-metro demo of DOMAIN.md §3, copied as written there (names fictional except places).

Region codes are ours (DOMAIN lists the regions by name only). Branch warehouses are PHYSICAL only:
DOMAIN gives kinds for the main warehouse alone. Travel times are [A].
"""
# code, name, level, parent, city
REGIONS = [
    ("CD", "成都市本级", "CITY", None, "成都"),
    ("JJ", "锦江区", "DISTRICT", "CD", "成都"),
    ("WH", "武侯区", "DISTRICT", "CD", "成都"),
    ("LQY", "龙泉驿区", "DISTRICT", "CD", "成都"),
    ("PD", "郫都区", "DISTRICT", "CD", "成都"),
    ("JY", "简阳市", "DISTRICT", "CD", "成都"),
    ("DY", "德阳市", "PARTNER_CITY", None, "德阳"),
    ("MS", "眉山市", "PARTNER_CITY", None, "眉山"),
    ("ZY", "资阳市", "PARTNER_CITY", None, "资阳"),
]

WAREHOUSES = [
    {"id": "WH-CD-MAIN", "name": "成都市现代公物仓(主仓)", "level": "MAIN", "region": "CD",
     "operator": "成都市机关事务管理局 公物仓管理中心", "finance": "成都市财政局", "kinds": ["PHYSICAL", "VIRTUAL"]},
    {"id": "WH-JJ", "name": "锦江区分仓", "level": "BRANCH", "parent": "WH-CD-MAIN", "region": "JJ",
     "finance": "锦江区财政局", "travelMinToMain": 20},
    {"id": "WH-WH", "name": "武侯区分仓", "level": "BRANCH", "parent": "WH-CD-MAIN", "region": "WH",
     "finance": "武侯区财政局", "travelMinToMain": 20},
    {"id": "WH-LQY", "name": "龙泉驿区分仓", "level": "BRANCH", "parent": "WH-CD-MAIN", "region": "LQY",
     "finance": "龙泉驿区财政局", "travelMinToMain": 40},
    {"id": "WH-PD", "name": "郫都区分仓", "level": "BRANCH", "parent": "WH-CD-MAIN", "region": "PD",
     "finance": "郫都区财政局", "travelMinToMain": 40},
    {"id": "WH-JY", "name": "简阳市分仓", "level": "BRANCH", "parent": "WH-CD-MAIN", "region": "JY",
     "finance": "简阳市财政局", "travelMinToMain": 70},
    {"id": "WH-DY", "name": "德阳市公物仓", "level": "PARTNER", "region": "DY", "finance": "德阳市财政局",
     "travelMinToMain": 75, "agreement": "成德眉资共建共享协议(虚构)"},
    {"id": "WH-MS", "name": "眉山市公物仓", "level": "PARTNER", "region": "MS", "finance": "眉山市财政局",
     "travelMinToMain": 75},
    {"id": "WH-ZY", "name": "资阳市公物仓", "level": "PARTNER", "region": "ZY", "finance": "资阳市财政局",
     "travelMinToMain": 90},
]

TRAVEL_MIN = [("WH-LQY", "WH-JY", 35), ("WH-LQY", "WH-JJ", 35), ("WH-JY", "WH-ZY", 40),
              ("WH-WH", "WH-MS", 60), ("WH-PD", "WH-DY", 60)]

# id, name, region, temporary, supervising dept
UNITS = [
    ("U01", "成都市机关事务管理局", "CD", False, None),
    ("U02", "成都市财政局", "CD", False, None),
    ("U03", "成都市应急管理局", "CD", False, None),
    ("U04", "成都市卫生健康委员会", "CD", False, None),
    ("U05", "成都市教育局", "CD", False, None),
    ("U06", "锦江区教育局", "JJ", False, None),
    ("U07", "武侯区民政局", "WH", False, None),
    ("U08", "龙泉驿区应急管理局", "LQY", False, None),
    ("U09", "郫都区人民政府办公室", "PD", False, None),
    ("U10", "简阳市卫生健康局", "JY", False, None),
    ("U11", "德阳市应急管理局", "DY", False, None),
    ("U12", "市级大型赛事筹备工作专班(临时机构,已撤销)", "CD", True, "U01"),
]

# code, name, en, type
CATEGORIES = [
    ("C01", "办公家具", "OFFICE_FURNITURE", "ASSET+SERVICE"),
    ("C02", "文印设备", "PRINTING", "ASSET+SERVICE"),
    ("C03", "信息化设备", "IT_EQUIPMENT", "ASSET+SERVICE"),
    ("C04", "会议及视听设备", "CONFERENCE_AV", "ASSET+SERVICE"),
    ("C05", "办公电器", "APPLIANCES", "ASSET"),
    ("C06", "汽车服务", "VEHICLE_SERVICE", "SERVICE"),
    ("C07", "维修服务", "REPAIR", "SERVICE"),
    ("C08", "搬运与物流配送", "MOVING_LOGISTICS", "SERVICE"),
    ("C09", "应急物资保障", "EMERGENCY", "ASSET+GOODS"),
    ("C10", "绿色低碳产品", "GREEN", "GOODS+SERVICE"),
    ("C11", "名优特产品", "LOCAL_SPECIALTY", "GOODS"),
]

# id, name, category, qty, unit value (元 原值), year, condition, warehouse, status, source
ASSETS = [
    ("A001", "实木会议桌3.6m", "C01", 1, 6800, 2021, "B", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A002", "会议椅", "C01", 60, 680, 2023, "A", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A003", "钢木办公桌1.6m", "C01", 20, 1800, 2020, "B", "WH-JJ", "AVAILABLE", "机构改革腾退"),
    ("A004", "钢制文件柜", "C01", 15, 1200, 2019, "B", "WH-WH", "AVAILABLE", "闲置"),
    ("A005", "三人位沙发", "C01", 4, 3500, 2018, "C", "WH-PD", "UNDER_REPAIR", "闲置"),
    ("A006", "A3彩色数码复合机", "C02", 1, 38000, 2021, "A", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A007", "A4黑白激光打印机", "C02", 10, 1600, 2022, "A", "WH-JJ", "AVAILABLE", "超标准配置"),
    ("A008", "高速文档扫描仪", "C02", 1, 12000, 2022, "A", "WH-WH", "AVAILABLE", "闲置"),
    ("A009", "台式计算机", "C03", 25, 5200, 2020, "B", "WH-CD-MAIN", "AVAILABLE", "机构改革腾退"),
    ("A010", "便携式计算机", "C03", 10, 6800, 2022, "A", "WH-PD", "ON_LOAN", "赛事专班撤销"),
    ("A011", "24口千兆交换机", "C03", 4, 3200, 2021, "A", "WH-LQY", "AVAILABLE", "闲置"),
    ("A012", "LED小间距显示屏4m×2.25m", "C04", 1, 168000, 2023, "A", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A013", "会议扩声音响系统", "C04", 1, 45000, 2023, "A", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A014", "视频会议终端", "C04", 2, 26000, 2022, "A", "WH-WH", "AVAILABLE", "闲置"),
    ("A015", "投影仪", "C04", 3, 6500, 2021, "B", "WH-JY", "AVAILABLE", "闲置"),
    ("A016", "柜式空调3匹", "C05", 4, 9800, 2019, "B", "WH-LQY", "AVAILABLE", "办公用房调整"),
    ("A017", "双门冰箱", "C05", 2, 3600, 2020, "B", "WH-JY", "AVAILABLE", "闲置"),
    ("A018", "便携式彩色超声诊断仪", "C03", 1, 380000, 2022, "A", "WH-CD-MAIN", "AVAILABLE", "专项任务结束"),
    ("A019", "高清数码显微镜(教学)", "C03", 1, 58000, 2021, "A", "WH-JJ", "AVAILABLE", "闲置"),
    ("A020", "学生课桌椅(套)", "C01", 80, 450, 2021, "B", "WH-JJ", "AVAILABLE", "学校合并"),
    ("A021", "移动照明灯塔", "C09", 2, 36000, 2022, "A", "WH-LQY", "AVAILABLE", "应急储备"),
    ("A022", "柴油发电机组30kW", "C09", 2, 28000, 2021, "A", "WH-CD-MAIN", "AVAILABLE", "应急储备"),
    ("A023", "冲锋舟(含船外机)", "C09", 2, 62000, 2020, "A", "WH-LQY", "AVAILABLE", "应急储备"),
    ("A024", "大流量排涝泵", "C09", 3, 15000, 2021, "A", "WH-JY", "AVAILABLE", "应急储备"),
    ("A025", "保密文件柜(锁具损坏)", "C01", 1, 4800, 2012, "D", "WH-WH", "PENDING_DISPOSAL", "闲置"),
    ("A026", "台式计算机(老旧)", "C03", 12, 4600, 2014, "D", "WH-CD-MAIN", "PENDING_DISPOSAL", "到期淘汰"),
    ("A027", "展板展架", "C04", 30, 300, 2023, "A", "WH-CD-MAIN", "AVAILABLE", "赛事专班撤销"),
    ("A028", "碎纸机", "C02", 6, 1100, 2022, "A", "WH-PD", "AVAILABLE", "闲置"),
    ("A029", "多功能会议桌", "C01", 10, 2400, 2022, "A", "WH-DY", "AVAILABLE", "闲置"),
    ("A030", "高清摄像机", "C04", 1, 16000, 2021, "A", "WH-MS", "AVAILABLE", "闲置"),
]
# DOMAIN tags only A027 as a low-value item (not a fixed asset).
LOW_VALUE_ASSETS = {"A027"}

VEHICLES = [
    {"id": "V01", "plate": "川A·D10231", "model": "比亚迪汉EV", "type": "其他公务用车", "unit": "U01", "year": 2021,
     "value": 219800, "km": 86000, "insuranceEnd": "2025-09-30"},
    {"id": "V02", "plate": "川A·5K627", "model": "江铃全顺应急保障车", "type": "应急保障用车", "unit": "U03",
     "year": 2020, "value": 280000, "km": 112000},
    {"id": "V03", "plate": "川A·F66812", "model": "比亚迪秦PLUS DM-i", "type": "机要通信用车", "unit": "U09",
     "year": 2022, "value": 149800, "km": 41000},
    {"id": "V04", "plate": "川A·7Q239", "model": "吉利星越L", "type": "执法执勤用车", "unit": "U08", "year": 2019,
     "value": 169800, "km": 158000, "insuranceEnd": "2025-07-15"},
    {"id": "V05", "plate": "川F·D30418", "model": "长安深蓝SL03", "type": "应急保障用车", "unit": "U11", "year": 2023,
     "value": 189900, "km": 23000},
]

_CHENGDU_TERM = ("2024-07-01", "2026-06-30")
SUPPLIERS = [
    {"id": "S01", "name": "成都蓉安汽车维修服务有限公司", "cat": ["C06"], "price": "工时费8.5折",
     "designated": "REPAIR", "by": "成都", "term": _CHENGDU_TERM, "outlets": ["武侯区", "龙泉驿区", "眉山东坡区"],
     "recognizedBy": ["德阳", "眉山", "资阳"]},
    {"id": "S02", "name": "蜀能石油成都销售有限公司", "cat": ["C06"], "price": "指导价下浮0.25元/升",
     "designated": "FUEL", "by": "成都", "term": _CHENGDU_TERM, "outlets": ["成德眉资"],
     "recognizedBy": ["德阳", "眉山", "资阳"]},
    {"id": "S03", "name": "天府财产保险成都分公司", "cat": ["C06"], "price": "商业险费率8折",
     "designated": "INSURANCE", "by": "成都", "term": _CHENGDU_TERM},
    {"id": "S04", "name": "眉州汽车维修有限公司", "cat": ["C06"], "designated": "REPAIR", "by": "眉山",
     "term": ("2024-01-01", "2025-12-31"), "recognizedBy": ["成都"]},
    {"id": "S05", "name": "锦城办公家具制造有限公司", "cat": ["C01", "C07"], "regions": ["成都", "德阳"]},
    {"id": "S06", "name": "天府文印科技有限公司", "cat": ["C02", "C07"], "regions": ["成都"],
     "price": "复合机租赁 0.08元/张(黑白)"},
    {"id": "S07", "name": "蓉通搬运物流有限公司", "cat": ["C08"], "regions": ["成都", "德阳", "眉山", "资阳"],
     "price": "市内厢式车 800元/趟"},
    {"id": "S08", "name": "川西电器维修服务部", "cat": ["C07"], "regions": ["成都"]},
    {"id": "S09", "name": "旌城应急装备有限公司", "cat": ["C09"], "regions": ["德阳", "成都"], "contractReserve": True},
    {"id": "S10", "name": "安岳柠檬产业合作社", "cat": ["C11"], "regions": ["资阳"], "product": "安岳柠檬",
     "canteenDelivery": True},
    {"id": "S11", "name": "东坡泡菜食品有限公司", "cat": ["C11"], "regions": ["眉山"], "product": "泡菜"},
    {"id": "S12", "name": "绿源节能科技有限公司", "cat": ["C10"], "regions": ["成都"], "product": "LED照明改造/充电桩"},
    {"id": "S13", "name": "锦官会展视听服务有限公司", "cat": ["C04"], "regions": ["成都"], "price": "LED屏租赁 4000元/天"},
]

# class -> subclass (or None) -> items: (code, name, uom, reusable)
EMERGENCY_CATALOGUE = {
    "RESCUE_OPS": {
        "FLOOD": [("E101", "编织袋", "条", False), ("E102", "救生衣", "件", False), ("E103", "排涝泵", "台", True),
                  ("E104", "冲锋舟", "艘", True)],
        "FOREST_FIRE": [("E111", "风力灭火机", "台", True), ("E112", "二号扑火工具", "把", False)],
        "EARTHQUAKE": [("E121", "生命探测仪", "台", True)],
        "WORK_SAFETY": [("E131", "便携式气体检测仪", "台", True)],
        "GENERAL": [("E141", "移动照明灯塔", "台", True), ("E142", "发电机组", "台", True)],
    },
    "RESCUE_FORCE": {None: [("E201", "单兵帐篷", "顶", True), ("E202", "睡袋", "个", True),
                            ("E203", "卫星电话", "部", True), ("E204", "自热食品", "份", False)]},
    "BASIC_LIVING": {None: [("E301", "救灾帐篷12㎡", "顶", True), ("E302", "折叠床", "张", True),
                            ("E303", "棉被", "床", False), ("E304", "毛巾被", "条", False),
                            ("E305", "家庭应急包", "个", False), ("E306", "瓶装饮用水(24瓶)", "箱", False),
                            ("E307", "方便食品", "箱", False)]},
}

EMERGENCY_STOCK = {
    "WH-LQY": {"E101": 5000, "E102": 200, "E301": 40, "E302": 150, "E303": 300, "E306": 200},
    "WH-JY": {"E101": 3000, "E301": 60, "E302": 120, "E303": 200, "E306": 150},
    "WH-JJ": {"E301": 20, "E302": 80, "E303": 150, "E305": 100},
    "WH-CD-MAIN": {"E101": 20000, "E102": 1000, "E301": 300, "E302": 800, "E303": 2000, "E305": 1000,
                   "E306": 1500, "E307": 800, "E201": 100, "E202": 300},
    "WH-DY": {"E301": 100, "E302": 200},
    "WH-ZY": {"E303": 300, "E306": 300},
}

# 入仓 and 市场服务采购 (warehouse.deposit_ledger.load_demo loads these three lists).
# Units' asset cards as synced from the 预算管理一体化系统 (values per item, 元) [A]:
# unit, cardNo, category, name, spec, qty, uom, original value, net value, purchase date, location, secret, idle since
UNIT_ASSET_CARDS = [
    ("U12", "ZB-2023-0001", "C04", "LED会议显示屏", "P2.5 3.2m×1.8m", 1, "套", 98000, 71500, "2023-03-15",
     "赛事指挥中心3楼", False, "2025-12-31"),
    ("U12", "ZB-2023-0002", "C03", "台式计算机", "i5/16G/512G", 20, "台", 5600, 3100, "2023-03-20",
     "赛事指挥中心2楼", False, "2025-12-31"),
    ("U12", "ZB-2023-0003", "C01", "折叠会议桌", "1.8m×0.6m", 30, "张", 860, 620, "2023-04-01",
     "赛事指挥中心1楼", False, "2025-12-31"),
    ("U12", "ZB-2023-0004", "C03", "便携式计算机(涉密)", "国产化专用机", 2, "台", 7800, 4300, "2023-04-10",
     "专班保密室", True, "2025-12-31"),
    ("U12", "ZB-2023-0005", "C05", "立式饮水机", "冷热型", 6, "台", 1200, 720, "2023-04-12",
     "赛事指挥中心", False, "2025-12-31"),
    ("U06", "JJJY-2019-0112", "C01", "钢制文件柜", "四门", 12, "组", 1350, 540, "2019-08-01",
     "局机关2楼档案室", False, "2025-05-01"),
    ("U06", "JJJY-2020-0031", "C02", "A3黑白复印机", "35页/分", 2, "台", 16800, 7600, "2020-06-10",
     "局机关1楼文印室", False, "2025-03-01"),
    ("U06", "JJJY-2021-0007", "C04", "投影仪", "5000流明", 4, "台", 5200, 2900, "2021-09-01",
     "局机关3楼会议室", False, "2025-10-15"),
    ("U05", "CDJY-2020-0420", "C05", "柜式空调", "3匹", 3, "台", 9600, 4800, "2020-05-20",
     "市教育局老办公楼", False, "2025-04-01"),
    ("U07", "WHMZ-2018-0203", "C01", "木质办公桌", "1.4m", 6, "张", 1600, 320, "2018-03-01",
     "区民政局4楼", False, "2025-06-30"),
]
# Temporary bodies dissolved (or whose event ended): unit, date, reason
UNIT_DISSOLUTIONS = [("U12", "2025-12-31", "市级大型赛事闭幕，工作专班撤销")]
# The service catalogue (市场服务目录) [A]: id, supplier, category, name, uom, listed price, market price
# (reference of a temporary need), new-purchase price (reference of a permanent need), green, origin region
SERVICE_OFFERS = [
    ("SV01", "S07", "C08", "市内厢式车搬运（含装卸）", "趟", 800, 1000, None, False, None),
    ("SV02", "S13", "C04", "LED屏租赁（含安装调试、技术保障）", "天", 4000, 6000, 168000, False, None),
    ("SV03", "S06", "C02", "A3彩色复合机租赁（含耗材维保）", "月", 600, 900, 38000, False, None),
    ("SV04", "S08", "C07", "空调清洗维保", "台", 180, 260, None, False, None),
    ("SV05", "S05", "C07", "办公家具维修", "件", 150, 220, None, False, None),
    ("SV06", "S12", "C10", "办公楼LED照明节能改造", "层", 9000, 11500, None, True, None),
    ("SV07", "S12", "C10", "电动汽车交流充电桩（7kW，含安装）", "台", 5200, 6500, None, True, None),
    ("SV08", "S10", "C11", "安岳柠檬（机关食堂配送）", "千克", 8, 10, None, False, "资阳"),
    ("SV09", "S11", "C11", "东坡泡菜（机关食堂配送）", "千克", 12, 15, None, False, "眉山"),
]
