"""The one place that maps errors to HTTP statuses and the `{"error", "message", "details"}` body.

Decisions (also stated in the OpenAPI document):
- 400: the request itself is unreadable: malformed JSON, a body that is not a JSON object, a bad query
  string (unknown parameter, bad integer, boolean or date), invalid input the engine refuses.
- 422: a well-formed JSON body whose content breaks its schema (unknown fields, missing fields, wrong
  types), a form that breaks the task's JSON Schema, a model that does not validate, a failing script.
- 404 for anything the caller may not see; 403 only where the caller can see it but may not act.
- 503 with Retry-After: the database is down, restarting, out of connections, or no pooled connection
  came free in time; the same request may be sent again.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.errors import (AuthenticationError, ConflictError, EngineError, FormInvalidError,
                           InvalidInputError, ModelInvalidError, NotFoundError, OperatorError,
                           PermissionDeniedError, ScriptError, TooManyAttemptsError, UnavailableError)

log = logging.getLogger("api")


class ApiError(Exception):
    """An error the adapter itself finds (request parsing, authentication, health)."""
    code = "bad_request"

    def __init__(self, message: str, details=None):
        super().__init__(message)
        self.message = message
        self.details = details


class MalformedJSONError(ApiError):
    code = "malformed_json"


class BodyNotObjectError(ApiError):
    code = "invalid_body"


class QueryInvalidError(ApiError):
    code = "invalid_query"


class BodyInvalidError(ApiError):
    code = "validation_failed"


class UnsupportedMediaTypeError(ApiError):
    code = "unsupported_media_type"


class UnauthorizedError(ApiError):
    code = "unauthenticated"


class ServiceUnavailableError(ApiError):
    code = "service_unavailable"


# Most specific class first is not needed: the exception's MRO is walked and the first hit wins.
STATUSES: dict[type, int] = {
    # engine errors
    TooManyAttemptsError: 429, AuthenticationError: 401, NotFoundError: 404, ConflictError: 409,
    PermissionDeniedError: 403, FormInvalidError: 422, ModelInvalidError: 422, InvalidInputError: 400,
    ScriptError: 422, OperatorError: 409, UnavailableError: 503, EngineError: 400,
    # adapter errors
    MalformedJSONError: 400, BodyNotObjectError: 400, QueryInvalidError: 400, BodyInvalidError: 422,
    UnsupportedMediaTypeError: 415, UnauthorizedError: 401, ServiceUnavailableError: 503,
}

HTTP_CODES = {400: ("bad_request", "请求格式不正确"), 401: ("unauthenticated", "需要登录"),
              403: ("forbidden", "无权执行此操作"), 404: ("not_found", "资源不存在"),
              405: ("method_not_allowed", "此地址不支持该请求方法"),
              409: ("conflict", "请求与资源当前状态冲突"),
              413: ("payload_too_large", "请求体过大"),
              415: ("unsupported_media_type", "不支持的请求内容类型（JSON 请求体须为 application/json）"),
              422: ("validation_failed", "请求内容校验失败"), 429: ("too_many_requests", "请求过于频繁"),
              503: ("service_unavailable", "服务暂不可用")}
PROTOCOL_STATUSES = set(HTTP_CODES)


def status_of(exc: Exception) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUSES:
            return STATUSES[cls]
    return 500


def error_response(status: int, code: str, message: str, details=None, headers=None):
    response = jsonify({"error": code, "message": message, "details": details})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_details(messages, prefix: str = "") -> list[dict]:
    """marshmallow's nested {field: [messages]} as a flat [{"field", "message"}] list."""
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or None, "message": m} for m in messages]
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            out += validation_details(value, name)
        return out
    return [{"field": prefix or None, "message": str(messages)}]


def _engine_or_api_error(exc: EngineError | ApiError):
    status = status_of(exc)
    if isinstance(exc, UnavailableError):      # the operator needs the cause; the caller gets the message
        log.warning("answered 503: %s (%r)", exc.message, exc.__cause__)
    headers = {}
    if status in (429, 503):
        headers["Retry-After"] = str(max(1, int(getattr(exc, "retry_after", 1) or 1)))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="gongwucang"'
    return error_response(status, exc.code, exc.message, exc.details, headers)


def _validation_error(exc: ValidationError):
    return error_response(422, "validation_failed", "请求内容校验失败", validation_details(exc.messages))


def _http_error(exc: HTTPException):
    status = exc.code if exc.code in PROTOCOL_STATUSES else 400
    code, message = HTTP_CODES[status]
    headers, details = {}, None
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 404:
        message = "地址不存在 (unknown URL)"
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message, details = f"请求体过大，上限 {limit} 字节 (request body too large)", {"max_request_bytes": limit}
    return error_response(status, code, message, details, headers)


def _unexpected(exc: Exception):
    log.exception("unexpected error while serving a request")
    return error_response(500, "internal_error", "服务器内部错误，已记录；请联系管理员", None)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(EngineError, _engine_or_api_error)
    app.register_error_handler(ApiError, _engine_or_api_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
