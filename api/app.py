"""The app factory: `create_app(settings, engine=None)`. Nothing is built at import time."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask.sessions import SessionInterface

from engine.config import Settings

from . import auth, cases, diagrams, domain, health, messages, openapi, process_models, tasks
from . import migrations, records
from .errors import register_error_handlers

if TYPE_CHECKING:
    from engine.bootstrap import Engine


def create_app(settings: Settings, engine: Engine | None = None) -> Flask:
    """A Flask app serving `engine` (built from `settings` when not given).

    settings.secret_key signs the bearer tokens and is required; settings.max_request_bytes limits
    every request body (uploads included).
    """
    if not settings.secret_key:
        raise ValueError("settings.secret_key is required to sign access tokens: set GWC_SECRET_KEY")
    if engine is None:
        from engine.bootstrap import Engine
        engine = Engine(settings)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      MAX_FORM_MEMORY_SIZE=settings.max_request_bytes)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.json.mimetype = "application/json; charset=utf-8"
    app.url_map.strict_slashes = False
    app.session_interface = _NoCookieSessions()
    app.extensions["gwc_engine"] = engine
    app.extensions["gwc_settings"] = settings
    register_error_handlers(app)
    auth.init_auth(app, settings.secret_key)
    for module in (health, openapi, process_models, cases, tasks, messages, domain, records, diagrams, migrations):
        app.register_blueprint(module.bp)
    return app


class _NoCookieSessions(SessionInterface):
    """The API is stateless (a bearer token on every call): no request reads or writes a session
    cookie, so none is parsed, signed or set. `flask.session` is an empty NullSession that refuses
    writes, which is what a view touching it by mistake should meet."""

    def open_session(self, app, request):
        return None                 # Flask then uses make_null_session

    def save_session(self, app, session, response):
        return None
