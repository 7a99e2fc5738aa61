"""SQLAlchemy 2.0 tables. Inbox and case lists read these indexed tables, never the workflow blob.

Times are stored as timezone-aware UTC datetimes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from datetime import timezone


class UTCDateTime(TypeDecorator):
    """Always hands back aware UTC datetimes (SQLite forgets the offset)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


BigId = BigInteger().with_variant(Integer, "sqlite")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Grant(Base):
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str | None] = mapped_column(String(200), nullable=True)
    __table_args__ = (Index("ix_grants_role_scope", "role", "scope"),)


class ProcessVersion(Base):
    """One deployed version of a process; its parsed spec is stored once, here."""
    __tablename__ = "process_versions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    spec: Mapped[dict]             # serialized spec and subprocess specs
    serializer_version: Mapped[str] = mapped_column(String(20))
    roles: Mapped[list]
    start_role: Mapped[str | None] = mapped_column(String(80), nullable=True)
    message_start: Mapped[str | None] = mapped_column(String(200), nullable=True)
    __table_args__ = (UniqueConstraint("process_id", "version"),
                      Index("ix_process_versions_hash", "process_id", "content_hash"))


class ModelFile(Base):
    """A source file (BPMN, DMN, form) of one version, kept as deployed."""
    __tablename__ = "model_files"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))   # bpmn, dmn, form
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    business_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    started_by: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revision: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict]             # latest case data (what managers and forms see)
    state: Mapped[str] = mapped_column(Text)   # pruned workflow state as JSON text, without specs
    serializer_version: Mapped[str] = mapped_column(String(20))
    # (status, created_at, id): a case list filtered by status walks it newest first (each case probed in
    # case_scopes) and joins a user's own cases with it by id, without reading a case row.
    __table_args__ = (Index("ix_cases_process_status", "process_id", "status"),
                      Index("ix_cases_status_created", "status", "created_at", "id"))
    # Optimistic check on top of the row lock: a write that lost a race fails instead of overwriting.
    __mapper_args__ = {"version_id_col": revision}
    # Not a column: whether the case had unresolved incidents when this unit of work read it (None:
    # unknown). Set by case_io.lock_case and save_case, so a case's answer reads incidents only if any.
    has_incidents = None


class CaseScope(Base):
    """Every scope a case has had a task in (武侯区, U07...): a scoped manager (MANAGER@武侯区) sees the
    cases listed under their scope. Written with the inbox, so the case list never scans the tasks.
    `status` is the case's, kept equal by save_case: a scope's cases are counted by status from this
    index alone (joining a fifth of all cases with the status index cost more than the whole list)."""
    __tablename__ = "case_scopes"
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(20))
    __table_args__ = (Index("ix_case_scopes_scope_status", "scope", "status", "case_id"),)


class TaskCandidateRole(Base):
    """Every role whose holders are candidates of a task naming several (camunda:candidateGroups="A,B");
    a task with one role has no rows here (its `role` column says it)."""
    __tablename__ = "task_candidate_roles"
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class HumanTask(Base):
    """The inbox: one row per user or manual task that became ready."""
    __tablename__ = "human_tasks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)   # the workflow task id
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(80), nullable=True)
    scope: Mapped[str | None] = mapped_column(String(200), nullable=True)
    form: Mapped[str | None] = mapped_column(String(300), nullable=True)
    ui_form: Mapped[str | None] = mapped_column(String(300), nullable=True)
    state: Mapped[str] = mapped_column(String(20))   # open, completed, cancelled
    assignee: Mapped[str | None] = mapped_column(String(80), nullable=True)
    priority: Mapped[int] = mapped_column(default=50)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The data the task itself sees (its branch, its multi-instance element), written when it opens:
    # the form shows it. NULL on rows written before the column existed (the case data is shown then).
    data: Mapped[dict | None] = mapped_column(nullable=True)
    __table_args__ = (
        Index("ix_human_tasks_open_role", "state", "role", "scope", "due_at"),
        Index("ix_human_tasks_assignee", "assignee", "state"),
        Index("ix_human_tasks_completed_by", "completed_by"),
    )


class Timer(Base):
    """A waiting timer's next due time. Fired by fire_due_timers(now)."""
    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(index=True)
    # Set when a distributed runner has taken the case's due timers; expired leases are taken again.
    leased_until: Mapped[datetime | None] = mapped_column(nullable=True)


class MessageWait(Base):
    """A case waiting for a message, by name and canonical correlation values."""
    __tablename__ = "message_waits"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(80), nullable=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[str] = mapped_column(String(1000))
    __table_args__ = (Index("ix_message_waits_route", "message_name", "correlation_key"),)


class Job(Base):
    """Background work written in the case's transaction (outbox): async service calls."""
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))        # service
    operator: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20))      # pending, done, failed, cancelled, refused
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    backoff_seconds: Mapped[float] = mapped_column(default=2.0)   # delay before retry n: base * 2**(n-1)
    next_run_at: Mapped[datetime]
    # Set when a distributed runner has queued the job; an expired lease (a lost worker) is queued again.
    leased_until: Mapped[datetime | None] = mapped_column(nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    __table_args__ = (Index("ix_jobs_due", "status", "next_run_at"),)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    element_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Event(Base):
    """Append-only history of a case."""
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(80), nullable=True)
    task: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)


class LoginFailure(Base):
    """Failed logins per key ('user:NAME' or 'addr:IP') within the current throttling window."""
    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime]


class Schedule(Base):
    """A timer start event of a deployed version: when `next_due` comes, a new case starts."""
    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"))
    element_id: Mapped[str] = mapped_column(String(200))
    next_due: Mapped[datetime] = mapped_column(index=True)
    remaining: Mapped[int] = mapped_column(default=1)        # starts left; -1: no end (R/...)
    interval_seconds: Mapped[float | None] = mapped_column(nullable=True)
