"""Tokens: issue, use, expiry, tampering, removed users, throttled logins."""
from __future__ import annotations

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, update

from engine.store.tables import User
from tests.api.conftest import SECRET, make_app
from tests.api.support import PASSWORD, assert_error


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_token_is_issued_and_opens_the_api(api):
    r = login(api.client, "wang.clerk")
    assert r.status_code == 200
    body = r.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 8 * 3600 and body["access_token"]
    r = api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert r.status_code == 200 and r.get_json() == {"items": [], "total": 0}


def test_wrong_password_and_unknown_user_answer_alike(api):
    wrong = assert_error(login(api.client, "wang.clerk", "wrong password"), 401, "unauthenticated")
    unknown = assert_error(login(api.client, "no.such.user", "wrong password"), 401, "unauthenticated")
    assert wrong == unknown


def test_token_request_is_validated(api):
    body = assert_error(api.client.post("/api/v1/auth/token", json={"username": "x"}), 422, "validation_failed")
    assert {"field": "password", "message": "Missing data for required field."} in body["details"]
    assert_error(api.client.post("/api/v1/auth/token", json={"username": 1, "password": [], "extra": 1}), 422)
    form = api.client.post("/api/v1/auth/token", data="username=x", content_type="application/x-www-form-urlencoded")
    assert_error(form, 415, "unsupported_media_type")


def test_every_protected_endpoint_needs_a_token(api):
    assert_error(api.client.get("/api/v1/cases"), 401, "unauthenticated")
    for header in ("Bearer", "Bearer ", "Basic abc", "Token abc", "Bearer not-a-token", "Bearer " + "x" * 5000):
        r = api.client.get("/api/v1/tasks", headers={"Authorization": header})
        assert_error(r, 401, "unauthenticated")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_signed_with_another_key_is_refused(api):
    forged = URLSafeTimedSerializer("another-secret", salt="gwc-token").dumps({"sub": "admin"})
    assert_error(api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_token_expires_with_the_clock(api, clock):
    headers = {"Authorization": f"Bearer {api.token('wang.clerk')}"}
    clock.advance(seconds=8 * 3600 - 5)
    assert api.client.get("/api/v1/tasks", headers=headers).status_code == 200
    clock.advance(seconds=10)
    body = assert_error(api.client.get("/api/v1/tasks", headers=headers), 401, "unauthenticated")
    assert body["details"] == {"reason": "expired"}


def test_token_with_an_old_timestamp_is_expired(engine, users, clock):
    app = make_app(engine, token_ttl_seconds=60)
    now = int(clock.now().timestamp())

    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return now - 61

    old = URLSafeTimedSerializer(SECRET, salt="gwc-token", signer=OldSigner).dumps({"sub": "wang.clerk"})
    with app.test_client() as client:
        assert login(client, "wang.clerk").get_json()["expires_in"] == 60
        r = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {old}"})
        assert assert_error(r, 401)["details"] == {"reason": "expired"}


def test_deactivated_or_deleted_user_loses_access(api, engine):
    headers = {u: {"Authorization": f"Bearer {api.token(u)}"} for u in ("wang.clerk", "li.head")}
    with engine.db.unit_of_work() as s:
        s.execute(update(User).where(User.username == "wang.clerk").values(active=False))
        s.execute(delete(User).where(User.username == "li.head"))
    for user in headers:
        body = assert_error(api.client.get("/api/v1/tasks", headers=headers[user]), 401)
        assert body["details"] == {"reason": "inactive"}


def test_a_deactivation_made_elsewhere_takes_effect_within_the_principal_window(api, engine):
    """A server process reuses a user's grants for principal_cache_seconds (2 s): a change made by
    another process (here: straight in the database) shuts the user out once that window has passed."""
    now = [1000.0]
    engine.principals.clock = lambda: now[0]
    headers = {"Authorization": f"Bearer {api.token('wang.clerk')}"}
    assert api.client.get("/api/v1/tasks", headers=headers).status_code == 200
    with engine.db.unit_of_work() as s:
        s.execute(update(User).where(User.username == "wang.clerk").values(active=False))
    now[0] += 1.5
    assert api.client.get("/api/v1/tasks", headers=headers).status_code == 200   # still inside the window
    now[0] += 0.6
    body = assert_error(api.client.get("/api/v1/tasks", headers=headers), 401)
    assert body["details"] == {"reason": "inactive"}


def test_grants_changed_through_the_engine_take_effect_at_once(api, engine):
    headers = {"Authorization": f"Bearer {api.token('wang.clerk')}"}
    assert api.client.get("/api/v1/process-models", headers=headers).status_code == 200
    before = engine.principal("wang.clerk")
    engine.add_user("wang.clerk", PASSWORD, ["DESIGNER"])
    after = engine.principal("wang.clerk")
    assert after.grants == (("DESIGNER", None),) and after != before


def test_without_a_principal_window_every_request_reads_the_user(engine, users):
    from engine.services.users import PrincipalCache
    engine.principals = PrincipalCache(0)
    app = make_app(engine)
    with app.test_client() as client:
        token = login(client, "wang.clerk").get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
        with engine.db.unit_of_work() as s:
            s.execute(update(User).where(User.username == "wang.clerk").values(active=False))
        assert assert_error(client.get("/api/v1/tasks", headers=headers), 401)["details"] == {"reason": "inactive"}


def test_repeated_failed_logins_answer_429_with_retry_after(api, engine):
    for _ in range(engine.settings.login_max_failures):
        assert_error(login(api.client, "wang.clerk", "wrong password"), 401)
    r = login(api.client, "wang.clerk", "wrong password")
    assert_error(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) > 0
    assert_error(login(api.client, "wang.clerk"), 429)       # even the right password must wait


def test_public_endpoints_need_no_token(api):
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/api/v1/openapi.json").status_code == 200
    assert api.client.get("/api/v1/docs").status_code == 200


def test_a_revoked_grant_applies_to_the_next_request(engine, deployed):
    """The services reuse the request's principal within one request only: after an admin changes a
    user's grants, that user's next request sees the change."""
    from engine.services.users import _request_principal
    deployed.start()                                              # wang.clerk's case
    assert deployed.ok("get", "/api/v1/cases", "boss")["total"] == 1     # MANAGER sees every case
    engine.add_user("boss", "correct horse battery", [])          # grants replaced: no MANAGER any more
    assert deployed.ok("get", "/api/v1/cases", "boss")["total"] == 0
    assert _request_principal.get() is None                      # nothing stays bound after a request


def test_the_api_keeps_no_cookie_session(api):
    """Stateless: a bearer token on every call. No answer sets a cookie, and a cookie sent along (a
    browser's leftover, or a forged one) neither opens the API nor breaks a call."""
    r = login(api.client, "wang.clerk")
    token = r.get_json()["access_token"]
    assert "Set-Cookie" not in r.headers
    api.client.set_cookie("session", "eyJmb3JnZWQiOnRydWV9.forged.signature")
    assert_error(api.client.get("/api/v1/tasks"), 401, "unauthenticated")
    r = api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
