"""入仓 (deposit, DOMAIN §2(a)) steps 1-4: the online declaration checked against the unit's ledger, the
routing to a warehouse, the online pre-check and the ways a declaration ends early. Steps 5-8 (move,
re-inspection, receipt, shelving) are in `warehouse.deposit_intake`.

Every function works on the caller's open session and never commits. Asset rows are created when the
pre-check accepts a declaration (status DECLARED, one per declared card); a declaration refused, returned
or withdrawn before that leaves no asset behind. Refusals a process routes on raise RefusalError:
DECLARATION_INVALID (details.problems: one entry per card with a code) and CONFIDENTIAL_NOT_WIPED.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError, RefusalError

from . import deposit_ledger
from .access import money
from .order_rules import DEFAULT_DEPOSIT_RULES, DepositRules
from .order_tables import CUSTODY_MODES, Deposit, DepositLine
from .tables import CONDITIONS, Region, Unit, Warehouse

OPEN = ("SUBMITTED", "RETURNED_FOR_FIX", "PRECHECKED", "IN_TRANSIT_IN", "INSPECTED")
PRECHECK_DECISIONS = ("ACCEPT", "RETURN_FOR_FIX", "REJECT", "REDIRECT_DISPOSAL")
HOLDER_ROLES = {"MAIN": "CENTER_OPERATOR", "BRANCH": "BRANCH_KEEPER", "PARTNER": "BRANCH_KEEPER"}
PROBLEM_NAMES = {"BAD_ITEM": "申报信息不完整", "NOT_ON_BOOKS": "不在账", "DUPLICATE_CARD": "重复申报",
                 "QTY_EXCEEDS": "数量超过账面", "VALUE_MISMATCH": "与账面不符"}


def get(session: Session, deposit_id) -> Deposit:
    deposit = session.get(Deposit, int(deposit_id)) if deposit_id is not None else None
    if deposit is None:
        raise NotFoundError(f"入仓单 {deposit_id} 不存在", {"deposit_id": deposit_id})
    return deposit


def lines_of(session: Session, deposit: Deposit) -> list[DepositLine]:
    return list(session.scalars(select(DepositLine).where(DepositLine.deposit_id == deposit.id)
                                .order_by(DepositLine.line_no)))


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() and amount >= 0 else None


def _parse_item(item) -> tuple[dict | None, str | None]:
    """The declared card as typed values, or (None, what is wrong)."""
    if not isinstance(item, dict):
        return None, "每项须为资产卡片信息"
    card_no = item.get("cardNo")
    qty = item.get("qty")
    original, net = _decimal(item.get("originalValue")), _decimal(item.get("netValue"))
    if not isinstance(card_no, str) or not card_no.strip():
        return None, "缺少卡片编号 cardNo"
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        return None, "数量 qty 须为正整数"
    if original is None or net is None or net > original:
        return None, "原值、净值须为非负金额，且净值不大于原值"
    if item.get("selfCondition") not in CONDITIONS:
        return None, "自评成新 selfCondition 须为 A、B、C、D 之一"
    try:
        bought = date.fromisoformat(str(item.get("purchaseDate"))[:10])
    except ValueError:
        return None, "购置日期 purchaseDate 须为日期（如 2023-03-15）"
    for name in ("categoryCode", "name", "uom"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            return None, f"缺少 {name}"
    photos = item.get("photos") or []
    return {"card_no": card_no.strip(), "category_code": item["categoryCode"], "name": item["name"].strip(),
            "spec": str(item.get("spec") or ""), "qty": qty, "uom": item["uom"], "original_value": original,
            "net_value": net, "purchase_date": bought, "self_condition": item["selfCondition"],
            "location": str(item.get("location") or ""), "reason": str(item.get("reason") or ""),
            "secret_flag": bool(item.get("secretFlag", False)), "wiped": bool(item.get("wiped", False)),
            "photos": [str(p) for p in photos] if isinstance(photos, list) else []}, None


def _check_card(session: Session, unit: str, parsed: dict, seen: set[str]) -> tuple[str, str] | None:
    """(code, message) when the card may not be declared, else None."""
    no = parsed["card_no"]
    if no in seen:
        return "DUPLICATE_CARD", f"卡片 {no} 在本次申报中重复出现"
    seen.add(no)
    card = deposit_ledger.card(session, unit, no)
    if card is None or not card.on_books:
        return "NOT_ON_BOOKS", f"卡片 {no} 不在本单位资产账上（未在账或已核销）"
    if card.status in ("DECLARED", "DEPOSITED"):
        other = session.scalar(select(Deposit.id).join(DepositLine, DepositLine.deposit_id == Deposit.id)
                               .where(DepositLine.card_no == no, Deposit.unit_id == unit,
                                      Deposit.status.not_in(("REJECTED", "CANCELLED", "WITHDRAWN",
                                                             "REDIRECTED_DISPOSAL"))))
        return "DUPLICATE_CARD", f"卡片 {no} 已在入仓单 {other} 中申报或已入仓"
    if parsed["qty"] > card.qty:
        return "QTY_EXCEEDS", f"卡片 {no} 申报数量 {parsed['qty']} 超过账面数量 {card.qty}"
    if (parsed["category_code"] != card.category_code or parsed["original_value"] != card.original_value
            or parsed["net_value"] != card.net_value):
        return "VALUE_MISMATCH", (f"卡片 {no} 的类别或原值、净值与账面不符（账面：{card.category_code}，"
                                  f"原值 {money(card.original_value)}，净值 {money(card.net_value)}）")
    return None


def _release_cards(session: Session, deposit: Deposit) -> None:
    for line in lines_of(session, deposit):
        card = deposit_ledger.card(session, deposit.unit_id, line.card_no)
        if card is not None and card.status == "DECLARED":
            card.status = "IDLE" if card.idle_since else "IN_USE"


def declare(session: Session, *, key: str, unit: str, items, now: datetime, case_id: str | None = None,
            reason: str = "", need_moving: bool = False, custody_mode: str | None = None, deposit_id=None,
            rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> dict:
    """Check a declaration card by card and record it (a new deposit, or the fixed one `deposit_id`).
    Every card must be on the unit's books, declared once, within its booked quantity and values."""
    unit_row = session.get(Unit, unit)
    if unit_row is None:
        raise NotFoundError(f"单位 {unit} 不存在", {"unit": unit})
    if custody_mode not in (None, "", *CUSTODY_MODES):
        raise InvalidInputError(f"保管方式须为 {'/'.join(CUSTODY_MODES)}", {"custodyMode": custody_mode})
    done = session.scalar(select(Deposit).where(Deposit.idempotency_key == key))
    if done is not None:
        return describe(session, done, rules, now)
    if deposit_id is not None:
        deposit = get(session, deposit_id)
        if deposit.status not in ("SUBMITTED", "RETURNED_FOR_FIX"):
            raise InvalidInputError(f"入仓单 {deposit.id} 当前不能修改（{deposit.status}）")
        _release_cards(session, deposit)
        for line in lines_of(session, deposit):
            session.delete(line)
        session.flush()
    if not isinstance(items, list) or not items:
        raise RefusalError("入仓申报至少要有一张资产卡片", code="DECLARATION_INVALID",
                           details={"problems": [{"cardNo": None, "code": "BAD_ITEM", "message": "没有申报资产"}],
                                    "rules": rules.for_case()})
    problems, parsed_items, seen = [], [], set()
    for item in items:
        parsed, error = _parse_item(item)
        if error:
            card_no = item.get("cardNo") if isinstance(item, dict) else None
            problems.append({"cardNo": card_no, "code": "BAD_ITEM", "message": error})
            continue
        found = _check_card(session, unit, parsed, seen)
        if found:
            problems.append({"cardNo": parsed["card_no"], "code": found[0], "message": found[1]})
        parsed_items.append(parsed)
    if problems:
        raise RefusalError("入仓申报未通过核验：" + "；".join(p["message"] for p in problems),
                           code="DECLARATION_INVALID", details={"problems": problems, "rules": rules.for_case()})
    deadline = deposit_ledger.return_deadline(session, unit, rules)
    if deposit_id is None:
        deposit = Deposit(case_id=case_id, unit_id=unit, status="SUBMITTED", submitted_at=now)
        session.add(deposit)
    deposit.idempotency_key = key
    deposit.reason, deposit.need_moving = str(reason or ""), bool(need_moving)
    deposit.custody_mode = custody_mode or None
    deposit.return_deadline = deadline
    deposit.status = "SUBMITTED"
    session.flush()
    for n, parsed in enumerate(parsed_items, start=1):
        card = deposit_ledger.card(session, unit, parsed["card_no"])
        parsed["secret_flag"] = parsed["secret_flag"] or card.secret_flag      # the ledger's flag counts
        session.add(DepositLine(deposit_id=deposit.id, line_no=n, **parsed))
        card.status = "DECLARED"
    session.flush()
    return describe(session, deposit, rules, now)


