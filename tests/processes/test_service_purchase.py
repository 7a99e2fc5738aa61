"""service_purchase (市场服务采购, DOMAIN §2(f)): reference price, route by the DMN table (direct order ≤ 50,000,
quote round above, formal procurement above the government-procurement limit), unit head approval, supplier
acceptance within 24 h (else the order goes to the next supplier), proof, acceptance and rating (reminder
after 3 working days, automatic after 7 days), settlement, savings with the green / local-specialty flags.

Every scenario runs twice (tests/processes/order_harness.py): in memory and through the engine with a
save/restore at every step; both must take the same path to the same data.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.processes.order_harness import START, play_both
from warehouse import notices
from warehouse.data.users import DEMO_USERS
from warehouse.purchase_orders import flag_report, purchase_view
from warehouse.savings import report
from warehouse.service_orders import orders
from warehouse.tables import Unit

YES = {"decision": "APPROVE", "comment": "同意"}
EXTRA_USERS = {"u01.clerk": ["UNIT_CLERK@U01"], "u01.head": ["UNIT_HEAD@U01"], "u90.clerk": ["UNIT_CLERK@U90"],
               "u90.head": ["UNIT_HEAD@U90"], "s10.anyue": ["SUPPLIER@S10"]}


def canteen_unit(session):
    """A 资阳 canteen (test data) for the local-specialty purchase: 资阳's suppliers serve 资阳."""
    session.add(Unit(id="U90", name="资阳市机关事务服务中心（机关食堂）", region_code="ZY", temporary=False))


@pytest.fixture
def eng(engine):
    for login, name, grants in DEMO_USERS:
        engine.add_user(login, "correct horse battery", grants, name)
    return engine


def with_users(engine):
    for login, grants in EXTRA_USERS.items():
        engine.add_user(login, "correct horse battery", grants)


LED = {"unit": "U07", "need": {"offerId": "SV02", "qty": 1, "periods": 3, "startDate": "2026-03-10",
                               "endDate": "2026-03-12", "description": "全区民政工作会LED屏（3天）"}}
AIRCON = {"unit": "U06", "need": {"category": "C07", "description": "区属中小学空调集中清洗维保", "budget": 90000,
                                  "startDate": "2026-03-01", "endDate": "2026-03-31"}}
QUOTES = {"quote_decision": "AWARD", "quotes": [{"supplierId": "S08", "amount": 61500},
                                                {"supplierId": "S05", "amount": 64000},
                                                {"supplierId": "S06", "amount": 66800, "note": "含配件"}]}
ACCEPT = {"supplier_decision": "ACCEPT"}
PROOF = {"proof": "验收单 YS-2026-0311.pdf", "perform_note": "按时完成"}
GOOD = {"acceptance_decision": "ACCEPT", "rating": 5, "acceptance_comment": "服务专业"}


def test_direct_order_of_a_listed_service(eng, clock, tmp_path):
    """武侯区民政局 rents an LED wall for 3 days from S13: 12,000 ≤ 50,000, direct at the listed price;
    reference = market rental 18,000; settled at 11,800: saving 6,200."""
    steps = [("do", "unit_head_approval", "li.head", YES),
             ("do", "supplier_accept", "s13.jinguan", ACCEPT),
             ("do", "supplier_perform", "s13.jinguan", PROOF),
             ("do", "unit_acceptance", "wang.clerk", GOOD),
             ("do", "settlement", "wang.clerk", {"deal_price": 11800, "invoice_no": "51012600318"})]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "service_purchase", LED, steps, "wang.clerk")
    assert status == "completed" and path == [s[1] for s in steps]
    assert (data["route"], data["award"]["supplier_id"], data["award"]["amount"]) == ("DIRECT", "S13", 12000.0)
    assert data["savings"] == {"reference": 18000.0, "actual": 11800.0, "saving": 6200.0, "rate": 0.3444}
    assert {r["key"]: r["saving"] for r in report(eng.db, by="region")} == {"WH": 6200.0}
    assert [(o["supplier"], o["status"], o["settled_amount"]) for o in orders(eng.db, case_id=case["id"])] == [
        ("S13", "SETTLED", 11800.0)]
    assert purchase_view(eng.db, data["purchase_id"])["rating"] == 5


