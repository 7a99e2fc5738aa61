"""Warehouse tests run on the shared `engine` fixture (SQLite, and PostgreSQL when configured)."""
from __future__ import annotations

import hashlib

import pytest

from engine.runtime.operators import OperatorContext, OperatorRegistry


@pytest.fixture
def demo(engine):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    return engine


@pytest.fixture
def ops(clock):
    from warehouse.operators import register
    registry = OperatorRegistry()
    register(registry, clock=clock)
    return registry


@pytest.fixture
def call(engine, ops):
    """call(name, case_id=..., **params): run one operator in its own unit of work, as a case step does."""
    def run(name, case_id="case-1", key=None, **params):
        with engine.db.unit_of_work() as session:
            # A stable key per call, short like the engine's (case id + task id), never over the column size.
            digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:16]
            ctx = OperatorContext(case_id=case_id, task_id="task-1", process_id="asset_request",
                                  idempotency_key=key or f"{case_id}:{name}:{digest}", session=session)
            return ops.get(name).fn(ctx, **params)
    return run
