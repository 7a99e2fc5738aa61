"""调剂的运输与账务 (DOMAIN §2(c) C2 steps 6-8): the approved transfer ships (the asset IN_TRANSIT), the
receiving unit signs for it, and a finance-approved 调拨单 (transfer note) moves the title: the holder
writes the asset off (TRANSFERRED_OUT) and the receiving unit books a new card carrying the original
value. A transfer of part of a lot splits the lot first, so the rest stays in the warehouse.

Every function works on the caller's open session and never commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError, RefusalError

from . import reservations, service_orders
from .access import money, session_of
from .tables import Asset, Reservation, Warehouse
from .transfer_tables import TitleTransfer, TransferRequest
from .transfers import finance_bureau, region_of, request_of, request_view, unit_of


def _held(session: Session, case_id: str | None, asset_id: str) -> Reservation | None:
    return session.scalar(select(Reservation).where(Reservation.case_id == case_id, Reservation.asset_id == asset_id,
                                                    Reservation.state == "HELD").order_by(Reservation.id))


def _split(session: Session, asset: Asset, qty: int, case_id: str | None, now: datetime, note: str) -> Asset:
    """Take `qty` items out of the lot into a new asset row (id A024-1, A024-2 ...) with the same data."""
    n = session.scalar(select(func.count()).select_from(Asset).where(Asset.id.like(f"{asset.id}-%"))) + 1
    part = Asset(id=f"{asset.id}-{n}", name=asset.name, category_code=asset.category_code, qty=qty,
                 unit_value=asset.unit_value, year=asset.year, condition=asset.condition,
                 warehouse_id=asset.warehouse_id, status=asset.status, source=asset.source, low_value=asset.low_value)
    session.add(part)
    session.flush()
    asset.qty -= qty
    reservations.record(session, asset, asset.status, asset.status, qty, case_id, f"{note}：拆出 {qty} 件为 {part.id}",
                        now)
    reservations.record(session, part, None, part.status, qty, case_id, f"{note}：由 {asset.id} 拆出", now)
    return part


def ship(session: Session, *, case_id: str | None, now: datetime, request_no: str, order_id: int | None = None) -> dict:
    """The logistics order picked the asset up: the held items become IN_TRANSIT (the reservation is
    CONVERTED; a part of a lot is split off first) and the order is ACCEPTED."""
    row = request_of(session, request_no)
    if row.status == "IN_TRANSIT":            # a retried step
        return {**request_view(row), "shipped_asset": row.asset_id}
    if row.status != "APPROVED" or row.asset_id is None:
        raise RefusalError(f"调剂申请 {request_no} 当前为 {row.status}，不能发运", code="TRANSFER_STATE",
                           details={"status": row.status})
    asset = session.scalar(select(Asset).where(Asset.id == row.asset_id).with_for_update())
    held = _held(session, case_id, asset.id)
    if held is None:
        raise RefusalError(f"{asset.id} 没有为本调剂预留的数量（预留可能已释放）", code="NOT_AVAILABLE",
                           details={"assetId": asset.id})
    held.state, held.ended_at = "CONVERTED", now
    note = f"调剂 {request_no} 发运"
    moving = asset if held.qty >= asset.qty else _split(session, asset, held.qty, case_id, now, note)
    if moving is not asset and asset.status == "RESERVED" and reservations.held_qty(session, asset.id) < asset.qty:
        reservations.change_status(session, asset, "AVAILABLE", qty=asset.qty, case_id=case_id,
                                   note=f"{note}：余下 {asset.qty} 件仍可用", now=now)
    reservations.change_status(session, moving, "IN_TRANSIT", qty=moving.qty, case_id=case_id,
                               note=f"{note}，运往 {row.applicant_unit}", now=now)
    row.asset_id, row.status, row.updated_at = moving.id, "IN_TRANSIT", now
    if order_id is not None:
        service_orders.update(session, order_id=order_id, status="ACCEPTED", now=now, note=note)
    session.flush()
    return {**request_view(row), "shipped_asset": moving.id}


def return_damaged(session: Session, *, case_id: str | None, now: datetime, request_no: str, note: str,
                   order_id: int | None = None) -> dict:
    """Damaged on arrival: the asset goes back to the holder for re-inspection (INSPECTING) and the
    request ends RETURNED_DAMAGED; the title does not move."""
    row = request_of(session, request_no)
    asset = session.get(Asset, row.asset_id)
    if asset.status == "IN_TRANSIT":
        reservations.change_status(session, asset, "INSPECTING", qty=asset.qty, case_id=case_id,
                                   note=f"调剂 {request_no} 到货损坏，退回 {asset.warehouse_id} 复验：{note}", now=now)
    if order_id is not None:
        service_orders.update(session, order_id=order_id, status="DELIVERED", now=now, note="到货损坏，已退回")
    row.status, row.reason, row.updated_at = "RETURNED_DAMAGED", f"到货损坏：{note}", now
    session.flush()
    return request_view(row)


def _finance_approvals(approvals) -> list[dict]:
    if not isinstance(approvals, list):
        raise InvalidInputError("approvals 必须是审批记录列表", {"approvals": approvals})
    return [a for a in approvals if isinstance(a, dict)]


def complete(session: Session, *, key: str, case_id: str | None, now: datetime, request_no: str, approvals,
             order_id: int | None = None) -> dict:
    """Receipt signed: issue the 调拨单 (idempotent per key), write the asset off (TRANSFERRED_OUT) and
    book the receiving unit's card with the original value; the logistics order is DELIVERED."""
    existing = session.scalar(select(TitleTransfer).where(TitleTransfer.idempotency_key == key))
    if existing is not None:
        return title_view(existing)
    row = request_of(session, request_no)
    if row.status != "IN_TRANSIT":
        raise RefusalError(f"调剂申请 {request_no} 当前为 {row.status}，不能办理产权划转", code="TRANSFER_STATE",
                           details={"status": row.status})
    asset = session.scalar(select(Asset).where(Asset.id == row.asset_id).with_for_update())
    holder = session.get(Warehouse, asset.warehouse_id)
    from_region = region_of(session, holder.region_code)
    unit = unit_of(session, row.applicant_unit)
    to_region = region_of(session, unit.region_code)
    source = asset.id.rsplit("-", 1)[0] if "-" in asset.id else asset.id
    note = TitleTransfer(note_no=f"TMP-{key}"[:30], idempotency_key=key, case_id=case_id, request_id=row.id,
                         asset_id=asset.id, source_asset_id=source, qty=asset.qty, original_value=asset.unit_value,
                         from_warehouse=holder.id, from_region=from_region.code,
                         from_finance_bureau=holder.finance_bureau, to_unit=unit.id, to_region=to_region.code,
                         to_finance_bureau=finance_bureau(session, to_region), new_card_no="",
                         approvals=_finance_approvals(approvals), transferred_at=now)
    session.add(note)
    session.flush()
    note.note_no = f"DB{now:%Y%m%d}-{note.id:04d}"
    note.new_card_no = f"{unit.id}-{asset.id}-{note.id:04d}"
    reservations.change_status(session, asset, "TRANSFERRED_OUT", qty=asset.qty, case_id=case_id,
                               note=f"调拨单 {note.note_no}：从 {holder.name}（{from_region.name}）核销，"
                                    f"划入 {unit.name}（{to_region.name}）新卡片 {note.new_card_no}，"
                                    f"原值 {money(asset.unit_value):.2f} 元/件", now=now)
    row.status, row.updated_at = "COMPLETED", now
    if order_id is not None:
        service_orders.update(session, order_id=order_id, status="DELIVERED", now=now, note=f"调拨单 {note.note_no}")
    session.flush()
    return title_view(note)