def test_quote_round_and_a_supplier_that_never_accepts(eng, clock, tmp_path):
    """锦江区教育局's need of 90,000 is not in the catalogue: three quotes, S08 lowest; S08 lets 24 h pass, so
    its order is cancelled and S05 (next lowest, 64,000) gets it; saving 26,000 against the budget."""
    steps = [("do", "collect_quotes", "zhao.center", QUOTES),
             ("do", "unit_head_approval", "jjedu.head", YES),
             ("at", START + timedelta(hours=23)),
             ("at", START + timedelta(hours=24, minutes=1)),
             ("do", "supplier_accept", "s05.jincheng", ACCEPT),
             ("do", "supplier_perform", "s05.jincheng", PROOF),
             ("do", "unit_acceptance", "jjedu.clerk", dict(GOOD, rating=4)),
             ("do", "settlement", "jjedu.clerk", {"deal_price": 64000, "invoice_no": "51010400077"})]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "service_purchase", AIRCON, steps, "jjedu.clerk")
    assert status == "completed" and (data["route"], data["min_quotes"]) == ("QUOTES", 3)
    assert [r["supplierId"] for r in data["award"]["ranking"]] == ["S08", "S05", "S06"]
    assert (data["order"]["supplier_id"], data["order"]["attempt"]) == ("S05", 2)
    assert data["savings"]["saving"] == 26000.0 and data["settled"]["reference"] == 90000.0
    assert [(o["supplier"], o["status"]) for o in orders(eng.db, case_id=case["id"])] == [
        ("S08", "CANCELLED"), ("S05", "SETTLED")]
    unit_notices = [n["title"] for n in notices.for_principal(eng.db, eng.principal("jjedu.clerk"),
                                                              case_id=case["id"])[0]]
    assert unit_notices == ["服务采购已结算", "供应商未接单，订单已转下一家"]


def test_a_short_quote_round_is_sent_back_and_a_decline_passes_the_order_on(eng, clock, tmp_path):
    steps = [("do", "collect_quotes", "zhao.center", {"quote_decision": "AWARD", "quotes": QUOTES["quotes"][:2]}),
             ("do", "collect_quotes", "zhao.center", QUOTES),
             ("do", "unit_head_approval", "jjedu.head", YES),
             ("do", "supplier_accept", "s08.chuanxi", {"supplier_decision": "DECLINE", "supplier_comment": "人手不足"}),
             ("do", "supplier_accept", "s05.jincheng", {"supplier_decision": "DECLINE", "supplier_comment": "档期已满"}),
             ("at", START + timedelta(days=1, hours=1))]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "service_purchase", AIRCON, steps, "jjedu.clerk")
    assert status == "completed" and data["closing"]["status"] == "CANCELLED"      # S06 never answered either
    assert data["refusal"]["code"] == "NO_SUPPLIER_LEFT"
    assert [o["status"] for o in orders(eng.db, case_id=case["id"])] == ["CANCELLED"] * 3


def test_auto_acceptance_after_seven_days_with_a_reminder_after_three_working_days(eng, clock, tmp_path):
    steps = [("do", "unit_head_approval", "li.head", YES),
             ("do", "supplier_accept", "s13.jinguan", ACCEPT),
             ("do", "supplier_perform", "s13.jinguan", PROOF),                    # Mon 2026-01-05 09:00
             ("at", START + timedelta(days=3, hours=1)),                          # Thu: 3 working days
             ("at", START + timedelta(days=7, hours=1)),                          # Mon + 7 days
             ("do", "settlement", "wang.clerk", {"deal_price": 12000, "invoice_no": "51012600400"})]
    path, data, status, _, case = play_both(eng, clock, tmp_path, "service_purchase", LED, steps, "wang.clerk")
    assert status == "completed" and data["acceptance"] == {"purchase_id": data["purchase_id"], "decision": "ACCEPT",
                                                            "rating": None, "auto_accepted": True}
    kinds = [n["kind"] for n in notices.for_principal(eng.db, eng.principal("wang.clerk"), case_id=case["id"])[0]]
    assert kinds == ["INFO", "REMINDER"]


def test_rework_goes_back_to_the_supplier(eng, clock, tmp_path):
    steps = [("do", "unit_head_approval", "li.head", YES),
             ("do", "supplier_accept", "s13.jinguan", ACCEPT),
             ("do", "supplier_perform", "s13.jinguan", PROOF),
             ("do", "unit_acceptance", "wang.clerk", {"acceptance_decision": "REWORK", "acceptance_comment": "有坏点"}),
             ("do", "supplier_perform", "s13.jinguan", {"proof": "更换模组后验收单.pdf", "delivered_amount": 12000}),
             ("do", "unit_acceptance", "wang.clerk", GOOD)]
    _, data, status, open_tasks, _ = play_both(eng, clock, tmp_path, "service_purchase", LED, steps, "wang.clerk")
    assert status == "waiting" and open_tasks == ["settlement"] and data["delivery"]["amount"] == 12000.0


