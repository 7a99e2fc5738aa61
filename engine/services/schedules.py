"""Timer start events: a deployed version with `<startEvent><timerEventDefinition>` starts cases by itself.

timeDate starts one case at that date; timeDuration one case that long after the deploy; timeCycle
(`R3/PT1H`, `R/P1D`, `R2/2026-01-05T09:00:00+08:00/P1D`) one case per cycle. After downtime a date or a
counted cycle (R3) catches up one start per missed run; an endless cycle (R/) starts once and resumes
at its next future run. A new version of the
process replaces the old version's schedule. Each start happens once: the schedule row is locked
(SKIP LOCKED on PostgreSQL), the case is started and the row advanced in one transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                               DurationTimerEventDefinition,
                                                               TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import delete, select

from ..store.tables import ProcessVersion, Schedule

SYSTEM_ACTOR = "system"


def timer_start_events(spec) -> list:
    return [ts for ts in spec.task_specs.values()
            if isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None), TimerEventDefinition)]


def plan(eng, spec, now: datetime) -> list[tuple[str, datetime, int, float | None]]:
    """(element id, first due, starts, interval seconds) for each timer start event of `spec`."""
    rows = []
    for ts in timer_start_events(spec):
        definition = ts.event_definition
        text = eng.sandbox.evaluate(definition.expression, {})
        if isinstance(definition, CycleTimerEventDefinition):
            cycles, start, duration = _cycle(text, now)
            rows.append((ts.bpmn_id, start, cycles, duration.total_seconds()))
        elif isinstance(definition, DurationTimerEventDefinition):
            parsed = TimerEventDefinition.parse_iso_duration(text)
            rows.append((ts.bpmn_id, now + TimerEventDefinition.get_timedelta_from_start(parsed, now), 1, None))
        elif isinstance(definition, TimeDateEventDefinition):
            rows.append((ts.bpmn_id, TimerEventDefinition.get_datetime(text), 1, None))
    return rows


def _cycle(text: str, now: datetime):
    from ..runtime import clock_patch
    with clock_patch.engine_time(now):          # "R3/PT1H" starts counting from now
        return TimerEventDefinition.parse_iso_recurring_interval(text)


def replace_schedules(eng, s, version: ProcessVersion, spec, now: datetime) -> None:
    """Called by deploy in its transaction: the new version's schedule replaces the process's old one."""
    s.execute(delete(Schedule).where(Schedule.process_id == version.process_id))
    for element_id, due, remaining, interval in plan(eng, spec, now):
        s.add(Schedule(process_id=version.process_id, version_id=version.id, element_id=element_id,
                       next_due=due, remaining=remaining, interval_seconds=interval))


def fire_due_schedules(eng, now: datetime | None = None) -> int:
    """Start one case for every schedule that is due (see the module docstring for missed runs)."""
    now = now or eng.clock.now()
    started = 0
    while True:
        with eng.db.unit_of_work() as s:
            q = select(Schedule).where(Schedule.next_due <= now).order_by(Schedule.next_due).limit(1)
            if eng.db.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            row = s.execute(q).scalar_one_or_none()
            if row is None:
                return started
            _start_scheduled(eng, s, row)
            if row.remaining == 1 or not row.interval_seconds:
                s.delete(row)
            else:
                row.remaining = row.remaining - 1 if row.remaining > 0 else -1
                row.next_due = row.next_due + timedelta(seconds=row.interval_seconds)
                if row.remaining < 0 and row.next_due <= now:
                    # An endless cycle (R/PT1H) that missed several runs while nothing ran the timers
                    # starts once for all of them and resumes at its next future run: a housekeeping
                    # process must not start 168 cases after a week's downtime.
                    missed = (now - row.next_due) // timedelta(seconds=row.interval_seconds) + 1
                    row.next_due = row.next_due + missed * timedelta(seconds=row.interval_seconds)
            started += 1


def _start_scheduled(eng, s, row: Schedule) -> None:
    from .cases import start_in_session
    version = s.get(ProcessVersion, row.version_id)

    # The schedule is the timer: the case's start event fires now.
    start_in_session(eng, s, version, {}, SYSTEM_ACTOR, None, lambda step: step.fire_start_timers(row.element_id))
