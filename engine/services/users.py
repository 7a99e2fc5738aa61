"""Users, their role grants (ROLE or ROLE@SCOPE) and password hashes (argon2id, memory-hard)."""
from __future__ import annotations

import threading
import time
from contextvars import ContextVar

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from ..caches import Bounded
from ..errors import InvalidInputError, NotFoundError
from ..store.tables import Grant, User

PLATFORM_ROLES = ("ADMIN", "DESIGNER", "MANAGER")


def _hasher(eng) -> PasswordHasher:
    return PasswordHasher(time_cost=eng.settings.argon2_time_cost, memory_cost=eng.settings.argon2_memory_kib)


@dataclass(frozen=True)
class Principal:
    """A user as the engine sees them: name and grants [(role, scope or None)]."""
    username: str
    display_name: str
    grants: tuple[tuple[str, str | None], ...]

    def has_role(self, role: str, scope: str | None = None) -> bool:
        return any(r == role and (s is None or scope is None or s == scope) for r, s in self.grants)

    def holds(self, role: str | None, scope: str | None) -> bool:
        """Candidate test for a task of `role` within `scope` (None role: anyone)."""
        if role is None:
            return True
        return any(r == role and (s is None or s == scope) for r, s in self.grants)

    @property
    def is_admin(self) -> bool:
        return self.has_role("ADMIN")


def parse_grant(text: str) -> tuple[str, str | None]:
    role, _, scope = text.strip().partition("@")
    role, scope = role.strip(), scope.strip() or None
    if not role or not role.replace("_", "").isalnum() or not role.isupper():
        raise InvalidInputError(f"角色格式不正确: {text!r} (use ROLE or ROLE@SCOPE, e.g. BRANCH_KEEPER@武侯区)")
    return role, scope


def add_user(eng, username: str, password: str, grants: list[str], display_name: str | None = None) -> Principal:
    """Create the user, or replace the password, display name and grants of an existing one."""
    username = username.strip()
    if not username or len(username) > 80:
        raise InvalidInputError("用户名不能为空，且不超过 80 个字符")
    if len(password) < 8:
        raise InvalidInputError("密码至少 8 个字符")
    parsed = [parse_grant(g) for g in grants]
    with eng.db.unit_of_work() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = User(username=username, created_at=eng.clock.now(), password_hash="")
            s.add(user)
        user.password_hash = _hasher(eng).hash(password)
        user.display_name = display_name or user.display_name or username
        s.flush()
        s.execute(delete(Grant).where(Grant.user_id == user.id))
        s.add_all([Grant(user_id=user.id, role=r, scope=sc) for r, sc in dict.fromkeys(parsed)])
        principal = Principal(username, user.display_name, tuple(dict.fromkeys(parsed)))
    eng.principals.forget(username)             # after the commit: the next request reads the new grants
    return principal


def authenticate(eng, username: str, password: str) -> Principal | None:
    with eng.db.unit_of_work(write=False) as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            _verify(eng, None, password)   # same cost either way: no user enumeration by timing
            return None
        if not _verify(eng, user.password_hash, password):
            return None
        return _principal(s, user)


def _verify(eng, hashed: str | None, password: str) -> bool:
    hasher = _hasher(eng)
    try:
        return hasher.verify(hashed or hasher.hash("timing-equaliser"), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


# The principal an HTTP request was authenticated as, for that request only (set by api/auth.py before the
# view and reset after it): the services then reuse it instead of loading the same user and grants again.
_request_principal: ContextVar[Principal | None] = ContextVar("gwc_request_principal", default=None)


def bind_request_principal(principal: Principal):
    """Use `principal` for its own user name until `release_request_principal(token)`."""
    return _request_principal.set(principal)


def release_request_principal(token) -> None:
    try:
        _request_principal.reset(token)
    except ValueError:          # set in another context: nothing of ours to undo
        _request_principal.set(None)


def load_principal(s: Session, username: str) -> Principal:
    bound = _request_principal.get()
    if bound is not None and bound.username == username:
        return bound
    principal = _active_principal(s, username)
    if principal is None:
        raise NotFoundError(f"用户 {username} 不存在")
    return principal


_users, _grants = User.__table__.c, Grant.__table__.c
# Built once: every request runs it (a plain Core statement skips the ORM's per-call work).
_PRINCIPAL = (select(_users.username, _users.display_name, _users.active, _grants.role, _grants.scope)
              .select_from(User.__table__.outerjoin(Grant.__table__, _grants.user_id == _users.id))
              .where(_users.username == bindparam("username")).order_by(_grants.role, _grants.scope))


def _active_principal(s, username: str) -> Principal | None:
    """The active user with their grants, in one query (every request asks). `s`: a session or a
    connection."""
    rows = s.execute(_PRINCIPAL, {"username": username}).all()
    if not rows or not rows[0].active:
        return None
    return Principal(rows[0].username, rows[0].display_name,
                     tuple((r.role, r.scope) for r in rows if r.role is not None))


def _principal(s: Session, user: User) -> Principal:
    grants = s.execute(select(Grant.role, Grant.scope).where(Grant.user_id == user.id)
                       .order_by(Grant.role, Grant.scope)).all()
    return Principal(user.username, user.display_name, tuple((r, sc) for r, sc in grants))


def find_principal(eng, username: str) -> Principal | None:
    with eng.db.single_read() as conn:
        return _active_principal(conn, username)


class PrincipalCache:
    """The active users' principals this process has looked up in the last `seconds` (0: none kept).

    Every API request needs its caller's grants; reading them is a query per request. A principal is
    kept for a few seconds (default 2, GWC_PRINCIPAL_CACHE_SECONDS): a user deactivated, removed or
    given other roles by another process (the CLI, a DBA, another server process) loses or gains access
    within that window, the way a short-lived token would. Changes made through this process's engine
    (`add_user`) take effect at once. Unknown and inactive users are never kept: they are asked again
    each time."""

    def __init__(self, seconds: float, clock=time.monotonic, size: int = 4096):
        self.seconds, self.clock = seconds, clock
        self._kept = Bounded(size)          # {user name: (principal, read at)}
        self._lock = threading.Lock()

    def get(self, username: str, load) -> Principal | None:
        if self.seconds <= 0:
            return load(username)
        kept = self._kept.get(username)
        now = self.clock()
        if kept is not None and now - kept[1] < self.seconds:
            return kept[0]
        principal = load(username)
        with self._lock:
            if principal is None:
                self._kept.pop(username, None)
            else:
                self._kept.put(username, (principal, now))
        return principal

    def forget(self, username: str | None = None) -> None:
        """Drop one user's principal (all of them: None), e.g. after their grants changed."""
        with self._lock:
            if username is None:
                self._kept.clear()
            else:
                self._kept.pop(username, None)
