"""Every endpoint of the OpenAPI document, sent junk by several users: never a 500, always the error body."""
from __future__ import annotations

import pytest

from tests.api.support import APPROVE, assert_error

BODIES = [None, b"", b"{", b"[]", b"null", b'"x"', b'{"data": []}', b'{"data": {"decision": 1}}',
          b'{"name": 5, "correlation": "x"}', b'{"process_model": "asset_request", "data": {"n": 1e999}}',
          b'{"assignee": "\\u0000"}', b'{"data": {"a": 12345678901234567890123456789}}',
          '{"reason": "取消", "process_model": "asset_request", "data": {"键": "值"}}'.encode()]
QUERIES = ["", "?limit=-5", "?version=999999999999999999999", "?sort=%00", "?business_key=%F0%9F%92%A9",
           "?created_from=2026-02-30", "?due_before=9999-12-31T23:59:59%2B14:00", "?overdue=1&status=error"]


@pytest.fixture
def ids(deployed):
    case = deployed.start(key="FUZZ")
    return {"case_id": case["id"], "task_id": case["open_tasks"][0]["id"], "process_id": "asset_request",
            "version": "1"}


def _paths(doc, ids):
    for path, operations in doc["paths"].items():
        for method in operations:
            for variant in ("real", "ghost", "junk"):
                concrete = path
                for name, value in ids.items():
                    replacement = {"real": value, "ghost": "00000000-0000-4000-8000-000000000000",
                                   "junk": "%00%ff..%2F"}[variant]
                    if name == "version":
                        replacement = {"real": value, "ghost": "7", "junk": "x"}[variant]
                    concrete = concrete.replace("{" + name + "}", replacement)
                yield method, concrete


def test_no_request_gets_a_500(deployed, ids):
    doc = deployed.client.get("/api/v1/openapi.json").get_json()
    seen = 0
    for method, path in _paths(doc, ids):
        for user in ("li.head", "nobody", "admin"):
            for body in BODIES if method == "post" else [None]:
                for query in QUERIES if body is None else [""]:
                    kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
                    r = getattr(deployed, method)(path + query, user, **kwargs)
                    seen += 1
                    assert r.status_code < 500, (method, path, query, body, r.get_data(as_text=True)[:300])
                    if r.status_code >= 400:
                        assert_error(r, r.status_code)
    assert seen > 500
    # and the case survives all of it
    r = deployed.post(f"/api/v1/tasks/{ids['task_id']}/complete", "li.head", json={"data": APPROVE})
    assert r.status_code in (200, 409)
