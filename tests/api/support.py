"""Helpers for the HTTP tests: the error-body check, users, loan requests, an authenticated client."""
from __future__ import annotations

import io

from tests.conftest import ROOT

PASSWORD = "correct horse battery"
ASSET_REQUEST = [ROOT / "tests" / "fixtures" / "loan_approval"]   # see its README

USERS = {
    "wang.clerk": ["UNIT_CLERK"], "jj.clerk": ["UNIT_CLERK"],
    "li.head": ["UNIT_HEAD@U07"], "other.head": ["UNIT_HEAD@U06"],
    "zhou.wh": ["BRANCH_KEEPER@武侯区"], "jj.keeper": ["BRANCH_KEEPER@锦江区"],
    "city.keeper": ["BRANCH_KEEPER@成都市本级"], "keeper.all": ["BRANCH_KEEPER"],
    "chen.leader": ["CITY_AGENCY_APPROVER"], "meeting": ["AGENCY_HEAD_MEETING"],
    "boss": ["MANAGER"], "wh.manager": ["MANAGER@武侯区"], "jj.manager": ["MANAGER@锦江区"],
    "designer": ["DESIGNER"], "admin": ["ADMIN", "MANAGER"], "nobody": [],
    "tester": ["TESTER"], "center": ["CENTER_OPERATOR"], "clerk": ["UNIT_CLERK"],
}
SMALL = [{"assetId": "A004", "name": "钢制文件柜", "qty": 1, "unitValue": 1200}]
APPROVE = {"decision": "APPROVE", "comment": "同意"}


def loan(region: str = "武侯区", unit: str = "U07", items=None) -> dict:
    return {"purpose": "会议", "eventName": "全区民政工作会", "startDate": "2026-03-10", "endDate": "2026-03-12",
            "items": items or SMALL, "applicant_unit": unit, "holder_region": region,
            "holder_warehouse": "WH-CD-MAIN", "needDelivery": True, "needInstall": True}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A non-2xx answer: the expected status and exactly the {"error", "message", "details"} body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error"] == code, body
    return body


def upload(files: dict[str, bytes]) -> dict:
    return {"files": [(io.BytesIO(content), name.rsplit("/", 1)[-1]) for name, content in files.items()]}


class Api:
    """The Flask test client with a bearer token per user (logging in through the API once each)."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.get_json()
            self.tokens[user] = r.get_json()["access_token"]
        return self.tokens[user]

    def headers(self, user: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(user)}"} if user else {}

    def get(self, path: str, user: str | None = None, **kwargs):
        return self.client.get(path, headers=self.headers(user), **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs):
        return self.client.post(path, headers=self.headers(user), **kwargs)

    def ok(self, method: str, path: str, user: str, status: int = 200, **kwargs) -> dict:
        r = getattr(self, method)(path, user, **kwargs)
        assert r.status_code == status, (r.status_code, r.get_json())
        return r.get_json()

    def start(self, user: str = "wang.clerk", region: str = "武侯区", unit: str = "U07", key: str | None = None):
        body = {"process_model": "asset_request", "data": loan(region, unit), "business_key": key}
        return self.ok("post", "/api/v1/cases", user, 201, json=body)

    def inbox(self, user: str, query: str = "") -> dict:
        return self.ok("get", f"/api/v1/tasks{query}", user)