@pytest.mark.parametrize("name,start,steps,outcome", [
    ("head_rejects", LED, [("do", "unit_head_approval", "li.head", {"decision": "REJECT", "comment": "改用公物仓借用"})],
     "REJECTED"),
    ("too_few_suppliers", {"unit": "U07", "need": {"offerId": "SV02", "periods": 15}}, [], "CANCELLED"),
    ("formal_procurement", {"unit": "U06", "need": {"category": "C10", "description": "学校屋顶光伏",
                                                     "budget": 1500000}}, [], "FORMAL_PROCUREMENT"),
    ("quote_round_given_up", AIRCON, [("do", "collect_quotes", "zhao.center",
                                       {"quote_decision": "CANCEL", "quote_comment": "两家供应商未响应"})], "CANCELLED"),
])
def test_the_data_decides_where_a_purchase_ends(eng, clock, tmp_path, name, start, steps, outcome):
    starter = "wang.clerk" if start["unit"] == "U07" else "jjedu.clerk"
    _, data, status, _, _ = play_both(eng, clock, tmp_path, "service_purchase", start, steps, starter)
    assert status == "completed" and data["closing"]["status"] == outcome
    if name == "too_few_suppliers":                   # 15 days × 4,000 = 60,000 > 50,000: quotes, but only S13
        assert data["route"] == "QUOTES" and data["closing_reason"].startswith("成都提供该类服务（C04）的入驻供应商只有 1 家")


def test_a_need_that_cannot_be_priced_is_not_taken(eng, clock, tmp_path):
    with_users(eng)
    start = {"unit": "U90", "need": {"offerId": "SV08", "qty": 100}}         # local specialty, not as a canteen
    _, data, status, _, case = play_both(eng, clock, tmp_path, "service_purchase", start, [], "u90.clerk")
    assert status == "completed" and data["refusal"]["code"] == "NEED_INVALID"
    (notice,), _ = notices.for_principal(eng.db, eng.principal("u90.head"), case_id=case["id"])
    assert notice["body"] == "名优特产品仅供机关食堂采购，请由食堂单位申报"
    lemons_in_chengdu = eng.start_case("service_purchase", {"unit": "U07", "need": {"offerId": "SV08", "qty": 100,
                                                                                     "canteen": True}}, "wang.clerk")
    assert lemons_in_chengdu["data"]["refusal"]["message"] == "安岳柠檬（机关食堂配送） 的供应商不在成都提供服务"


def test_permanent_need_green_and_local_specialty_flags(eng, clock, tmp_path):
    """Other units, values and regions: a 12-month copier rental is a permanent need (reference: the new
    price); an LED retrofit is green; a 资阳 canteen buying 安岳柠檬 records its origin."""
    with_users(eng)
    copier = {"unit": "U06", "need": {"offerId": "SV03", "periods": 12, "startDate": "2026-02-01",
                                      "endDate": "2027-01-31"}}
    steps = [("do", "unit_head_approval", "jjedu.head", YES), ("do", "supplier_accept", "s06.tianfu", ACCEPT)]
    _, data, _, open_tasks, _ = play_both(eng, clock, tmp_path / "copier", "service_purchase", copier, steps,
                                          "jjedu.clerk")
    assert (data["pricing"]["need_kind"], data["pricing"]["reference"], data["award"]["amount"]) == (
        "PERMANENT", 38000.0, 7200.0)
    assert open_tasks == ["supplier_perform"]
    for unit, offer, qty, clerk, head, supplier, price in (
            ("U01", "SV06", 5, "u01.clerk", "u01.head", "s12.lvyuan", 43000),
            ("U90", "SV08", 500, "u90.clerk", "u90.head", "s10.anyue", 3900)):
        start = {"unit": unit, "need": {"offerId": offer, "qty": qty, "canteen": unit == "U90"}}
        case = eng.start_case("service_purchase", start, clerk)
        for name, user, answer in (("unit_head_approval", head, YES), ("supplier_accept", supplier, ACCEPT),
                                   ("supplier_perform", supplier, PROOF), ("unit_acceptance", clerk, GOOD),
                                   ("settlement", clerk, {"deal_price": price, "invoice_no": f"INV-{unit}"})):
            (task,) = [t for t in eng.inbox(user)[0] if t["case_id"] == case["id"] and t["name"] == name]
            case = eng.complete(task["id"], user, answer)["case"]
        assert case["status"] == "completed", case
    flags = flag_report(eng.db)
    assert flags["green"]["count"] == 1 and flags["green"]["saving"] == 57500 - 43000
    assert flags["localSpecialty"] == [{"originRegion": "资阳", "count": 1, "dealPrice": 3900.0, "reference": 5000.0,
                                        "saving": 1100.0}]


@pytest.fixture(autouse=True)
def _canteen(monkeypatch):
    """Every run (memory and engine) gets the 资阳 canteen unit as extra test data."""
    import tests.processes.order_harness as harness
    original = harness.prepare

    def prepare(db, extra=None):
        original(db, extra)
        with db.unit_of_work() as s:
            if s.get(Unit, "U90") is None:
                canteen_unit(s)
    monkeypatch.setattr(harness, "prepare", prepare)
