"""Firing due timers. Each case is advanced in its own transaction, so one failing case blocks nobody."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..errors import ConflictError
from ..store.tables import Case, Timer
from .case_io import open_case, save_case


# A timer "due at T" fires once the clock has passed T: SpiffWorkflow compares `due < now` strictly, so a
# row is due when `due_at < now` (at exactly T the library would not fire it and the case would be loaded
# and saved for nothing on every tick).


def due_case_ids(eng, now: datetime, limit: int = 500) -> list[str]:
    with eng.db.unit_of_work(write=False) as s:
        q = (select(Timer.case_id).join(Case, Case.id == Timer.case_id)
             .where(Timer.due_at < now, Case.status.in_(("waiting", "running")))
             .group_by(Timer.case_id).order_by(Timer.case_id).limit(limit))
        return list(s.execute(q).scalars())


def lease_due_cases(eng, limit: int = 500) -> list[str]:
    """Take the cases whose timers are due, for a distributed runner: their due timer rows are leased
    for `lease_seconds` (SKIP LOCKED on PostgreSQL), so two dispatchers never hand out the same case and
    a case whose worker was lost is handed out again when the lease runs out."""
    now = eng.clock.now()
    with eng.db.unit_of_work() as s:
        q = (select(Timer).join(Case, Case.id == Timer.case_id)
             .where(Timer.due_at < now, (Timer.leased_until.is_(None)) | (Timer.leased_until < now),
                    Case.status.in_(("waiting", "running")))
             .order_by(Timer.due_at).limit(limit))
        if eng.db.dialect == "postgresql":
            q = q.with_for_update(of=Timer, skip_locked=True)
        rows = list(s.execute(q).scalars())
        until = now + timedelta(seconds=eng.settings.lease_seconds)
        for row in rows:
            row.leased_until = until
        return list(dict.fromkeys(row.case_id for row in rows))


def fire_case_timers(eng, case_id: str, now: datetime) -> int:
    """Refresh the timers of one case at `now` and run it on. Returns how many timers fired."""
    with eng.db.unit_of_work() as s:
        case, step = open_case(eng, s, case_id)
        step.now = now
        if case.status not in ("waiting", "running"):
            return 0
        due = list(s.execute(select(Timer).where(Timer.case_id == case_id, Timer.due_at < now)
                             .order_by(Timer.due_at)).scalars())
        for timer in due:   # a cycle fires without completing its task, so log from the rows
            step.log.events.append(("timer_fired", timer.element_id, {"due_at": timer.due_at.isoformat()}))
        step.run(step.refresh_timers)
        save_case(eng, s, case, step, None)
        return len(due)


def fire_due_timers(eng, now: datetime | None = None) -> int:
    """Fire every timer due at `now` (default: the clock). Never early; catches up after downtime."""
    now = now or eng.clock.now()
    fired = 0
    for case_id in due_case_ids(eng, now):
        try:
            fired += fire_case_timers(eng, case_id, now)
        except ConflictError:
            continue   # another writer holds the case: its save will record the timer again
    return fired
