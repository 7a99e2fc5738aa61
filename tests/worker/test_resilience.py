"""Nothing is lost: timers that fell due while no worker ran, a broker outage during requests, and
500 cases pushed through two workers."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from tests.conftest import fixture_files
from tests.e2e.live import LiveServer, free_port
from tests.helpers import add_users
from tests.worker.conftest import wait_until


def test_timers_that_fell_due_while_everything_was_down_fire_once_it_is_back(pg_engine, workers):
    eng = pg_engine
    add_users(eng)
    eng.deploy(fixture_files("intermediate_timer.bpmn", "confirm.schema.json"))
    cases = [eng.start_case("intermediate_timer", {}, "tester")["id"] for _ in range(10)]
    time.sleep(3)                                     # every PT2S timer is now overdue, no worker running
    assert all(eng.get_case(c)["open_tasks"] == [] for c in cases)
    workers.start(beat=True)
    wait_until(lambda: all(eng.get_case(c)["open_tasks"] for c in cases), 60, what="catch-up\n" + workers.logs())
    for case_id in cases:
        assert [e["type"] for e in eng.case_events(case_id)].count("timer_fired") == 1


def test_five_hundred_cases_through_two_workers_each_in_its_end_state_nothing_twice(pg_engine, workers):
    eng = pg_engine
    add_users(eng)
    eng.deploy(fixture_files("service_tasks.bpmn", "intermediate_timer.bpmn", "confirm.schema.json"))
    workers.start(beat=True)
    workers.start()
    services = [eng.start_case("service_tasks", {"x": i, "y": 1}, "tester")["id"] for i in range(250)]
    timed = [eng.start_case("intermediate_timer", {}, "tester")["id"] for _ in range(250)]

    def finished():
        return eng.inbox("tester", limit=1)[1] == 500      # every case has its next user task open
    wait_until(finished, 240, interval=1, what="500 cases to reach their next user task\n" + workers.logs())
    for case_id in services:
        case = eng.get_case(case_id)
        assert [t["name"] for t in case["open_tasks"]] == ["after_notify"]
        assert case["data"]["total"]["sum"] == case["data"]["x"] + 1
    for case_id in timed:
        assert [t["name"] for t in eng.get_case(case_id)["open_tasks"]] == ["after_wait"]
    keys = workers.calls_file.read_text().split()
    assert len(keys) == 250 and len(set(keys)) == 250          # no async step ran twice


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of our own on a free port, so that the test can stop it."""
    exe = shutil.which("redis-server")
    if exe is None:
        import os
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    port = free_port()

    def start():
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis
        client = redis.Redis(port=port)
        wait_until(lambda: _pings(client), 10, 0.1, "redis to start")
        client.close()
        return proc

    state = {"proc": start(), "start": start, "port": port}
    yield state
    state["proc"].terminate()
    state["proc"].wait(10)


def _pings(client) -> bool:
    import redis
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


def test_broker_down_for_ten_seconds_the_api_answers_and_every_case_finishes(pg_engine, own_redis, tmp_path):
    from tests.worker.conftest import Workers
    eng = pg_engine
    eng.add_user("tester", "gongwucang-demo", ["TESTER"])
    eng.deploy(fixture_files("service_tasks.bpmn", "confirm.schema.json"))
    broker = f"redis://127.0.0.1:{own_redis['port']}/0"
    workers = Workers(eng.settings.database_url, broker, tmp_path)
    api = LiveServer(tmp_path, command=("serve",), env={"GWC_DATABASE_URL": eng.settings.database_url,
                                                        "GWC_BROKER_URL": broker,
                                                        "GWC_OPERATOR_MODULES": "tests.worker.operators"})
    try:
        workers.start(beat=True)
        token = api.token("tester")
        first = api.request("POST", "/api/v1/cases", {"process_model": "service_tasks", "data": {"x": 0, "y": 1}},
                            token)[1]["id"]
        wait_until(lambda: eng.get_case(first)["status"] == "waiting", 60, what="warm-up\n" + workers.logs())
        own_redis["proc"].terminate()                              # the broker goes away
        own_redis["proc"].wait(10)
        started, outage_began = [], time.monotonic()
        while time.monotonic() - outage_began < 10:
            status, body = api.request("POST", "/api/v1/cases",
                                       {"process_model": "service_tasks", "data": {"x": len(started), "y": 1}}, token)
            assert status == 201, body                             # the API keeps answering
            started.append(body["id"])
            time.sleep(0.5)
        assert api.request("GET", "/healthz")[1]["broker"] == "down"
        assert all(eng.get_case(c)["status"] == "running" for c in started)
        own_redis["proc"] = own_redis["start"]()                   # the broker is back
        wait_until(lambda: all(eng.get_case(c)["status"] == "waiting" for c in started), 120, interval=1,
                   what="every case started during the outage to finish\n" + workers.logs())
        assert len(started) >= 10
    finally:
        api.stop()
        workers.stop()
