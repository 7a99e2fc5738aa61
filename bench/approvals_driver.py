"""`python bench/approvals_driver.py ROOT N`: N of item 2's approvals (start, inbox, complete, complete)
through Flask's test client and the engine of the checkout at ROOT, on a fresh SQLite file, in this one
process. bench/instructions.py runs it under callgrind for two versions; it is run by path, with ROOT
first on sys.path, so that the code measured is ROOT's while this driver and the models are this
checkout's (an older version need not have either).

Only the app's long-standing API is used: Settings, Engine (add_user, deploy), create_app and the
migrations. Five approvals warm up the process first (statement caches, compiled specs).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
START_DATA = {"amount": 1200, "team": "t0", "title": "基准审批"}
ANSWERS = ({"decision": "APPROVE", "comment": "同意"}, {"approved": True, "comment": "同意"})
MODELS = ("approval.bpmn", "bench_review.schema.json", "bench_approve.schema.json")
WARM_UP = 5


def main(root: str, approvals: int) -> None:
    sys.path.insert(0, root)
    from api.app import create_app
    from engine.bootstrap import Engine
    from engine.config import Settings
    from engine.store.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/approvals.sqlite3"
        upgrade(url)
        settings = Settings(database_url=url, secret_key="instructions-" + "x" * 32, argon2_time_cost=1,
                            argon2_memory_kib=64)
        engine = Engine(settings)
        try:
            engine.add_user("clerk", "bench password", ["CLERK", "HEAD@t0", "LEADER@t0"])
            engine.deploy({name: (HERE / "models" / name).read_bytes() for name in MODELS})
            client = create_app(settings, engine=engine).test_client()
            token = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "bench password"})
            headers = {"Authorization": "Bearer " + token.get_json()["access_token"]}
            for _ in range(WARM_UP + approvals):
                _approval(client, headers)
        finally:
            engine.close()
    print(f"{approvals} approvals done")


def _approval(client, headers) -> None:
    case = client.post("/api/v1/cases", json={"process_model": "bench_approval", "data": START_DATA},
                       headers=headers).get_json()
    inbox = client.get("/api/v1/tasks?limit=10", headers=headers).get_json()
    task = next(t for t in inbox["items"] if t["case_id"] == case["id"])
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": ANSWERS[0]}, headers=headers).get_json()
    done = client.post(f"/api/v1/tasks/{done['case']['open_tasks'][0]['id']}/complete", json={"data": ANSWERS[1]},
                       headers=headers).get_json()
    if done["case"]["status"] != "completed":
        raise SystemExit(f"the approval did not complete: {done}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
