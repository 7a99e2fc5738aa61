"""预留超时释放 (reservation expiry), run hourly by the `reservation_expiry` process's timer start event.

A reservation is held for `reservation.hold` (48 h) [A]. It lapses when its hold has passed and nothing
is still working on it: it belongs to no case, or its case has ended (completed, cancelled) or stopped on
an incident. A reservation of a case still running is left to that case, whose own deadlines (pickup
within 5 working days, approval SLAs) release it — releasing assets under a loan being approved would
hand them to someone else mid-approval.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from engine.store.tables import Case

from .reservations import release
from .tables import Reservation

ACTIVE = ("running", "waiting")


def lapsed_ids(session, now: datetime) -> list[int]:
    active = select(Case.id).where(Case.status.in_(ACTIVE))
    return list(session.scalars(
        select(Reservation.id).where(Reservation.state == "HELD", Reservation.expires_at <= now,
                                     or_(Reservation.case_id.is_(None), Reservation.case_id.not_in(active)))
        .order_by(Reservation.id)))


def release_lapsed(session, *, now: datetime) -> dict:
    ids = lapsed_ids(session, now)
    if not ids:
        return {"released": [], "count": 0}
    return release(session, case_id=None, now=now, reservation_ids=ids, note="预留超时自动释放")
