"""Item 3, inbox at scale: a user's inbox (first page, with total) and managers' filtered case lists
with 10 thousand, 100 thousand and 1 million task rows in PostgreSQL; p50/p95 of the service calls
(`Engine.inbox`, `Engine.list_cases`: what the API's views call; the HTTP floor is item 2's healthz).

The rows are written with bulk SQL (INSERT ... SELECT generate_series) into the engine's tables, not
through the engine: 10 tasks per case, 85% of the cases completed, 13% waiting and 2% in error with
their last task open (1.5% of the task rows open), over 12 roles, 20 scopes, 8 processes and 500 users.
The user `keeper` holds BRANCH_KEEPER@武侯区 and UNIT_HEAD@U07; `manager` holds MANAGER (every scope)
and `district_manager` MANAGER@武侯区. Each size is compared with the same query at the smallest size.
"""
from __future__ import annotations

import time

from . import services
from .figures import Figure, percentile

SECTION = "3 inbox at scale"
TASKS_PER_CASE = 10
ROLES = ["UNIT_CLERK", "UNIT_HEAD", "BRANCH_KEEPER", "CENTER_OPERATOR", "AGENCY_LEADER", "FINANCE",
         "SUPPLIER", "SITE_RECEIVER", "EMERGENCY_COMMAND", "VEHICLE_ADMIN", "AUDITOR", "DRIVER"]
SCOPES = ["武侯区", "锦江区", "青羊区", "金牛区", "成华区", "龙泉驿区", "双流区", "郫都区", "新都区", "温江区",
          "U01", "U02", "U03", "U04", "U05", "U06", "U07", "U08", "U09", "U10"]
PROCESSES = ["asset_request", "deposit", "cross_district_transfer", "service_purchase", "emergency_dispatch",
             "vehicle_repair", "vehicle_designation", "approval"]
QUERIES = {
    "inbox": lambda eng: eng.inbox("keeper"),
    "cases.manager": lambda eng: eng.list_cases(user="manager", process_id="asset_request", status="waiting"),
    "cases.district_manager": lambda eng: eng.list_cases(user="district_manager", status="waiting"),
}
NOTES = {"inbox": "keeper's inbox, first page and total",
         "cases.manager": "MANAGER: asset_request cases waiting, first page and total",
         "cases.district_manager": "MANAGER@武侯区: cases waiting, first page and total"}


