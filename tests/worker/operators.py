"""Operators for the worker tests, loaded by real worker processes through GWC_OPERATOR_MODULES."""
from __future__ import annotations

import os
import time


def register(registry) -> None:
    registry.register("echo", lambda ctx, **params: params)
    registry.register("add", lambda ctx, a, b: {"sum": a + b})

    def notify(ctx, **params):
        if params.get("message") == os.environ.get("GWC_TEST_FAIL_MESSAGE", "\0"):
            raise ConnectionError("物流系统持续超时")
        calls = os.environ.get("GWC_TEST_CALLS_FILE")
        if calls:   # an external side effect, keyed by the idempotency key: counts deliveries
            with open(calls, "a", encoding="utf-8") as f:
                f.write(ctx.idempotency_key + "\n")
        delay = float(os.environ.get("GWC_TEST_NOTIFY_SECONDS", "0"))
        if delay:
            time.sleep(delay)
        return {"notified": True, "key": ctx.idempotency_key}
    registry.register("notify_async", notify, async_=True)

    def fail(ctx, **params):
        raise RuntimeError("供应商系统无响应")
    registry.register("fail", fail)
