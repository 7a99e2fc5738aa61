"""The operator registry: what service tasks call, by name.

An operator is a Python callable `fn(ctx: OperatorContext, **params) -> JSON-serializable result`.
Operators marked `async_=True` are not run inline: the service task waits (state STARTED) and a
background runner completes it later (`Engine.run_service_job`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class OperatorContext:
    case_id: str
    task_id: str
    process_id: str
    # Stable across retries of the same task run: operators use it to make side effects idempotent.
    idempotency_key: str
    # An open database session of the case's unit of work (operators that write domain tables
    # join the case's transaction through it). None when run outside a unit of work.
    session: Any = None
    # The BPMN id of the calling service task (e.g. "remind_due"), for links and audit records.
    element_id: str | None = None


@dataclass(frozen=True)
class Operator:
    name: str
    fn: Callable[..., Any]
    async_: bool = False
    description: str = ""
    # Default retry policy for async operators (the task's spiffworkflow retry settings win).
    retries: int = 3
    backoff_seconds: float = 2.0


@dataclass
class OperatorRegistry:
    _ops: dict[str, Operator] = field(default_factory=dict)

    def register(self, name: str, fn: Callable[..., Any] | None = None, *, async_: bool = False,
                 description: str = "", retries: int = 3, backoff_seconds: float = 2.0):
        """Register `fn` under `name`; usable as a decorator when `fn` is omitted."""
        def add(f: Callable[..., Any]):
            self._ops[name] = Operator(name, f, async_, description, retries, backoff_seconds)
            return f
        return add(fn) if fn is not None else add

    def get(self, name: str) -> Operator | None:
        return self._ops.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def names(self) -> list[str]:
        return sorted(self._ops)
