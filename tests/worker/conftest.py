"""Real Redis and real Celery worker processes (`gwc worker`) against the real PostgreSQL.

Locally these tests need GWC_TEST_POSTGRES_URL and a Redis server (GWC_TEST_REDIS_URL, default
redis://127.0.0.1:6379/15); with CI=true a missing service fails the run instead of skipping."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GWC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _require(condition: bool, what: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} not available")


@pytest.fixture
def redis_url():
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
        ok = True
    except redis.exceptions.ConnectionError:
        ok = False
    _require(ok, f"Redis at {REDIS_URL}")
    client.flushdb()
    client.close()
    return REDIS_URL


@pytest.fixture
def pg_engine(request):
    from engine.bootstrap import Engine
    from engine.config import Settings
    from tests.conftest import FAST, PG_URL, _truncate
    _require(bool(PG_URL), "GWC_TEST_POSTGRES_URL")
    url = request.getfixturevalue("pg_url")
    eng = Engine(Settings(database_url=url, operator_modules=("tests.worker.operators",), **FAST))
    _truncate(eng)
    yield eng
    eng.close()


class Workers:
    """`gwc worker` processes; the first one also runs the beat."""

    def __init__(self, db_url: str, broker_url: str, log_dir: Path, extra_env: dict | None = None):
        self.env = {**os.environ, "GWC_DATABASE_URL": db_url, "GWC_BROKER_URL": broker_url,
                    "GWC_OPERATOR_MODULES": "tests.worker.operators", "GWC_LEASE_SECONDS": "5",
                    **(extra_env or {})}
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, beat: bool = False, concurrency: int = 1) -> subprocess.Popen:
        log = (self.log_dir / f"worker{len(self.procs)}.log").open("w")
        args = [sys.executable, "-m", "gwc", "worker", f"--concurrency={concurrency}", "--loglevel=WARNING"]
        if beat:
            args.append("--beat")
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        proc.log = log
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(20)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)
            proc.log.close()

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("worker*.log")))


@pytest.fixture
def workers(pg_engine, redis_url, tmp_path):
    w = Workers(pg_engine.settings.database_url, redis_url, tmp_path,
                {"GWC_TEST_CALLS_FILE": str(tmp_path / "calls.txt")})
    w.calls_file = tmp_path / "calls.txt"
    yield w
    w.stop()


def wait_until(predicate, timeout: float = 60, interval: float = 0.3, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
