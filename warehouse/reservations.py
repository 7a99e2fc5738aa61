"""Reserving and releasing assets, the asset history, and unit blocks (overdue loans).

Every function works on the caller's open session and never commits: operators pass `ctx.session`, so the
writes commit with the case step. Every status change of an asset goes through `change_status`, which
appends an `AssetHistory` row.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError, RefusalError

from .access import money
from .tables import ASSET_STATUSES, Asset, AssetHistory, Reservation, Unit, UnitBlock

STATUS_NAMES = {"DECLARED": "已申报", "IN_TRANSIT_IN": "入仓运输中", "INSPECTING": "复验中", "AVAILABLE": "可用",
                "RESERVED": "已预留", "ON_LOAN": "借出中", "ON_RENT": "出租中", "IN_TRANSIT": "运输中",
                "UNDER_REPAIR": "维修中", "STOCKTAKE_FROZEN": "盘点冻结", "PENDING_DISPOSAL": "待处置",
                "DISPOSED": "已处置", "TRANSFERRED_OUT": "已调出", "MISSING": "缺失"}


def record(session: Session, asset: Asset, from_status: str | None, to_status: str, qty: int,
           case_id: str | None, note: str, now: datetime) -> None:
    session.add(AssetHistory(asset_id=asset.id, at=now, from_status=from_status, to_status=to_status, qty=qty,
                             case_id=case_id, note=note))


def change_status(session: Session, asset: Asset, to_status: str, *, qty: int, case_id: str | None,
                  note: str, now: datetime) -> None:
    if to_status not in ASSET_STATUSES:
        raise InvalidInputError(f"未知的资产状态：{to_status}", {"status": to_status})
    record(session, asset, asset.status, to_status, qty, case_id, note, now)
    asset.status = to_status


def held_qty(session: Session, asset_id: str) -> int:
    return session.scalar(select(func.coalesce(func.sum(Reservation.qty), 0))
                          .where(Reservation.asset_id == asset_id, Reservation.state == "HELD"))


def _requested(items) -> dict[str, int]:
    """{assetId: qty} from [{assetId, qty}], quantities of a repeated asset added up."""
    if not isinstance(items, list) or not items:
        raise InvalidInputError("items 必须是非空列表，每项含 assetId 和 qty", {"items": items})
    wanted: dict[str, int] = {}
    for item in items:
        asset_id = item.get("assetId") if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(asset_id, str) or isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise InvalidInputError("每项须含资产编号 assetId 和正整数数量 qty", {"item": item})
        wanted[asset_id] = wanted.get(asset_id, 0) + qty
    return wanted


def _lock_assets(session: Session, ids) -> dict[str, Asset]:
    """Row locks in id order on PostgreSQL (SQLite's writing transaction is already exclusive)."""
    assets = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_(sorted(ids)))
                                               .order_by(Asset.id).with_for_update())}
    missing = sorted(set(ids) - set(assets))
    if missing:
        raise NotFoundError(f"资产不存在：{'、'.join(missing)}", {"assetIds": missing})
    return assets


def _describe(reservations: list[Reservation], assets: dict[str, Asset]) -> dict:
    total = sum((assets[r.asset_id].unit_value * r.qty for r in reservations), Decimal(0))
    return {"reservations": [{"id": r.id, "assetId": r.asset_id, "name": assets[r.asset_id].name, "qty": r.qty,
                              "unitValue": money(assets[r.asset_id].unit_value),
                              "warehouseId": assets[r.asset_id].warehouse_id,
                              "expiresAt": r.expires_at.isoformat()} for r in reservations],
            "totalValue": money(total),
            "expiresAt": min(r.expires_at for r in reservations).isoformat() if reservations else None}