def describe(session: Session, deposit: Deposit, rules: DepositRules = DEFAULT_DEPOSIT_RULES,
             now: datetime | None = None) -> dict:
    unit = session.get(Unit, deposit.unit_id)
    region = session.get(Region, unit.region_code)
    lines = lines_of(session, deposit)
    today = (now or deposit.submitted_at).date()
    idle_due = []
    for line in lines:
        card = deposit_ledger.card(session, deposit.unit_id, line.card_no)
        if card is not None and deposit_ledger.idle_due(card, today, rules):
            idle_due.append(line.card_no)
    unwiped = [line.card_no for line in lines if line.secret_flag and not line.wiped
               and line.category_code in rules.confidential_wipe_categories]
    return {"deposit_id": deposit.id, "status": deposit.status, "unit": unit.id, "unit_name": unit.name,
            "unit_region": region.name, "region_level": region.level, "temporary": unit.temporary,
            "has_supervisor": unit.supervising_dept is not None, "supervising_dept": unit.supervising_dept,
            "line_count": len(lines), "item_count": sum(line.qty for line in lines),
            "total_original_value": money(sum((line.original_value * line.qty for line in lines), Decimal(0))),
            "total_net_value": money(sum((line.net_value * line.qty for line in lines), Decimal(0))),
            "confidential_unwiped": unwiped, "idle_due_cards": idle_due,
            "return_deadline": deposit.return_deadline.isoformat() if deposit.return_deadline else None,
            "return_overdue": bool(deposit.return_deadline and deposit.return_deadline < today),
            "lines": [{"cardNo": line.card_no, "name": line.name, "qty": line.qty, "uom": line.uom,
                       "originalValue": money(line.original_value), "selfCondition": line.self_condition,
                       "secretFlag": line.secret_flag} for line in lines],
            "rules": rules.for_case()}


