"""入仓 (deposit, DOMAIN §2(a)) steps 5-8 (read side: `warehouse.deposit_views`): move (the unit delivers,
or a MOVING service order), arrival, offline re-inspection (count, grade A–D, tag), the deposit receipt (资产接收专用收据) with its custody mode,
and shelving: grade A/B → AVAILABLE in the catalogue, C → UNDER_REPAIR with a REPAIR order, D →
PENDING_DISPOSAL (for process (g)), nothing found → MISSING.

Asset statuses change only here and in `reservations.change_status`, each with a wh_asset_history row.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, RefusalError

from . import deposit_ledger, service_orders
from .deposit_views import SHELF_STATUS, lots_of, order_brief, receipt, shelved
from .deposits import get, lines_of
from .order_tables import Deposit, DepositLine, DepositLot, ServiceOffer
from .order_rules import DEFAULT_DEPOSIT_RULES, DepositRules
from .reservations import change_status, record
from .rules import DEFAULT_RULES
from .tables import CONDITIONS, Asset, ServiceOrder, Supplier, Unit, Warehouse


def next_asset_id(session: Session) -> str:
    ids = session.scalars(select(Asset.id).where(Asset.id.like("A%")))
    n = max((int(i[1:]) for i in ids if i[1:].isdigit()), default=0)
    return f"A{n + 1:03d}"


def _new_asset(session: Session, deposit: Deposit, line: DepositLine, *, qty: int, condition: str,
               status: str, note: str, case_id: str | None, now: datetime) -> Asset:
    name = f"{line.name}（{line.spec}）" if line.spec else line.name
    source = f"{deposit.reason or '入仓'}（卡片 {line.card_no}）"
    asset = Asset(id=next_asset_id(session), name=name[:200], category_code=line.category_code, qty=qty,
                  unit_value=line.original_value, year=line.purchase_date.year, condition=condition,
                  warehouse_id=deposit.warehouse_id, status=status, source=source[:100],
                  low_value=line.original_value < DEFAULT_RULES.fixed_asset_threshold_general)
    session.add(asset)
    session.flush()
    record(session, asset, None, status, qty, case_id, note, now)
    return asset


def register_assets(session: Session, deposit: Deposit, *, case_id: str | None, now: datetime) -> None:
    """One asset per declared card, in the target warehouse, status DECLARED (已申报，初审通过)."""
    for line in lines_of(session, deposit):
        if line.asset_id is None:
            asset = _new_asset(session, deposit, line, qty=line.qty, condition=line.self_condition,
                               status="DECLARED", note=f"入仓单 {deposit.id} 初审通过，卡片 {line.card_no}",
                               case_id=case_id, now=now)
            line.asset_id = asset.id
    session.flush()


def _assets(session: Session, deposit: Deposit) -> list[Asset]:
    ids = [line.asset_id for line in lines_of(session, deposit) if line.asset_id]
    return [session.get(Asset, i) for i in ids]


def _move_all(session, deposit, from_status, to_status, note, case_id, now) -> list[str]:
    moved = []
    for asset in _assets(session, deposit):
        if asset.status == from_status:
            change_status(session, asset, to_status, qty=asset.qty, case_id=case_id, note=note, now=now)
            moved.append(asset.id)
    return moved


def start_move(session: Session, *, key: str, deposit_id, delivery: str, supplier: str | None = None,
               trips: int = 1, now: datetime, case_id: str | None = None,
               rules: DepositRules = DEFAULT_DEPOSIT_RULES) -> dict:
    """The assets leave the unit (IN_TRANSIT_IN): delivered by the unit itself (SELF) or moved by a supplier
    under a MOVING service order priced at its listed rate (MOVING_SERVICE)."""
    deposit = get(session, deposit_id)
    if delivery not in ("SELF", "MOVING_SERVICE"):
        raise InvalidInputError("送仓方式须为 SELF 或 MOVING_SERVICE", {"delivery": delivery})
    order = None
    if deposit.status == "PRECHECKED":
        if delivery == "MOVING_SERVICE":
            order = _moving_order(session, key, deposit, supplier, trips, now, case_id, rules)
            deposit.moving_order_id = order["order_id"]
        wh = session.get(Warehouse, deposit.warehouse_id)
        how = f"{order['supplier']} 搬运（订单 {order['order_id']}）" if order else "单位自行送仓"
        _move_all(session, deposit, "DECLARED", "IN_TRANSIT_IN", f"运往{wh.name}：{how}", case_id, now)
        deposit.status = "IN_TRANSIT_IN"
    elif deposit.status != "IN_TRANSIT_IN":
        raise InvalidInputError(f"入仓单 {deposit.id} 当前不能安排送仓（{deposit.status}）")
    elif deposit.moving_order_id:
        order = order_brief(session.get(ServiceOrder, deposit.moving_order_id))
    session.flush()
    return {"deposit_id": deposit.id, "delivery": delivery, "order": order_brief(order),
            "assets": [a.id for a in _assets(session, deposit)]}




def _moving_order(session, key, deposit, supplier, trips, now, case_id, rules) -> dict:
    if not supplier or session.get(Supplier, supplier) is None:
        raise InvalidInputError("安排搬运须指定搬运供应商", {"supplier": supplier})
    if isinstance(trips, bool) or not isinstance(trips, int) or trips < 1:
        raise InvalidInputError("搬运趟数须为正整数", {"trips": trips})
    offer = session.scalars(select(ServiceOffer).where(ServiceOffer.supplier_id == supplier,
                                                       ServiceOffer.category_code == "C08",
                                                       ServiceOffer.active.is_(True))
                            .order_by(ServiceOffer.unit_price)).first()
    wh = session.get(Warehouse, deposit.warehouse_id)
    unit = session.get(Unit, deposit.unit_id)
    return service_orders.create(
        session, key=key, supplier=supplier, unit=deposit.unit_id, kind="MOVING", now=now, case_id=case_id,
        description=f"入仓搬运：{unit.name} → {wh.name}（入仓单 {deposit.id}）", qty=trips,
        unit_price=offer.unit_price if offer else None,
        reference=offer.market_price * trips if offer else None, due_in_hours=rules.moving_deadline_hours)


def receive(session: Session, *, deposit_id, trips: int | None = None, now: datetime,
            case_id: str | None = None) -> dict:
    """The assets arrive at the warehouse: INSPECTING; a moving order is delivered (its amount from the
    trips actually made at the listed rate)."""
    deposit = get(session, deposit_id)
    if deposit.status != "IN_TRANSIT_IN":
        raise InvalidInputError(f"入仓单 {deposit.id} 当前不在运输中（{deposit.status}）")
    order = None
    if deposit.moving_order_id:
        row = session.get(ServiceOrder, deposit.moving_order_id)
        amount = None
        if trips and row.unit_price is not None:
            amount = row.unit_price * int(trips)
        if row.status == "SUBMITTED":
            service_orders.update(session, order_id=row.id, status="ACCEPTED", now=now)
        order = service_orders.update(session, order_id=row.id, status="DELIVERED", now=now, amount=amount,
                                      note=f"实际 {trips} 趟" if trips else None)
    if deposit.arrived_at is None:
        deposit.arrived_at = now
        _move_all(session, deposit, "IN_TRANSIT_IN", "INSPECTING", "到仓，待线下复验", case_id, now)
    session.flush()
    return {"deposit_id": deposit.id, "arrived_at": deposit.arrived_at.isoformat(), "order": order_brief(order)}


def inspect(session: Session, *, deposit_id, lots, repair_supplier: str | None = None, now: datetime) -> dict:
    """Record the offline re-inspection: lots [{cardNo, qty, grade, tagNo?, note?}] (a card found in two
    grades is two lots; a card with no lot was not found). Differences from the declaration (quantity, or a
    grade worse than the unit's own) need the unit's confirmation. Re-inspecting replaces the lots."""
    deposit = get(session, deposit_id)
    if deposit.status not in ("IN_TRANSIT_IN", "INSPECTED") or deposit.arrived_at is None:
        raise InvalidInputError(f"入仓单 {deposit.id} 的资产尚未到仓（{deposit.status}）")
    lines = {line.card_no: line for line in lines_of(session, deposit)}
    problems = []
    if not isinstance(lots, list):
        lots = None
        problems.append("复验结果须为列表")
    parsed = []
    for lot in lots or []:
        card_no = lot.get("cardNo") if isinstance(lot, dict) else None
        qty = lot.get("qty") if isinstance(lot, dict) else None
        grade = lot.get("grade") if isinstance(lot, dict) else None
        if card_no not in lines:
            problems.append(f"卡片 {card_no} 不在本入仓单中")
        elif isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            problems.append(f"卡片 {card_no} 的清点数量须为正整数")
        elif grade not in CONDITIONS:
            problems.append(f"卡片 {card_no} 的成新等级须为 A、B、C、D 之一")
        else:
            parsed.append((lines[card_no], qty, grade, str(lot.get("tagNo") or "") or None, str(lot.get("note") or "")))
    if any(grade == "C" for _, _, grade, _, _ in parsed) and not (
            repair_supplier and session.get(Supplier, repair_supplier)):
        problems.append("有 C 级（需维修）资产，须指定维修供应商")
    if problems:
        raise RefusalError("复验结果有误：" + "；".join(problems), code="INSPECTION_INVALID",
                           details={"problems": problems})
    for old in session.scalars(select(DepositLot).where(DepositLot.line_id.in_([x.id for x in lines.values()]))):
        session.delete(old)
    session.flush()
    counted: dict[str, int] = {no: 0 for no in lines}
    for line, qty, grade, tag, note in parsed:
        session.add(DepositLot(line_id=line.id, qty=qty, grade=grade, tag_no=tag, note=note))
        counted[line.card_no] += qty
    differences = []
    for no, line in lines.items():
        line.counted_qty = counted[no]
        if counted[no] != line.qty:
            differences.append({"cardNo": no, "name": line.name, "kind": "QTY", "declared": line.qty,
                                "found": counted[no]})
        worse = sorted({g for ln, _, g, _, _ in parsed if ln is line and g > line.self_condition})
        if worse:
            differences.append({"cardNo": no, "name": line.name, "kind": "CONDITION",
                                "declared": line.self_condition, "found": worse})
    deposit.status, deposit.inspected_at = "INSPECTED", now
    session.flush()
    grades = {g: sum(q for _, q, gr, _, _ in parsed if gr == g) for g in CONDITIONS}
    return {"deposit_id": deposit.id, "has_differences": bool(differences), "differences": differences,
            "grades": grades, "repair_qty": grades["C"], "disposal_qty": grades["D"],
            "received_qty": sum(counted.values())}


def _receipt_no(session: Session, deposit: Deposit, now: datetime) -> str:
    prefix = f"ZCJS-{now.year}-{deposit.warehouse_id}-"
    issued = session.scalar(select(func.count()).select_from(Deposit)
                            .where(Deposit.receipt_no.like(prefix + "%")))
    return f"{prefix}{issued + 1:04d}"


def issue_receipt(session: Session, *, deposit_id, custody_mode: str, finance_decision: str | None = None,
                  now: datetime) -> dict:
    """资产接收专用收据. TRANSFER_TITLE (finance approved or filed): the unit writes the cards off its books;
    CUSTODY_ONLY, or a title transfer finance did not approve: the cards stay on the unit's books."""
    deposit = get(session, deposit_id)
    if deposit.status != "INSPECTED":
        raise InvalidInputError(f"入仓单 {deposit.id} 尚未完成复验（{deposit.status}）")
    if deposit.receipt_no is None:
        mode = custody_mode
        if mode == "TRANSFER_TITLE" and finance_decision == "REJECT":
            mode = "CUSTODY_ONLY"
        deposit.custody_mode, deposit.finance_decision = mode, finance_decision
        deposit.receipt_no, deposit.receipt_at = _receipt_no(session, deposit, now), now
        for line in lines_of(session, deposit):
            card = deposit_ledger.card(session, deposit.unit_id, line.card_no)
            if card is not None and (line.counted_qty or 0) > 0:
                card.status = "DEPOSITED"
                card.on_books = mode != "TRANSFER_TITLE"
        session.flush()
    return receipt(session, deposit)






def publish(session: Session, *, key: str, deposit_id, repair_supplier: str | None = None, now: datetime,
            case_id: str | None = None) -> dict:
    """Shelve every lot as an asset with its tag: A/B AVAILABLE (in the catalogue), C UNDER_REPAIR with one
    REPAIR order for all of them, D PENDING_DISPOSAL; a card with nothing found becomes MISSING."""
    deposit = get(session, deposit_id)
    if deposit.status == "SHELVED":
        return shelved(session, deposit)
    if deposit.status != "INSPECTED" or deposit.receipt_no is None:
        raise InvalidInputError(f"入仓单 {deposit.id} 尚未开具接收收据（{deposit.status}）")
    wh = session.get(Warehouse, deposit.warehouse_id)
    repairs: list[DepositLot] = []
    for line in lines_of(session, deposit):
        first = session.get(Asset, line.asset_id)
        lots = lots_of(session, line)
        if not lots:
            first.qty = 0
            change_status(session, first, "MISSING", qty=0, case_id=case_id, now=now,
                          note=f"复验未见实物（申报 {line.qty}{line.uom}）")
            continue
        for i, lot in enumerate(lots):
            if i == 0:
                asset = first
                asset.qty, asset.condition = lot.qty, lot.grade
            else:
                asset = _new_asset(session, deposit, line, qty=lot.qty, condition=lot.grade, status="INSPECTING",
                                   note=f"复验分拣自 {first.id}（{lot.grade} 级）", case_id=case_id, now=now)
            lot.asset_id = asset.id
            lot.tag_no = lot.tag_no or f"{wh.id}-{asset.id}"
            change_status(session, asset, SHELF_STATUS[lot.grade], qty=lot.qty, case_id=case_id, now=now,
                          note=f"复验 {lot.grade} 级，在仓标识 {lot.tag_no}，接收收据 {deposit.receipt_no}")
            if lot.grade == "C":
                repairs.append(lot)
    if repairs:
        if not repair_supplier:
            raise InvalidInputError("有 C 级资产须指定维修供应商")
        names = "、".join(f"{lot.asset_id}×{lot.qty}" for lot in repairs)
        order = service_orders.create(session, key=f"{key}:repair", supplier=repair_supplier, unit=deposit.unit_id,
                                      kind="REPAIR", now=now, case_id=case_id, qty=sum(lot.qty for lot in repairs),
                                      description=f"入仓复验 C 级资产修复利用：{names}（{wh.name}）")
        for lot in repairs:
            lot.repair_order_id = order["order_id"]
    if deposit.moving_order_id:
        row = session.get(ServiceOrder, deposit.moving_order_id)
        if row.status == "DELIVERED":
            service_orders.update(session, order_id=row.id, status="SETTLED", now=now)
    deposit.status, deposit.closed_at = "SHELVED", now
    session.flush()
    return shelved(session, deposit)




def finish_repair(session: Session, *, deposit_id, amount=None, now: datetime, case_id: str | None = None) -> dict:
    """The repair supplier is done: the repaired assets become AVAILABLE (grade B), the order is settled."""
    deposit = get(session, deposit_id)
    lots = [lot for line in lines_of(session, deposit) for lot in lots_of(session, line) if lot.repair_order_id]
    if not lots:
        raise InvalidInputError(f"入仓单 {deposit.id} 没有维修订单")
    row = session.get(ServiceOrder, lots[0].repair_order_id)
    for before, after in (("SUBMITTED", "ACCEPTED"), ("ACCEPTED", "DELIVERED"), ("DELIVERED", "SETTLED")):
        if row.status == before:
            service_orders.update(session, order_id=row.id, status=after, now=now,
                                  amount=amount if after != "ACCEPTED" else None)
    repaired = []
    for lot in lots:
        asset = session.get(Asset, lot.asset_id)
        if asset.status == "UNDER_REPAIR":
            asset.condition = "B"
            change_status(session, asset, "AVAILABLE", qty=asset.qty, case_id=case_id, now=now,
                          note=f"修复完成（维修订单 {row.id}），上架")
        repaired.append(asset.id)
    session.flush()
    return {"deposit_id": deposit.id, "repaired": repaired, "order": order_brief(row)}
