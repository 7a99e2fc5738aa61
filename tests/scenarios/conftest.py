"""The scenarios' world: the Chengdu-metro demo data, every demo user and the HTTP API on top, over SQLite
and PostgreSQL like every other engine test. A test deploys the processes it plays: `desk.deploy(...)`."""
from __future__ import annotations

import dataclasses

import pytest

from api.app import create_app
from tests.scenarios.support import Desk
from warehouse.data.users import DEMO_PASSWORD, DEMO_USERS


@pytest.fixture
def metro(engine):
    from warehouse.demo_data import load_demo_data
    load_demo_data(engine.db)
    for login, name, grants in DEMO_USERS:
        engine.add_user(login, DEMO_PASSWORD, grants, name)
    return engine


@pytest.fixture
def desk(metro, clock):
    app = create_app(dataclasses.replace(metro.settings, secret_key="scenario-secret"), engine=metro)
    with app.test_client() as client:
        yield Desk(client, metro, clock)
