"""Async service tasks and timers carried by real Celery workers on a real Redis."""
from __future__ import annotations

from tests.conftest import fixture_files
from tests.helpers import add_users
from tests.worker.conftest import wait_until


def test_two_workers_finish_async_steps_and_timers_exactly_once(pg_engine, workers):
    eng = pg_engine
    add_users(eng)
    eng.deploy(fixture_files("service_tasks.bpmn", "intermediate_timer.bpmn", "confirm.schema.json"))
    workers.start(beat=True)
    workers.start()
    services = [eng.start_case("service_tasks", {"x": i, "y": 1}, "tester")["id"] for i in range(20)]
    timed = [eng.start_case("intermediate_timer", {}, "tester")["id"] for _ in range(10)]

    def all_done():
        cases = [eng.get_case(c) for c in services + timed]
        return all(c["status"] == "waiting" and c["open_tasks"] for c in cases)
    wait_until(all_done, 90, what="every case to reach its next user task\n" + workers.logs())

    for case_id in services:
        case = eng.get_case(case_id)
        assert [t["name"] for t in case["open_tasks"]] == ["after_notify"]
        assert case["data"]["notify_result"]["notified"] is True
        called = [e for e in eng.case_events(case_id) if e["type"] == "service_called" and e["task"] == "notify"]
        assert len(called) == 1          # the async step took effect once
    for case_id in timed:
        assert [t["name"] for t in eng.get_case(case_id)["open_tasks"]] == ["after_wait"]
        assert [e["type"] for e in eng.case_events(case_id)].count("timer_fired") == 1
    keys = workers.calls_file.read_text().split()
    assert len(keys) == 20 and len(set(keys)) == 20


def test_a_worker_killed_mid_job_leaves_it_to_another_and_the_case_advances_once(pg_engine, workers):
    eng = pg_engine
    add_users(eng)
    eng.deploy(fixture_files("service_tasks.bpmn", "confirm.schema.json"))
    workers.env["GWC_TEST_NOTIFY_SECONDS"] = "3"          # the operator is slow: room to kill mid-job
    first = workers.start(beat=True)
    case_id = eng.start_case("service_tasks", {"x": 1, "y": 2}, "tester")["id"]
    wait_until(lambda: workers.calls_file.exists() and workers.calls_file.read_text().strip(), 60,
               what="the operator to start\n" + workers.logs())
    workers.kill(first)                                     # SIGKILL the whole worker, mid-operator
    assert eng.get_case(case_id)["status"] == "running"     # nothing was committed by the dead worker
    workers.env["GWC_TEST_NOTIFY_SECONDS"] = "0"
    workers.start(beat=True)
    wait_until(lambda: eng.get_case(case_id)["status"] == "waiting", 90,
               what="another worker to finish the job\n" + workers.logs())
    case = eng.get_case(case_id)
    assert [t["name"] for t in case["open_tasks"]] == ["after_notify"]
    called = [e for e in eng.case_events(case_id) if e["type"] == "service_called" and e["task"] == "notify"]
    assert len(called) == 1                                 # exactly-once effect on the case
    keys = workers.calls_file.read_text().split()
    assert len(keys) >= 2 and len(set(keys)) == 1           # delivered again, with the same idempotency key


def test_a_job_that_keeps_failing_does_not_block_the_others(pg_engine, workers):
    eng = pg_engine
    add_users(eng)
    eng.operators.register("notify_async", lambda ctx, **p: {"notified": True}, async_=True, retries=1,
                           backoff_seconds=0.5)      # the test process only needs the retry policy
    eng.deploy(fixture_files("service_tasks.bpmn", "confirm.schema.json"))
    workers.env["GWC_TEST_FAIL_MESSAGE"] = "合计 1000"     # the worker's operator fails for this case only
    workers.start(beat=True, concurrency=2)
    failing = eng.start_case("service_tasks", {"x": 999, "y": 1}, "tester")["id"]
    fine = [eng.start_case("service_tasks", {"x": i, "y": 1}, "tester")["id"] for i in range(8)]
    wait_until(lambda: all(eng.get_case(c)["status"] == "waiting" for c in fine), 60,
               what="the healthy cases to finish\n" + workers.logs())
    wait_until(lambda: eng.get_case(failing)["status"] == "error", 60,
               what="the failing job to run out of retries\n" + workers.logs())
    incident = eng.get_case(failing)["incidents"][0]
    assert incident["element_id"] == "notify" and "物流系统持续超时" in incident["message"]
    retries = [e for e in eng.case_events(failing) if e["type"] == "service_retry"]
    assert len(retries) == 1                                # retries=1: two attempts, then the incident