def assign_warehouse(session: Session, *, deposit_id, holder_level: str, custody_mode: str) -> dict:
    """DOMAIN §2(a) routing (decided by the deposit_routing DMN table): MAIN = the city's main warehouse,
    BRANCH / PARTNER = the warehouse of the unit's own region."""
    deposit = get(session, deposit_id)
    if holder_level not in HOLDER_ROLES:
        raise InvalidInputError(f"仓库层级须为 {'/'.join(HOLDER_ROLES)}", {"holder_level": holder_level})
    if custody_mode not in CUSTODY_MODES:
        raise InvalidInputError(f"保管方式须为 {'/'.join(CUSTODY_MODES)}", {"custody_mode": custody_mode})
    unit = session.get(Unit, deposit.unit_id)
    unit_region = session.get(Region, unit.region_code)
    q = select(Warehouse).where(Warehouse.level == holder_level).order_by(Warehouse.id)
    if holder_level == "MAIN":
        city_regions = select(Region.code).where(Region.city == unit_region.city)
        q = q.where(Warehouse.region_code.in_(city_regions))
    else:
        q = q.where(Warehouse.region_code == unit.region_code)
    warehouse = session.scalars(q).first()
    if warehouse is None:
        raise NotFoundError(f"{unit_region.name}没有可入仓的{holder_level}仓库", {"unit": unit.id})
    deposit.warehouse_id, deposit.custody_mode = warehouse.id, custody_mode
    session.flush()
    return {"warehouse_id": warehouse.id, "warehouse_name": warehouse.name, "holder_level": holder_level,
            "holder_role": HOLDER_ROLES[holder_level],
            "holder_region": session.get(Region, warehouse.region_code).name,
            "finance_scope": unit_region.name, "custody_mode": custody_mode}


