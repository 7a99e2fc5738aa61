"""`gwc serve --workers 2` over real sockets: both worker processes answer on one port, a worker that dies
is replaced, SIGTERM leaves no process behind, workers that cannot start make it give up, and the
embedded runner lives in one worker only, so timers and async jobs still run once."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.config import Settings
from tests.conftest import FAST, fixture_files
from tests.e2e.live import ROOT, LiveServer

RUNNER_LINE = re.compile(r"worker 0 \(pid (\d+)\) runs the embedded background runner")


def migrated_sqlite(tmp_path: Path) -> str:
    from engine.bootstrap import Engine
    from engine.store.migrate import upgrade
    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    upgrade(url)
    eng = Engine(Settings(database_url=url, operator_modules=("tests.worker.operators",), **FAST))
    try:
        eng.add_user("tester", "gongwucang-demo", ["TESTER", "ADMIN"])
        eng.deploy(fixture_files("intermediate_timer.bpmn", "service_tasks.bpmn", "confirm.schema.json"))
    finally:
        eng.close()
    return url


def start(tmp_path: Path, workers: int = 2) -> LiveServer:
    return LiveServer(tmp_path, command=("serve", "--workers", str(workers)),
                      env={"GWC_DATABASE_URL": migrated_sqlite(tmp_path),
                           "GWC_OPERATOR_MODULES": "tests.worker.operators",
                           "GWC_TEST_CALLS_FILE": str(tmp_path / "calls.txt")})


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout} s for {what}")


def log(server: LiveServer) -> str:
    return Path(server.log.name).read_text(encoding="utf-8")


def runners(server: LiveServer) -> list[int]:
    return [int(pid) for pid in RUNNER_LINE.findall(log(server))]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start(tmp_path_factory.mktemp("workers"))
    wait_for(lambda: len(children(live.proc.pid)) == 2 and runners(live), "two workers, one running the runner")
    yield live
    live.stop()


def test_the_serving_line_names_the_workers(server):
    assert f"serving on http://127.0.0.1:{server.port} (2 workers, 8 threads each" in log(server)


def test_each_worker_answers_and_many_concurrent_requests_succeed(server):
    token = server.token("tester")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: server.request("GET", "/api/v1/tasks" if i % 2 else "/healthz",
                                                          token=token)[0], range(64)))
    assert statuses == [200] * 64
    # With one worker frozen, the other accepts every connection: each answers on its own.
    for frozen in children(server.proc.pid):
        os.kill(frozen, signal.SIGSTOP)
        try:
            assert server.request("GET", "/healthz")[0] == 200
            assert server.request("GET", "/api/v1/tasks", token=token)[0] == 200
        finally:
            os.kill(frozen, signal.SIGCONT)


def test_timers_and_async_jobs_run_once_by_the_one_runner(server):
    token = server.token("tester")
    assert len(runners(server)) == 1 and runners(server)[0] in children(server.proc.pid)
    status, timer_case = server.request("POST", "/api/v1/cases", {"process_model": "intermediate_timer", "data": {}},
                                        token)
    assert status == 201, timer_case
    status, job_case = server.request("POST", "/api/v1/cases", {"process_model": "service_tasks",
                                                                "data": {"x": 1, "y": 2}}, token)
    assert status == 201, job_case

    def open_tasks(case_id):
        return server.request("GET", f"/api/v1/cases/{case_id}", token=token)[1]["open_tasks"]
    assert [t["name"] for t in wait_for(lambda: open_tasks(timer_case["id"]), "the timer")] == ["after_wait"]
    assert [t["name"] for t in wait_for(lambda: open_tasks(job_case["id"]), "the async job")] == ["after_notify"]
    events = server.request("GET", f"/api/v1/cases/{timer_case['id']}/events", token=token)[1]["items"]
    assert [e["type"] for e in events].count("timer_fired") == 1
    calls = (Path(server.log.name).parent / "calls.txt").read_text().split()
    assert len(calls) == 1, calls                  # the operator was called once


def test_a_killed_worker_is_replaced_and_the_runner_with_it(server):
    token = server.token("tester")
    before = children(server.proc.pid)
    runner = runners(server)[-1]
    other = (before - {runner}).pop()
    os.kill(other, signal.SIGKILL)
    after = wait_for(lambda: (lambda now: len(now) == 2 and other not in now and now)(children(server.proc.pid)),
                     "a new worker in place of the killed one")
    assert runner in after and runners(server) == [runner]     # not the runner's worker: no second runner
    assert f"worker 1 (pid {other}) died (killed by SIGKILL); starting a new one" in log(server)

    os.kill(runner, signal.SIGKILL)
    wait_for(lambda: len(runners(server)) == 2 and runners(server)[-1] in children(server.proc.pid),
             "a new worker 0 with the runner")
    assert not alive(runner)                                   # the old runner is gone before the new one runs
    status, case = server.request("POST", "/api/v1/cases", {"process_model": "intermediate_timer", "data": {}}, token)
    assert status == 201, case
    wait_for(lambda: server.request("GET", f"/api/v1/cases/{case['id']}", token=token)[1]["open_tasks"],
             "the timer, fired by the new runner")


def test_sigterm_stops_every_worker(tmp_path):
    live = start(tmp_path)
    try:
        workers = wait_for(lambda: (lambda now: len(now) == 2 and now)(children(live.proc.pid)), "two workers")
        live.proc.send_signal(signal.SIGTERM)
        assert live.proc.wait(30) == 0
        assert not [pid for pid in workers if alive(pid)]
    finally:
        live.stop()


def test_workers_that_cannot_start_make_it_give_up(tmp_path):
    url = migrated_sqlite(tmp_path)
    out = subprocess.run([sys.executable, "-m", "gwc", "serve", "--workers", "2", "--port", "0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "GWC_DATABASE_URL": url, "GWC_SECRET_KEY": "s",
                              "GWC_OPERATOR_MODULES": "no_such_operator_module"})
    assert out.returncode == 1
    assert "No module named 'no_such_operator_module'" in out.stderr
    assert "failed to start 5 times in a row; giving up" in out.stderr


@pytest.mark.parametrize("args, env", [(["--workers", "0"], {}), ([], {"GWC_WEB_WORKERS": "none"})])
def test_the_worker_count_is_checked(args, env):
    out = subprocess.run([sys.executable, "-m", "gwc", "serve", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "GWC_SECRET_KEY": "s", **env})
    assert out.returncode == 2 and "Invalid value for '--workers'" in out.stderr