def title_view(t: TitleTransfer) -> dict:
    return {"note_no": t.note_no, "case_id": t.case_id, "asset_id": t.asset_id, "source_asset_id": t.source_asset_id,
            "qty": t.qty, "original_value": money(t.original_value),
            "total_original_value": money(t.original_value * t.qty),
            "from_warehouse": t.from_warehouse, "from_region": t.from_region,
            "from_finance_bureau": t.from_finance_bureau, "to_unit": t.to_unit, "to_region": t.to_region,
            "to_finance_bureau": t.to_finance_bureau, "new_card_no": t.new_card_no, "approvals": t.approvals,
            "transferred_at": t.transferred_at.isoformat()}


# ------------------------------------------------------------------------------------------ reads
def title_transfers(db, *, asset_id: str | None = None, unit: str | None = None) -> list[dict]:
    """调拨单 (for an endpoint such as GET /api/v1/title-transfers?asset=A018&unit=U10), oldest first.
    `asset_id` matches the transferred row and the lot it was split from."""
    with session_of(db) as s:
        q = select(TitleTransfer).order_by(TitleTransfer.id)
        if asset_id:
            q = q.where((TitleTransfer.asset_id == asset_id) | (TitleTransfer.source_asset_id == asset_id))
        if unit:
            q = q.where(TitleTransfer.to_unit == unit)
        return [title_view(t) for t in s.scalars(q)]


def transfer_requests(db, *, unit: str | None = None, case_id: str | None = None,
                      status: str | None = None) -> list[dict]:
    """调剂申请 with status and the reason shown to the applicant (for GET /api/v1/transfers?unit=U10)."""
    with session_of(db) as s:
        q = select(TransferRequest).order_by(TransferRequest.id)
        if unit:
            q = q.where(TransferRequest.applicant_unit == unit)
        if case_id:
            q = q.where(TransferRequest.case_id == case_id)
        if status:
            q = q.where(TransferRequest.status == status)
        return [request_view(r) for r in s.scalars(q)]


def request_by_no(db, request_no: str) -> dict:
    with session_of(db) as s:
        row = s.scalar(select(TransferRequest).where(TransferRequest.request_no == request_no))
        if row is None:
            raise NotFoundError(f"调剂申请 {request_no} 不存在", {"request_no": request_no})
        return request_view(row)