def _arr(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


CASES_SQL = f"""
INSERT INTO cases (id, process_id, version_id, version, status, business_key, started_by, created_at,
                   updated_at, completed_at, revision, data, state, serializer_version)
SELECT md5('case' || i)::uuid::text, ({_arr(PROCESSES)})[1 + i %% 8], %(vid)s, 1,
       CASE WHEN i %% 100 < 85 THEN 'completed' WHEN i %% 100 < 98 THEN 'waiting' ELSE 'error' END,
       'BK-' || i, 'u' || (i %% 500),
       now() - make_interval(mins => %(hi)s - i), now() - make_interval(mins => %(hi)s - i),
       CASE WHEN i %% 100 < 85 THEN now() - make_interval(mins => %(hi)s - i) END, 1,
       json_build_object('amount', i %% 9000, 'title', '批量生成的案件 ' || i), '{{}}', '3.0'
FROM generate_series(%(lo)s, %(hi)s - 1) AS i
"""

TASKS_SQL = f"""
INSERT INTO human_tasks (id, case_id, process_id, element_id, title, role, scope, form, ui_form, state,
                         assignee, priority, created_at, due_at, completed_at, completed_by)
SELECT md5('task' || i || '-' || j)::uuid::text, md5('case' || i)::uuid::text, ({_arr(PROCESSES)})[1 + i %% 8],
       'step_' || j, '步骤 ' || j, ({_arr(ROLES)})[1 + (i * 7 + j) %% 12], ({_arr(SCOPES)})[1 + (i * 3 + j * 5) %% 20],
       NULL, NULL, CASE WHEN i %% 100 >= 85 AND j = 9 THEN 'open' ELSE 'completed' END,
       CASE WHEN i %% 100 >= 85 AND j = 9 AND i %% 10 = 0 THEN 'u' || (i %% 500)
            WHEN NOT (i %% 100 >= 85 AND j = 9) THEN 'u' || ((i + j) %% 500) END,
       50, now() - make_interval(mins => %(hi)s - i), now() - make_interval(mins => %(hi)s - i) + interval '2 days',
       CASE WHEN NOT (i %% 100 >= 85 AND j = 9) THEN now() - make_interval(mins => %(hi)s - i) END,
       CASE WHEN NOT (i %% 100 >= 85 AND j = 9) THEN 'u' || ((i + j) %% 500) END
FROM generate_series(%(lo)s, %(hi)s - 1) AS i, generate_series(0, {TASKS_PER_CASE - 1}) AS j
"""


def _fill(url: str, version_id: int, lo: int, hi: int) -> None:
    """Write cases lo..hi-1 and their tasks. The secondary indexes of both tables are dropped first and
    built again after (from their own definitions in pg_indexes): bulk building is several times faster
    than maintaining them row by row, and the schema ends up exactly as migrated."""
    import psycopg
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('cases', "
                               "'human_tasks', 'case_scopes') AND indexdef NOT LIKE '%%UNIQUE%%'").fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        args = {"vid": version_id, "lo": lo, "hi": hi}
        conn.execute(CASES_SQL, args)
        conn.execute(TASKS_SQL, args)
        # what the engine writes beside each inbox row: the case under its task's scope, with its status
        conn.execute("INSERT INTO case_scopes (scope, case_id, status) SELECT DISTINCT t.scope, t.case_id, c.status "
                     "FROM human_tasks t JOIN cases c ON c.id = t.case_id WHERE t.scope IS NOT NULL "
                     "ON CONFLICT DO NOTHING")
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        # What autovacuum does to a table after a bulk load: statistics and the visibility map (so the
        # planner may answer from an index alone).
        for table in ("cases", "human_tasks", "case_scopes"):
            conn.execute(f"VACUUM ANALYZE {table}")


def _time(fn, runs: int) -> list[float]:
    fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(pg_url: str | None, pg_why: str, sizes: tuple[int, ...], runs: int) -> list[Figure]:
    largest = max(sizes)
    if not pg_url:
        return [Figure(f"{q}.{_label(largest)}.p95", None, "ms", target=20 if largest >= 1_000_000 else None,
                       section=SECTION, note=pg_why) for q in QUERIES]
    services.fresh_postgres(pg_url)
    eng = services.engine(pg_url)
    figures: list[Figure] = []
    try:
        eng.add_user("keeper", services.PASSWORD, ["BRANCH_KEEPER@武侯区", "UNIT_HEAD@U07"])
        eng.add_user("manager", services.PASSWORD, ["MANAGER"])
        eng.add_user("district_manager", services.PASSWORD, ["MANAGER@武侯区"])
        eng.deploy(services.model_files(*services.APPROVAL_FILES))
        from sqlalchemy import select
        from engine.store.tables import ProcessVersion
        with eng.db.unit_of_work(write=False) as s:
            version_id = s.execute(select(ProcessVersion.id)).scalars().first()
        base: dict[tuple[str, int], Figure] = {}
        done_cases = 0
        for size in sorted(sizes):
            cases = size // TASKS_PER_CASE
            t0 = time.perf_counter()
            _fill(pg_url, version_id, done_cases, cases)
            fill_s = time.perf_counter() - t0
            done_cases = cases
            for q, fn in QUERIES.items():
                samples = _time(lambda fn=fn: fn(eng), runs)
                total = fn(eng)[1]
                for p in (50, 95):
                    ref = base.get((q, p))
                    fig = Figure(f"{q}.{_label(size)}.p{p}", percentile(samples, p), "ms",
                                 ref.value if ref else None, ref.name if ref else None,
                                 target=20 if (p == 95 and size >= 1_000_000) else None, section=SECTION,
                                 note=f"{NOTES[q]} ({total:,} match; {size:,} rows written in {fill_s:.0f} s)",
                                 extra={"scale": (q, size, p)})
                    base.setdefault((q, p), fig)
                    figures.append(fig)
    finally:
        eng.close()
    return figures


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"
