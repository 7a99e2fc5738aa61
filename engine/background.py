"""The embedded background runner: with no broker configured, one thread in the API process fires due
timers and runs due async service jobs, through the same engine services a Celery worker would call."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("gwc.background")


class EmbeddedRunner:
    def __init__(self, engine, interval_seconds: float = 1.0):
        self.engine = engine
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> tuple[int, int]:
        """Fire what is due now, then run due jobs. Returns (timers fired, jobs run)."""
        fired = self.engine.fire_due_timers()
        jobs = self.engine.run_due_jobs()
        return fired, jobs

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:   # noqa: BLE001 - keep running; the next round retries
                log.exception("background round failed")
            self._stop.wait(self.interval)

    def start(self) -> "EmbeddedRunner":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="gwc-embedded-runner", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
