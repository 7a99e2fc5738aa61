"""Settings: the one place that reads the environment.

Every setting has one name, the same in the environment, docker-compose.yml and the README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'gongwucang.sqlite3'}"


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable and what it needs."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    broker_url: str | None = None
    secret_key: str | None = None
    # Sandbox: CPU seconds one script, condition or expression may use.
    script_cpu_seconds: float = 1.0
    # Default priority of an inbox row when the task does not set one (0-100, as Camunda).
    default_priority: int = 50
    # Password hashing (argon2id). Defaults follow argon2-cffi's (RFC 9106 low-memory profile);
    # tests lower them to keep user creation fast.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Bearer tokens: lifetime in seconds.
    token_ttl_seconds: int = 8 * 3600
    # How long a server process may reuse a user's grants it has read (seconds; 0: read them on every
    # request). A deactivation or grant change made elsewhere takes effect within this window.
    principal_cache_seconds: float = 2.0
    # Login throttling: this many failures within the window (per user name, and per client address)
    # answer 429 until the window has passed.
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    # Python modules whose `register(registry[, clock])` adds service-task operators (comma-separated in
    # GWC_OPERATOR_MODULES); the API and every worker load the same ones. Default: the 公物仓 domain's.
    operator_modules: tuple[str, ...] = ("warehouse.operators",)
    # Distributed runner: how long a queued job or a taken set of due timers is reserved for one worker.
    lease_seconds: int = 60
    # Largest request body the API accepts (a designer's upload of BPMN, DMN and forms included).
    max_request_bytes: int = 5 * 1024 * 1024
    # PostgreSQL connections one process keeps open (GWC_DB_POOL_SIZE). None: `gwc serve` keeps one per
    # request thread plus two (at least 16); other processes keep 16.
    db_pool_size: int | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict = {}
        if env.get("GWC_DATABASE_URL"):
            values["database_url"] = env["GWC_DATABASE_URL"]
        if env.get("GWC_BROKER_URL"):
            values["broker_url"] = env["GWC_BROKER_URL"]
        if env.get("GWC_SECRET_KEY"):
            values["secret_key"] = env["GWC_SECRET_KEY"]
        for name, key, cast in (("script_cpu_seconds", "GWC_SCRIPT_CPU_SECONDS", float),
                                ("token_ttl_seconds", "GWC_TOKEN_TTL_SECONDS", int),
                                ("login_max_failures", "GWC_LOGIN_MAX_FAILURES", int),
                                ("login_window_seconds", "GWC_LOGIN_WINDOW_SECONDS", int),
                                ("max_request_bytes", "GWC_MAX_REQUEST_BYTES", int),
                                ("principal_cache_seconds", "GWC_PRINCIPAL_CACHE_SECONDS", float),
                                ("db_pool_size", "GWC_DB_POOL_SIZE", int),
                                ("lease_seconds", "GWC_LEASE_SECONDS", int)):
            if env.get(key):
                try:
                    values[name] = cast(env[key])
                except ValueError:
                    kind = "an integer" if cast is int else "a number"
                    raise SettingsError(f"{key} must be {kind}, not {env[key]!r}") from None
        if env.get("GWC_OPERATOR_MODULES"):
            values["operator_modules"] = tuple(m.strip() for m in env["GWC_OPERATOR_MODULES"].split(",") if m.strip())
        values.update(overrides)
        return cls(**values)

    def __post_init__(self):
        if self.db_pool_size is not None and self.db_pool_size < 1:
            raise SettingsError(f"GWC_DB_POOL_SIZE must be at least 1, not {self.db_pool_size}")
