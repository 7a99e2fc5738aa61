"""Throttling failed logins per user name and per client address, in the database (so every API
process shares the count)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from ..errors import TooManyAttemptsError
from ..store.tables import LoginFailure


def _keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()[:200]}"]
    if address:
        keys.append(f"addr:{address[:200]}")
    return keys


def check_allowed(eng, username: str, address: str | None) -> None:
    now = eng.clock.now()
    window = timedelta(seconds=eng.settings.login_window_seconds)
    with eng.db.unit_of_work(write=False) as s:
        for key in _keys(username, address):
            row = s.get(LoginFailure, key)
            if row is not None and row.count >= eng.settings.login_max_failures and now < row.window_start + window:
                wait = int((row.window_start + window - now).total_seconds()) + 1
                raise TooManyAttemptsError(f"登录失败次数过多，请在 {wait} 秒后再试", wait)


def record_failure(eng, username: str, address: str | None) -> None:
    now = eng.clock.now()
    window = timedelta(seconds=eng.settings.login_window_seconds)
    with eng.db.unit_of_work() as s:
        for key in _keys(username, address):
            row = s.get(LoginFailure, key)
            if row is None:
                s.add(LoginFailure(key=key, count=1, window_start=now))
            elif now >= row.window_start + window:
                row.count, row.window_start = 1, now
            else:
                row.count += 1


def clear(eng, username: str) -> None:
    """A successful login clears the user's count (an address's count runs out with its window)."""
    with eng.db.unit_of_work() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.key == _keys(username, None)[0]))
