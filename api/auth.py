"""Bearer tokens: POST /api/v1/auth/token, and the check in front of every non-public endpoint.

Tokens are itsdangerous URLSafeTimedSerializer signatures (salt "gwc-token") of {"sub": username},
valid for settings.token_ttl_seconds. Their timestamps come from the engine's clock (so tests move time
instead of sleeping). A token's signature is checked once per server process, its age on every request.
Every request checks the user too: a user removed or deactivated since the token was issued gets 401,
at most settings.principal_cache_seconds (default 2 s) after the change (engine.services.users.
PrincipalCache; at once for changes made through the same process).
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from engine.caches import Bounded
from engine.errors import AuthenticationError, PermissionDeniedError
from engine.services.users import bind_request_principal, release_request_principal

from .errors import UnauthorizedError
from .operations import engine, is_public, operation, settings
from .schemas import TokenRequestSchema, TokenSchema

SALT = "gwc-token"
MAX_TOKEN_LENGTH = 2048

bp = Blueprint("auth", __name__)


def make_serializer(secret_key: str, clock) -> URLSafeTimedSerializer:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=ClockSigner)


def _tokens() -> URLSafeTimedSerializer:
    return current_app.extensions["gwc_tokens"]


def issue_token(name: str) -> str:
    return _tokens().dumps({"sub": name})


@bp.post("/api/v1/auth/token")
@operation("获取访问令牌 (log in)", tags=["auth"], body=TokenRequestSchema, response=TokenSchema, public=True,
           errors=(400, 401, 413, 415, 422, 429),
           description="用户名和密码换取 Bearer 令牌。未知用户与密码错误的回答相同；多次失败后 429（Retry-After）。")
def token(body):
    principal = engine().login(body["username"], body["password"], request.remote_addr)
    if principal is None:
        raise AuthenticationError("用户名或密码错误 (wrong user name or password)")
    return {"access_token": issue_token(principal.username), "token_type": "Bearer",
            "expires_in": settings().token_ttl_seconds}


def _authenticate() -> None:
    """before_request: every endpoint but the public ones needs a valid bearer token of an active user."""
    if request.routing_exception is not None or request.method == "OPTIONS" or is_public(request.endpoint):
        return
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise UnauthorizedError("需要登录：请在 Authorization 头中提供 Bearer 令牌", {"reason": "missing"})
    if len(value) > MAX_TOKEN_LENGTH:
        raise UnauthorizedError("令牌无效，请重新登录", {"reason": "invalid"})
    name = _token_subject(value)
    principal = engine().principal(name) if isinstance(name, str) else None
    if principal is None:
        raise UnauthorizedError("用户不存在或已停用，请重新登录", {"reason": "inactive"})
    g.principal = principal
    g.principal_token = bind_request_principal(principal)     # the services reuse it for this request


def _token_subject(value: str):
    """The token's subject (a user name, or None if the payload has none); UnauthorizedError if the
    token is forged or expired. A token is sent with every request: its HMAC is checked once per
    process (gwc_verified_tokens: {token: (subject, issued at, unix seconds)}), its age on every use."""
    verified = current_app.extensions["gwc_verified_tokens"]
    kept = verified.get(value)
    ttl = settings().token_ttl_seconds
    if kept is not None:
        age = int(engine().clock.now().timestamp()) - kept[1]
        if age < 0 or age > ttl:            # as itsdangerous: issued in the future or too long ago
            raise UnauthorizedError("令牌已过期，请重新登录", {"reason": "expired"})
        return kept[0]
    try:
        payload, issued = _tokens().loads(value, max_age=ttl, return_timestamp=True)
    except SignatureExpired:
        raise UnauthorizedError("令牌已过期，请重新登录", {"reason": "expired"}) from None
    except BadSignature:
        raise UnauthorizedError("令牌无效，请重新登录", {"reason": "invalid"}) from None
    name = payload.get("sub") if isinstance(payload, dict) else None
    verified.put(value, (name if isinstance(name, str) else None, int(issued.timestamp())))
    return name


def _release(_exc=None) -> None:
    token = g.pop("principal_token", None)
    if token is not None:
        release_request_principal(token)


def require_role(role: str) -> None:
    if not g.principal.has_role(role):
        raise PermissionDeniedError(f"此操作需要角色 {role}", {"required_role": role})


def init_auth(app: Flask, secret_key: str) -> None:
    app.extensions["gwc_tokens"] = make_serializer(secret_key, app.extensions["gwc_engine"].clock)
    app.extensions["gwc_verified_tokens"] = Bounded(8192)
    app.before_request(_authenticate)
    app.teardown_request(_release)
    app.register_blueprint(bp)