def reserve(session: Session, *, items, unit: str, case_id: str | None, now: datetime, hold_hours: int,
            idempotency_key: str | None = None) -> dict:
    """Hold the items for `unit` until now + hold_hours. All or nothing: a short item refuses the whole
    request with RefusalError STOCK_SHORT (NOT_AVAILABLE when an asset is not AVAILABLE at all; the reason
    names each item). An asset whose whole qty is held becomes RESERVED."""
    wanted = _requested(items)
    if session.get(Unit, unit) is None:
        raise NotFoundError(f"使用单位不存在：{unit}", {"unit": unit})
    if hold_hours is None or hold_hours <= 0:
        raise InvalidInputError("预留时长必须为正数（小时）", {"holdHours": hold_hours})
    assets = _lock_assets(session, wanted)
    if idempotency_key:
        done = list(session.scalars(select(Reservation).where(Reservation.idempotency_key == idempotency_key)
                                    .order_by(Reservation.id)))
        if done:
            return _describe(done, _lock_assets(session, {r.asset_id for r in done}))
    problems, short = [], []
    for asset_id, qty in wanted.items():
        asset = assets[asset_id]
        if asset.status != "AVAILABLE":
            problems.append(f"{asset.id} {asset.name} 当前状态为{STATUS_NAMES[asset.status]}，不可预留")
            continue
        free = asset.qty - held_qty(session, asset_id)
        if qty > free:
            problems.append(f"{asset.id} {asset.name} 可用数量不足：申请 {qty}，可用 {free}")
            short.append({"assetId": asset.id, "requested": qty, "available": free})
    if problems:
        # STOCK_SHORT when some quantity is short, NOT_AVAILABLE when only statuses stand in the way
        raise RefusalError("预留失败：" + "；".join(problems), code="STOCK_SHORT" if short else "NOT_AVAILABLE",
                           details={"problems": problems, "short": short})
    expires = now + timedelta(hours=hold_hours)
    made = []
    for asset_id, qty in wanted.items():
        asset = assets[asset_id]
        r = Reservation(asset_id=asset_id, qty=qty, unit_id=unit, case_id=case_id, created_at=now,
                        expires_at=expires, state="HELD", idempotency_key=idempotency_key)
        session.add(r)
        made.append(r)
        session.flush()
        note = f"为 {unit} 预留 {qty} 件，保留至 {expires.isoformat()}"
        if held_qty(session, asset_id) >= asset.qty:
            change_status(session, asset, "RESERVED", qty=qty, case_id=case_id, note=note, now=now)
        else:
            record(session, asset, asset.status, asset.status, qty, case_id, note, now)
    return _describe(made, assets)


def release(session: Session, *, case_id: str | None, now: datetime, asset_ids=None, reservation_ids=None,
            note: str = "释放预留") -> dict:
    """Release this case's HELD reservations (all, or those of `asset_ids` / `reservation_ids`).
    Releasing nothing is not an error (a retried step releases nothing the second time)."""
    stmt = select(Reservation).where(Reservation.state == "HELD").order_by(Reservation.id)
    if reservation_ids:
        stmt = stmt.where(Reservation.id.in_(reservation_ids))
    elif case_id is None:
        raise InvalidInputError("释放预留须指定案件或预留编号")
    else:
        stmt = stmt.where(Reservation.case_id == case_id)
    if asset_ids:
        stmt = stmt.where(Reservation.asset_id.in_(asset_ids))
    found = list(session.scalars(stmt.with_for_update()))
    assets = _lock_assets(session, {r.asset_id for r in found}) if found else {}
    for r in found:
        r.state, r.ended_at = "RELEASED", now
        asset = assets[r.asset_id]
        text = f"{note}：{r.qty} 件（{r.unit_id}）"
        if asset.status == "RESERVED":
            change_status(session, asset, "AVAILABLE", qty=r.qty, case_id=case_id, note=text, now=now)
        else:
            record(session, asset, asset.status, asset.status, r.qty, case_id, text, now)
    session.flush()
    return {"released": [{"id": r.id, "assetId": r.asset_id, "qty": r.qty} for r in found],
            "count": len(found)}


def release_expired(session: Session, *, now: datetime) -> dict:
    """Release every HELD reservation past its expiry (for a periodic job or a process timer)."""
    ids = list(session.scalars(select(Reservation.id).where(Reservation.state == "HELD",
                                                            Reservation.expires_at <= now)))
    if not ids:
        return {"released": [], "count": 0}
    return release(session, case_id=None, now=now, reservation_ids=ids, note="预留超时自动释放")


def unit_block_status(session: Session, unit: str) -> dict:
    found = session.get(Unit, unit)
    if found is None:
        raise NotFoundError(f"使用单位不存在：{unit}", {"unit": unit})
    block = session.scalar(select(UnitBlock).where(UnitBlock.unit_id == unit, UnitBlock.lifted_at.is_(None))
                           .order_by(UnitBlock.since))
    if block is None:
        return {"blocked": False, "reason": None, "since": None}
    return {"blocked": True, "reason": f"{found.name}：{block.reason}", "since": block.since.isoformat()}


def block_unit(session: Session, *, unit: str, reason: str, case_id: str | None, now: datetime) -> dict:
    if session.get(Unit, unit) is None:
        raise NotFoundError(f"使用单位不存在：{unit}", {"unit": unit})
    session.add(UnitBlock(unit_id=unit, reason=reason, since=now, case_id=case_id))
    session.flush()
    return unit_block_status(session, unit)


def lift_unit_blocks(session: Session, *, unit: str, case_id: str | None, now: datetime) -> dict:
    """Lift the unit's open blocks (all of them, or only those raised by `case_id`). The rows stay."""
    stmt = select(UnitBlock).where(UnitBlock.unit_id == unit, UnitBlock.lifted_at.is_(None))
    if case_id is not None:
        stmt = stmt.where(UnitBlock.case_id == case_id)
    lifted = list(session.scalars(stmt))
    for b in lifted:
        b.lifted_at = now
    session.flush()
    return {"lifted": len(lifted), **unit_block_status(session, unit)}
