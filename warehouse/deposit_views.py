"""The read side of 入仓 (deposit): the deposit receipt (资产接收专用收据) as issued, what was shelved, and a
deposit with its lines and lots as the unit and the warehouse follow it; order summaries for case data."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import money, session_of
from .deposits import describe, get, lines_of
from .order_tables import Deposit, DepositLine, DepositLot
from .tables import Asset, ServiceOrder, Unit, Warehouse

SHELF_STATUS = {"A": "AVAILABLE", "B": "AVAILABLE", "C": "UNDER_REPAIR", "D": "PENDING_DISPOSAL"}


def order_brief(order) -> dict | None:
    """An order as the case shows it (no case id or timestamps of the write, so reruns compare equal)."""
    if order is None:
        return None
    if isinstance(order, ServiceOrder):
        return {"order_id": order.id, "supplier": order.supplier_id, "kind": order.kind, "qty": order.qty,
                "unit_price": None if order.unit_price is None else money(order.unit_price),
                "amount": None if order.amount is None else money(order.amount), "status": order.status,
                "due_at": order.due_at.isoformat() if order.due_at else None}
    return {k: order[k] for k in ("order_id", "supplier", "kind", "qty", "unit_price", "amount", "status",
                                  "due_at")}


def receipt(session: Session, deposit: Deposit) -> dict:
    unit = session.get(Unit, deposit.unit_id)
    wh = session.get(Warehouse, deposit.warehouse_id)
    lines = [line for line in lines_of(session, deposit) if (line.counted_qty or 0) > 0]
    rows = [{"cardNo": line.card_no, "name": line.name, "uom": line.uom, "declaredQty": line.qty,
             "receivedQty": line.counted_qty, "originalValue": money(line.original_value * line.counted_qty),
             "netValue": money(line.net_value * line.counted_qty)} for line in lines]
    return {"receipt_no": deposit.receipt_no, "issued_at": deposit.receipt_at.isoformat(),
            "deposit_id": deposit.id, "unit": unit.id, "unit_name": unit.name, "warehouse_id": wh.id,
            "warehouse_name": wh.name, "custody_mode": deposit.custody_mode,
            "title_transferred": deposit.custody_mode == "TRANSFER_TITLE", "lines": rows,
            "total_original_value": money(sum((Decimal(str(r["originalValue"])) for r in rows), Decimal(0))),
            "total_net_value": money(sum((Decimal(str(r["netValue"])) for r in rows), Decimal(0)))}


def lots_of(session: Session, line: DepositLine) -> list[DepositLot]:
    return list(session.scalars(select(DepositLot).where(DepositLot.line_id == line.id).order_by(DepositLot.id)))


def shelved(session: Session, deposit: Deposit) -> dict:
    result = {"deposit_id": deposit.id, "receipt_no": deposit.receipt_no, "available": [], "under_repair": [],
              "pending_disposal": [], "missing": [], "repair_order": None}
    bucket = {"AVAILABLE": "available", "UNDER_REPAIR": "under_repair", "PENDING_DISPOSAL": "pending_disposal"}
    for line in lines_of(session, deposit):
        lots = lots_of(session, line)
        if not lots:
            result["missing"].append({"assetId": line.asset_id, "cardNo": line.card_no, "qty": line.qty})
        for lot in lots:
            asset = session.get(Asset, lot.asset_id)
            result[bucket[SHELF_STATUS[lot.grade]]].append(
                {"assetId": asset.id, "name": asset.name, "qty": lot.qty, "condition": lot.grade,
                 "tagNo": lot.tag_no, "status": asset.status})
            if lot.repair_order_id and result["repair_order"] is None:
                row = session.get(ServiceOrder, lot.repair_order_id)
                result["repair_order"] = {"order_id": row.id, "supplier": row.supplier_id, "qty": row.qty,
                                          "status": row.status}
    return result


def deposit_view(db, deposit_id) -> dict:
    """A deposit with its lines, lots and receipt, as the unit and the warehouse follow it (read side)."""
    with session_of(db) as session:
        deposit = get(session, deposit_id)
        view = describe(session, deposit)
        view.pop("rules", None)
        view.update({"warehouse_id": deposit.warehouse_id, "custody_mode": deposit.custody_mode,
                     "precheck_decision": deposit.precheck_decision, "precheck_note": deposit.precheck_note,
                     "receipt": receipt(session, deposit) if deposit.receipt_no else None,
                     "lots": [{"cardNo": line.card_no, "assetId": lot.asset_id, "qty": lot.qty,
                               "grade": lot.grade, "tagNo": lot.tag_no}
                              for line in lines_of(session, deposit) for lot in lots_of(session, line)]})
        return view