def record_precheck(session: Session, *, deposit_id, decision: str, note: str = "", now: datetime,
                    case_id: str | None = None, rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> dict:
    """The warehouse's online pre-check (线上初审). ACCEPT books the declared cards in as assets of the
    target warehouse in status DECLARED; REJECT and REDIRECT_DISPOSAL end the declaration and give the
    cards back to the unit; RETURN_FOR_FIX waits for the unit's corrections."""
    from . import deposit_intake
    deposit = get(session, deposit_id)
    if decision not in PRECHECK_DECISIONS:
        raise InvalidInputError(f"初审结论须为 {'/'.join(PRECHECK_DECISIONS)}", {"decision": decision})
    target = {"ACCEPT": "PRECHECKED", "RETURN_FOR_FIX": "RETURNED_FOR_FIX", "REJECT": "REJECTED",
              "REDIRECT_DISPOSAL": "REDIRECTED_DISPOSAL"}[decision]
    if deposit.status == target and deposit.precheck_decision == decision:
        return _precheck_result(session, deposit)                  # a retried step
    if deposit.status != "SUBMITTED":
        raise InvalidInputError(f"入仓单 {deposit.id} 当前不在待初审状态（{deposit.status}）")
    if decision == "ACCEPT":
        unwiped = describe(session, deposit, rules, now)["confidential_unwiped"]
        if unwiped:
            raise RefusalError(f"涉密信息设备须先脱密（数据清除）方可入仓：{'、'.join(unwiped)}",
                               code="CONFIDENTIAL_NOT_WIPED", details={"cards": unwiped})
    deposit.status, deposit.precheck_decision, deposit.precheck_note = target, decision, str(note or "")
    if decision == "ACCEPT":
        deposit_intake.register_assets(session, deposit, case_id=case_id, now=now)
    elif decision in ("REJECT", "REDIRECT_DISPOSAL"):
        _release_cards(session, deposit)
        deposit.closed_at = now
    session.flush()
    return _precheck_result(session, deposit)


def _precheck_result(session: Session, deposit: Deposit) -> dict:
    lines = lines_of(session, deposit)
    result = {"deposit_id": deposit.id, "status": deposit.status, "decision": deposit.precheck_decision,
              "assets": [line.asset_id for line in lines if line.asset_id]}
    if deposit.status == "REDIRECTED_DISPOSAL":
        result["disposal_referral"] = [{"unit": deposit.unit_id, "cardNo": line.card_no, "name": line.name,
                                        "qty": line.qty, "originalValue": money(line.original_value)}
                                       for line in lines]
    return result


def end_early(session: Session, *, deposit_id, status: str, note: str = "", now: datetime) -> dict:
    """Close a declaration before any asset moved: CANCELLED (not fixed in time), WITHDRAWN (the unit head
    or the supervising department did not sign), REJECTED (refused by the system's pre-check)."""
    if status not in ("CANCELLED", "WITHDRAWN", "REJECTED"):
        raise InvalidInputError("只能撤销、退回或驳回尚未入库的入仓单", {"status": status})
    deposit = get(session, deposit_id)
    if deposit.status == status:
        return {"deposit_id": deposit.id, "status": deposit.status}
    if deposit.status not in ("SUBMITTED", "RETURNED_FOR_FIX"):
        raise InvalidInputError(f"入仓单 {deposit.id} 已在办理中（{deposit.status}），不能结束")
    _release_cards(session, deposit)
    deposit.status, deposit.closed_at = status, now
    if note:
        deposit.precheck_note = str(note)
    if status == "REJECTED":
        deposit.precheck_decision = "REJECT"
    session.flush()
    return {"deposit_id": deposit.id, "status": deposit.status}
