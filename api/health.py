"""GET /healthz: is the database reachable, and the broker (if one is configured)?

The probes live here, not in the view. The database probe asks the engine (`Engine.ping`); the broker probe PINGs Redis with a half-second timeout
through the `redis` package when it is installed (never through Celery).
"""
from __future__ import annotations

import importlib
import logging

from flask import Blueprint

from .errors import ServiceUnavailableError
from .operations import engine, operation, settings
from .schemas import HealthSchema

log = logging.getLogger("api.health")
bp = Blueprint("health", __name__)
PROBE_TIMEOUT_SECONDS = 0.5


def database_state(eng) -> str:
    if eng.ping():
        return "ok"
    log.warning("health check: database unreachable")
    return "down"


def broker_state(url: str | None) -> str:
    """embedded (no broker: in-process runner), ok, down, or unknown (cannot check this kind of broker)."""
    if not url:
        return "embedded"
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "unknown"
    try:
        redis = importlib.import_module("redis")
    except ImportError:
        return "unknown"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                      socket_timeout=PROBE_TIMEOUT_SECONDS)
        try:
            return "ok" if client.ping() else "down"
        finally:
            client.close()
    except Exception as exc:   # noqa: BLE001 - any failure of the probe means the broker is not usable
        log.warning("health check: broker unreachable: %s", type(exc).__name__)
        return "down"


@bp.get("/healthz")
@operation("健康检查 (health)", tags=["health"], response=HealthSchema, public=True, errors=(503,),
           description="数据库不可达时 503，错误体 details 中给出 {status, database, broker}；"
                       "消息代理不可达时 200，status 为 degraded。")
def healthz():
    state = {"database": database_state(engine()), "broker": broker_state(settings().broker_url)}
    if state["database"] != "ok":
        raise ServiceUnavailableError("数据库不可用 (database down)", {"status": "down", **state})
    return {"status": "degraded" if state["broker"] == "down" else "ok", **state}
