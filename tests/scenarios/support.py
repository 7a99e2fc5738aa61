"""A desk for the acceptance scenarios (DOMAIN.md §4): the named demo users work their inboxes over HTTP.

Every call goes through the Flask API as a logged-in demo user: `start` posts a case, `task` finds one
task by its BPMN id in a user's own inbox (so a test fails if the task went to the wrong person),
`complete` fetches its form and submits it. Time moves only through `advance`/`at`, which move the
injected clock and then do what the background runner does (fire due timers, run due service jobs).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.conftest import ROOT
from warehouse.data.users import DEMO_PASSWORD

CST = timezone(timedelta(hours=8))      # 北京时间: scenario times are local times


class Desk:
    def __init__(self, client, engine, clock):
        self.client = client
        self.engine = engine
        self.clock = clock
        self.tokens: dict[str, str] = {}

    def deploy(self, *processes: str) -> None:
        """Deploy workflows/<p> and forms/<p> of each named process (together, so call activities resolve)."""
        paths = []
        for p in processes:
            paths.append(ROOT / "workflows" / p)
            if (ROOT / "forms" / p).is_dir():
                paths.append(ROOT / "forms" / p)
        self.engine.deploy(paths=paths, actor="admin")

    # ------------------------------------------------------------------ HTTP
    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, (user, r.get_json())
            self.tokens[user] = r.get_json()["access_token"]
        return self.tokens[user]

    def call(self, method: str, path: str, user: str, status: int | None = 200, **kwargs):
        """One request as `user`; asserts the status (None: any) and returns (status, json)."""
        if not path.startswith("/"):
            path = "/api/v1/" + path
        r = getattr(self.client, method)(path, headers={"Authorization": f"Bearer {self.token(user)}"}, **kwargs)
        body = r.get_json()
        if status is not None:
            assert r.status_code == status, (method, path, user, r.status_code, body)
        return r.status_code, body

    def get(self, path: str, user: str, status: int = 200):
        return self.call("get", path, user, status)[1]

    def post(self, path: str, user: str, json=None, status: int = 200):
        return self.call("post", path, user, status, json=json if json is not None else {})[1]

    # ------------------------------------------------------------------ cases and tasks
    def start(self, user: str, process: str, data: dict, business_key: str | None = None) -> dict:
        body = {"process_model": process, "data": data}
        if business_key:
            body["business_key"] = business_key
        return self.post("cases", user, body, status=201)

    def case(self, case_id: str, user: str = "admin") -> dict:
        return self.get(f"cases/{case_id}", user)

    def events(self, case_id: str, user: str = "admin") -> list[dict]:
        return self.get(f"cases/{case_id}/events", user)["items"]

    def inbox(self, user: str, case_id: str | None = None) -> list[dict]:
        items = self.get("tasks?limit=200", user)["items"]
        return [t for t in items if case_id is None or t["case_id"] == case_id]

    def tasks(self, user: str, name: str, case_id: str | None = None) -> list[dict]:
        return [t for t in self.inbox(user, case_id) if t["name"] == name]

    def task(self, user: str, name: str, case_id: str | None = None) -> dict:
        """The one open task `name` (BPMN id) in `user`'s inbox, with its form and data."""
        found = self.tasks(user, name, case_id)
        assert len(found) == 1, (user, name, [(t["name"], t["case_id"]) for t in self.inbox(user)])
        return self.get(f"tasks/{found[0]['id']}", user)

    def complete(self, user: str, name: str, data: dict | None = None, case_id: str | None = None,
                 status: int = 200) -> dict:
        """`user` opens task `name` from their inbox, claims it and submits `data`; returns the case."""
        task = self.task(user, name, case_id)
        assert task["form"] is None or "schema" in task["form"], task
        self.post(f"tasks/{task['id']}/claim", user)
        answer = self.post(f"tasks/{task['id']}/complete", user, {"data": data or {}}, status=status)
        return answer["case"] if status == 200 else answer

    def nobody_else_sees(self, name: str, case_id: str, owners: set[str], everyone) -> None:
        """No user outside `owners` has task `name` of the case in their inbox."""
        for user in everyone:
            if user not in owners:
                assert not self.tasks(user, name, case_id), (user, name)

    # ------------------------------------------------------------------ time
    def at(self, when: datetime) -> None:
        """Move the clock forward to `when` (never back), stopping at every timer due on the way, in
        order, as a background runner ticking every second would: a daily notice fires once a day."""
        assert when >= self.clock.now(), (when, self.clock.now())
        self.tokens.clear()        # tokens expire (8 h): after time moves, people sign in again
        self.run_background()
        for _ in range(10_000):
            due = self.next_due(after=self.clock.now())
            if due is None or due > when:       # a timer due exactly at `when` fires too
                break
            self.clock.set(due + timedelta(microseconds=1))     # timers fire once T has passed
            self.run_background()
        else:
            raise AssertionError("more than 10,000 timer stops before " + when.isoformat())
        self.clock.set(max(when, self.clock.now()))
        self.run_background()

    def next_due(self, after: datetime) -> datetime | None:
        """The earliest waiting timer or scheduled start later than `after` (None when none)."""
        from sqlalchemy import func, select
        from engine.store.tables import Schedule, Timer
        with self.engine.db.unit_of_work(write=False) as s:
            dues = [s.scalar(select(func.min(Timer.due_at)).where(Timer.due_at > after)),
                    s.scalar(select(func.min(Schedule.next_due)).where(Schedule.next_due > after))]
        return min((d for d in dues if d is not None), default=None)

    def advance(self, **delta) -> None:
        self.at(self.clock.now() + timedelta(**delta))

    def run_background(self) -> None:
        """What the background runner does on a tick, repeated until nothing more is due."""
        for _ in range(100):
            if not (self.engine.fire_due_timers() + self.engine.run_due_jobs()):
                return
        raise AssertionError("background work did not settle after 100 rounds")


def local(text: str) -> datetime:
    """'2026-06-30 14:00' in 北京时间 as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)
