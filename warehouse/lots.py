"""Lots (批次): a wh_assets row is a lot of identical items with ONE status. When part of a lot has to take
another status than the rest (40 of 60 chairs lent, 1 of 10 laptops back damaged), that part is split off
into a lot of its own: same name, category, value, year, condition, warehouse and source, id
`<lot>-<n>` (A002-1, A002-2...; a part of a part is numbered on from the first lot), with a history row on both lots saying where the items went.

Split lots are kept for good (never merged back): each keeps its own history, and the catalogue lists it
as its own line, so 20 + 40 chairs show as A002 and A002-1 once the loan is back.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .reservations import change_status, record
from .tables import Asset


def _next_id(session: Session, parent: Asset) -> str:
    root = re.sub(r"(-\d+)+$", "", parent.id)       # a part of A009-1 is A009-2, not A009-1-1
    taken = set(session.scalars(select(Asset.id).where(Asset.id.like(f"{root}-%"))))
    n = session.scalar(select(func.count()).select_from(Asset).where(Asset.id.like(f"{root}-%"))) + 1
    while f"{root}-{n}" in taken:
        n += 1
    return f"{root}-{n}"


def take(session: Session, lot: Asset, qty: int, to_status: str, *, case_id: str | None, note: str,
         now: datetime) -> Asset:
    """`qty` items of `lot` move to `to_status`: the lot itself when that is all of it, else a new lot split
    off it. Returns the lot that now holds those items."""
    if qty >= lot.qty:
        change_status(session, lot, to_status, qty=lot.qty, case_id=case_id, note=note, now=now)
        return lot
    child = Asset(id=_next_id(session, lot), name=lot.name, category_code=lot.category_code, qty=qty,
                  unit_value=lot.unit_value, year=lot.year, condition=lot.condition,
                  warehouse_id=lot.warehouse_id, status=to_status, source=f"拆分自 {lot.id}（{lot.source}）"[:100],
                  low_value=lot.low_value)
    session.add(child)
    lot.qty -= qty
    session.flush()
    record(session, lot, lot.status, lot.status, qty, case_id, f"{note}：拆出 {qty} 件为批次 {child.id}", now)
    record(session, child, None, to_status, qty, case_id, f"{note}：自批次 {lot.id} 拆出 {qty} 件", now)
    return child
