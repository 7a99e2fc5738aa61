"""Make SpiffWorkflow's timers read our injected clock.

SpiffWorkflow's timer event definitions call `datetime.now(timezone.utc)` directly. We replace the
`datetime` name in that one module with a subclass whose `now()` asks the clock bound to the current
context (a ContextVar), falling back to the real time. Installed once, idempotent.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime as _datetime
from typing import Iterator

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_current_now: ContextVar[_datetime | None] = ContextVar("gwc_now", default=None)


class ClockDatetime(_datetime):
    @classmethod
    def now(cls, tz=None):
        fixed = _current_now.get()
        if fixed is None:
            return _datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


def install() -> None:
    if _timer_module.datetime is not ClockDatetime:
        _timer_module.datetime = ClockDatetime


@contextmanager
def engine_time(now: _datetime) -> Iterator[None]:
    """Within the block, SpiffWorkflow's timers see `now` as the current time."""
    token = _current_now.set(now)
    try:
        yield
    finally:
        _current_now.reset(token)
