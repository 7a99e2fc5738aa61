"""Composition root: builds the engine's parts from Settings and hands out the use cases.

Nothing connects at import time; `Engine(settings)` does. api/ and worker/ call the methods below.
"""
from __future__ import annotations

import importlib
import inspect
from datetime import datetime
from pathlib import Path

from .clock import SystemClock
from .config import Settings
from .runtime import clock_patch
from .runtime.operators import OperatorRegistry
from .services import cases, deploy, jobs, messages, schedules, tasks, throttle, timers, users
from .services.specs import SpecCache
from .store.database import Database


class Engine:
    def __init__(self, settings: Settings | None = None, operators: OperatorRegistry | None = None,
                 clock=None):
        from .sandbox import Sandbox, SandboxEnvironment
        self.settings = settings or Settings.from_env()
        self.db = Database(self.settings.database_url, pool_size=self.settings.db_pool_size)
        self.operators = operators or OperatorRegistry()
        self.clock = clock or SystemClock()
        for module in self.settings.operator_modules:
            register = importlib.import_module(module).register
            if "clock" in inspect.signature(register).parameters:
                register(self.operators, clock=self.clock)      # operators share the engine's clock
            else:
                register(self.operators)
        self.sandbox = Sandbox(cpu_seconds=self.settings.script_cpu_seconds, clock=self.clock)
        self.environment = SandboxEnvironment(self.sandbox)
        self.specs = SpecCache()
        self.principals = users.PrincipalCache(self.settings.principal_cache_seconds)
        clock_patch.install()

    # ------------------------------------------------------------------ models
    def deploy(self, files: dict[str, bytes] | None = None, paths: list[str | Path] | None = None,
               actor: str | None = None):
        bundle = dict(files or {})
        if paths:
            bundle.update(deploy.read_paths(paths))
        return deploy.deploy(self, bundle, actor)

    def validate(self, files: dict[str, bytes] | None = None, paths: list[str | Path] | None = None):
        bundle = dict(files or {})
        if paths:
            bundle.update(deploy.read_paths(paths))
        return deploy.validate(self, bundle)

    def process_models(self):
        return deploy.latest_versions(self)

    def process_model(self, process_id, version=None):
        return deploy.model_detail(self, process_id, version)

    def process_model_source(self, process_id, version=None, filename=None):
        return deploy.model_source(self, process_id, version, filename)

    def version_diff(self, process_id, version, against=None):
        """What changed in `version` against `against` (default: the version before)."""
        from .services import versions
        return versions.version_diff(self, process_id, version, against)

    def migrate_cases(self, process_id, to_version, *, from_version=None, dry_run=False, case_ids=None,
                      actor=None, user=None):
        """Move running cases to `to_version` (or, with dry_run, say which could move and why not)."""
        from .services import migration
        return migration.migrate_cases(self, process_id, to_version, from_version=from_version, dry_run=dry_run,
                                       case_ids=case_ids, actor=actor or user, user=user)

    def process_model_diagram(self, process_id, version=None) -> str:
        """SVG of a version (default latest) drawn from its BPMN diagram interchange."""
        from .services import diagrams
        return diagrams.model_diagram(self, process_id, version)

    def case_diagram(self, case_id, user=None) -> str:
        """SVG of the version a case runs on with its completed, active and failed elements marked."""
        from .services import diagrams
        return diagrams.case_diagram(self, case_id, user)

    # ------------------------------------------------------------------ users
    def add_user(self, username, password, grants, display_name=None):
        return users.add_user(self, username, password, grants, display_name)

    def authenticate(self, username, password):
        return users.authenticate(self, username, password)

    def login(self, username: str, password: str, address: str | None = None):
        """Authenticate with throttling: TooManyAttemptsError after repeated failures, None if wrong."""
        throttle.check_allowed(self, username, address)
        principal = users.authenticate(self, username, password)
        if principal is None:
            throttle.record_failure(self, username, address)
            return None
        throttle.clear(self, username)
        return principal

    def principal(self, username: str):
        """The user's current grants (None if the user no longer exists or is inactive), as read at most
        settings.principal_cache_seconds ago (see users.PrincipalCache)."""
        return self.principals.get(username, lambda name: users.find_principal(self, name))

    # ------------------------------------------------------------------ cases
    def start_case(self, process_id, data, user, business_key=None):
        return cases.start_case(self, process_id, data, user, business_key)

    def get_case(self, case_id, user=None):
        return cases.get_case(self, case_id, user)

    def list_cases(self, **filters):
        return cases.list_cases(self, **filters)

    def case_events(self, case_id, user=None):
        return cases.case_events(self, case_id, user)

    def cancel_case(self, case_id, user, reason=None):
        return cases.cancel_case(self, case_id, user, reason)

    def retry_case(self, case_id, user, data=None):
        return cases.retry_case(self, case_id, user, data)

    # ------------------------------------------------------------------ tasks
    def inbox(self, user, **filters):
        return tasks.inbox(self, user, **filters)

    def get_task(self, task_id, user):
        return tasks.get_task(self, task_id, user)

    def claim(self, task_id, user):
        return tasks.claim(self, task_id, user)

    def unclaim(self, task_id, user):
        return tasks.unclaim(self, task_id, user)

    def complete(self, task_id, user, data=None):
        return tasks.complete(self, task_id, user, data)

    def reassign(self, task_id, admin, assignee):
        return tasks.reassign(self, task_id, admin, assignee)

    # ------------------------------------------------------------------ time, messages, services
    def fire_due_timers(self, now: datetime | None = None) -> int:
        """Fire due timers of waiting cases, and start the cases timer start events call for."""
        return schedules.fire_due_schedules(self, now) + timers.fire_due_timers(self, now)

    def send_message(self, name, correlation, data, user):
        return messages.send_message(self, name, correlation, data, user)

    def run_service_job(self, job_id: int) -> str:
        return jobs.run_service_job(self, job_id)

    def run_due_jobs(self) -> int:
        return jobs.run_due_jobs(self)

    # ------------------------------------------------------------------ distributed runner (worker/)
    def lease_due_jobs(self, limit: int = 200) -> list[int]:
        return jobs.lease_due_jobs(self, limit)

    def lease_due_timer_cases(self, limit: int = 500) -> list[str]:
        return timers.lease_due_cases(self, limit)

    def fire_due_schedules(self, now: datetime | None = None) -> int:
        return schedules.fire_due_schedules(self, now)

    def fire_case_timers(self, case_id: str, now: datetime | None = None) -> int:
        return timers.fire_case_timers(self, case_id, now or self.clock.now())

    def ping(self) -> bool:
        """Is the database reachable? (health checks)"""
        return self.db.ping()

    def close(self) -> None:
        self.db.dispose()
