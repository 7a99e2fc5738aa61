"""api/errors.py: every engine error family reaching the API gets its status and the error body."""
from __future__ import annotations

import pytest

from engine import errors
from tests.api.conftest import make_app
from tests.api.support import Api, assert_error

CASES = [
    (errors.CaseNotFoundError("案件不存在"), 404, "case_not_found"),
    (errors.MessageNotRoutedError("没有案件在等待"), 404, "message_not_routed"),
    (errors.ConflictError("冲突", {"cases": ["a", "b"]}), 409, "conflict"),
    (errors.CaseNotActiveError("案件已完成"), 409, "case_not_active"),
    (errors.PermissionDeniedError("不允许"), 403, "forbidden"),
    (errors.NotCandidateError("不是候选人"), 403, "not_candidate"),
    (errors.FormInvalidError("表单错误", [{"field": "a", "message": "必填"}]), 422, "form_invalid"),
    (errors.ModelInvalidError("模型错误", [{"file": "a.bpmn", "line": 1, "element_id": "x", "message": "m"}]), 422,
     "model_invalid"),
    (errors.InvalidInputError("输入不正确"), 400, "invalid_input"),
    (errors.ScriptError("脚本出错", line=3), 422, "script_error"),
    (errors.OperatorError("库存不足"), 409, "operator_error"),
    (errors.AuthenticationError("需要登录"), 401, "unauthenticated"),
    (errors.TooManyAttemptsError("稍后再试", 42), 429, "too_many_attempts"),
    (errors.EngineError("其他"), 400, "engine_error"),
]


@pytest.mark.parametrize("exc, status, code", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_engine_errors_map_to_statuses(engine, users, monkeypatch, exc, status, code):
    def raise_it(*args, **kwargs):
        raise exc

    monkeypatch.setattr(engine, "inbox", raise_it)
    with make_app(engine).test_client() as client:
        r = Api(client).get("/api/v1/tasks", "wang.clerk")
    body = assert_error(r, status, code)
    assert body["message"] == exc.message and body["details"] == exc.details
    if status == 429:
        assert r.headers["Retry-After"] == "42"
    if status == 401:
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
