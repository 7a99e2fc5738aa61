"""Fixtures of the HTTP tests: an app over the `engine` fixture (SQLite and PostgreSQL), users, models."""
from __future__ import annotations

import dataclasses

import pytest

from api.app import create_app
from tests.api.support import ASSET_REQUEST, PASSWORD, USERS, Api

SECRET = "test-secret"


def make_app(engine, **overrides):
    return create_app(dataclasses.replace(engine.settings, secret_key=SECRET, **overrides), engine=engine)


@pytest.fixture
def app(engine):
    return make_app(engine)


@pytest.fixture
def users(engine):
    for name, grants in USERS.items():
        engine.add_user(name, PASSWORD, grants)
    return USERS


@pytest.fixture
def api(app, users):
    with app.test_client() as client:
        yield Api(client)


@pytest.fixture
def deployed(engine, api):
    """asset_request deployed; returns the Api."""
    engine.deploy(paths=ASSET_REQUEST)
    return api
