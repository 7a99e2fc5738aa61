"""Item 2, the full stack: the 5-step approval through the HTTP API of a real `gwc serve` (waitress, 8
threads, embedded runner) on loopback, on SQLite and on PostgreSQL, with 1 and with 8 concurrent clients.
1 client is measured on one server process; 8 clients on one and on WORKERS processes (`--workers`), and
`http.DB.c8` is the better of the two (its note says which; the other is `http.DB.c8.workersN`).

Each client is one keep-alive connection and one user (CLERK, HEAD@tN, LEADER@tN, its own team, so its
inbox holds only its own tasks). It logs in once, then repeats: start (POST /cases), inbox (GET /tasks),
complete, complete. Approvals/s is divided by the save/load ceiling of item 1; endpoint latencies by the
p50 of GET /healthz on the idle server (an HTTP round trip with one database ping).

Each run's CPU per approval is split into server, clients and database (`cpu.*`, from /proc). For the
two configurations with a target, `server_budget` is the server CPU per approval at which this machine
would reach it, and `server_floor` what waitress, Flask and the engine cost before our code runs
(http_floor.py; `_budget_figures`).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import services
from .ceiling import ANSWERS, START_DATA
from .figures import Figure, percentile

SECTION = "2 full stack"
ENDPOINTS = ("login", "start", "inbox", "complete")
REQUESTS_PER_APPROVAL = 4                   # start, inbox, complete, complete (the login is once per client)
TARGETS = {("sqlite", 1): 100, ("postgres", 8): 200}
WORKERS = min(os.cpu_count() or 1, 4)       # the several-process configuration: one per core


class ServedProcess:
    """A server in a process of its own on a free loopback port, awaited until a request to it is
    answered with 200, and stopped with SIGTERM (SIGKILL after 15 s)."""

    def __init__(self, argv: list[str], log_dir: Path, name: str, probe: tuple, *, env: dict | None = None,
                 cwd: Path | None = None, timeout: float = 60):
        """`argv`: the command, "{port}" standing for the port; `probe`: (method, path, body)."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = (log_dir / f"{name.replace(' ', '-')}-{self.port}.log").open("w")
        self.proc = subprocess.Popen([arg.replace("{port}", str(self.port)) for arg in argv], cwd=cwd or services.ROOT,
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"{name} exited: " + Path(self.log.name).read_text()[-2000:])
            try:
                if Client(self.port).call(*probe)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not answer {probe[0]} {probe[1]} within {timeout:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(15)
        self.log.close()


class Server(ServedProcess):
    """`python -m gwc serve --workers N` on a free loopback port, against `url`."""

    def __init__(self, url: str, log_dir: Path, workers: int = 1, root: Path | None = None):
        """`root`: the checkout whose `gwc serve` runs (default: this one; bench/compare.py passes
        another version's work tree)."""
        self.db = "postgres" if url.startswith("postgresql") else "sqlite"
        env = {k: v for k, v in os.environ.items() if k != "GWC_BROKER_URL"}
        env.update(GWC_DATABASE_URL=url, GWC_SECRET_KEY="bench-secret-" + "x" * 32)
        super().__init__([sys.executable, "-m", "gwc", "serve", "--port", "{port}", "--workers", str(workers)],
                         log_dir, "gwc serve", ("GET", "/healthz"), env=env, cwd=root)


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = None
        self.samples: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
        self.approvals = 0
        self.errors: list[str] = []

    def call(self, method, path, body=None, endpoint=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        self.conn.request(method, path, None if body is None else json.dumps(body), headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        elapsed = time.perf_counter() - t0
        if endpoint:
            self.samples[endpoint].append(elapsed * 1000)
        data = json.loads(payload) if payload[:1] in (b"{", b"[") else payload
        if resp.status >= 300 and len(self.errors) < 5:
            self.errors.append(f"{method} {path}: {resp.status} {str(data)[:200]}")
        return resp.status, data

    def login(self, user: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": user, "password": services.PASSWORD},
                                 "login")
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        self.token = body["access_token"]

    def approval(self, team: str) -> bool:
        status, case = self.call("POST", "/api/v1/cases", {"process_model": "bench_approval",
                                                           "data": dict(START_DATA, team=team)}, "start")
        if status != 201:
            return False
        status, inbox = self.call("GET", "/api/v1/tasks?limit=10", endpoint="inbox")
        mine = [t for t in inbox.get("items", []) if t["case_id"] == case["id"]] if status == 200 else []
        if not mine:
            self.errors.append("the new task is not in the inbox")
            return False
        status, done = self.call("POST", f"/api/v1/tasks/{mine[0]['id']}/complete", {"data": ANSWERS[0]}, "complete")
        if status != 200 or not done["case"]["open_tasks"]:
            return False
        nxt = done["case"]["open_tasks"][0]["id"]
        status, done = self.call("POST", f"/api/v1/tasks/{nxt}/complete", {"data": ANSWERS[1]}, "complete")
        ok = status == 200 and done["case"]["status"] == "completed"
        self.approvals += ok
        return ok


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds the processes `pids` have used so far (Linux /proc; gone ones: 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])          # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _processes_of(root: int | None = None, command: str | None = None) -> list[int]:
    """`root` and its children, or every process named `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, IndexError, ValueError):
            continue
        parent = int(rest.split()[1])
        if (root is not None and (int(entry.name) == root or parent == root)) or comm == command:
            found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU used during a load by the server (its processes), the clients (this process) and the database
    server (every `postgres` process on the machine: on a shared machine, others' queries count too)."""

    def __init__(self, server_pid: int, db: str):
        self.available = Path("/proc/self/stat").exists()
        self.server_pid, self.db = server_pid, db

    def _read(self) -> dict[str, float]:
        if not self.available:
            return {}
        out = {"server": _cpu_seconds(_processes_of(root=self.server_pid)), "client": time.process_time()}
        if self.db == "postgres":
            out["database"] = _cpu_seconds(_processes_of(command="postgres"))
        return out

    def __enter__(self):
        self.start, self.used = self._read(), {}
        return self

    def __exit__(self, *exc):
        end = self._read()
        self.used = {k: end[k] - self.start[k] for k in end}


def _load(server: "Server", clients: int, seconds: float) -> tuple[float, dict, list[str], dict]:
    """(approvals/s, {endpoint: samples ms}, errors, {part: CPU ms per approval}) for `clients` concurrent
    clients."""
    port = server.port
    pool = [Client(port) for _ in range(clients)]
    for i, c in enumerate(pool):
        c.login(f"c{i}")
        c.approval(f"t{i}")                 # warm-up: not counted
        c.samples = {e: (c.samples["login"] if e == "login" else []) for e in ENDPOINTS}
        c.approvals = 0
    start = threading.Barrier(clients + 1)
    finished = [0.0] * clients

    def work(i: int, c: Client) -> None:
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and not c.errors:
            c.approval(f"t{i}")
        finished[i] = time.perf_counter()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(pool)]
    for t in threads:
        t.start()
    with CpuMeter(server.proc.pid, server.db) as cpu:
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
    elapsed = max(finished) - t0
    samples = {e: [x for c in pool for x in c.samples[e]] for e in ENDPOINTS}
    approvals = sum(c.approvals for c in pool)
    per_approval = {part: used * 1000 / approvals for part, used in cpu.used.items()} if approvals else {}
    return approvals / elapsed, samples, [e for c in pool for e in c.errors], per_approval


def _prepare(url: str) -> None:
    eng = services.engine(url)
    try:
        for i in range(8):
            eng.add_user(f"c{i}", services.PASSWORD, ["CLERK", f"HEAD@t{i}", f"LEADER@t{i}"])
        eng.deploy(services.model_files(*services.APPROVAL_FILES))
    finally:
        eng.close()


def measure_db(db: str, url: str, ceiling: Figure, seconds: float, log_dir: Path,
               floors: dict[int, Figure] | None = None, runtime: Figure | None = None) -> list[Figure]:
    _prepare(url)
    figures, runs = [], {}              # runs: (clients, workers) -> (rate, samples, errors)
    server = Server(url, log_dir)
    try:
        probe = Client(server.port)
        probe.call("GET", "/healthz")
        floor = []
        for _ in range(50):
            t0 = time.perf_counter()
            probe.call("GET", "/healthz")
            floor.append((time.perf_counter() - t0) * 1000)
        base = Figure(f"http.{db}.healthz.p50", percentile(floor, 50), "ms", section=SECTION,
                      note="idle server, one client: the latency baseline")
        figures.append(base)
        for clients in (1, 8):
            runs[clients, 1] = _load(server, clients, seconds)
    finally:
        server.stop()
    if WORKERS > 1:
        server = Server(url, log_dir, workers=WORKERS)
        try:
            runs[8, WORKERS] = _load(server, 8, seconds)
        finally:
            server.stop()
    for clients in (1, 8):
        tried = sorted(((w, runs[c, w]) for c, w in runs if c == clients), key=lambda r: (bool(r[1][2]), -r[1][0]))
        workers, (rate, samples, errors, cpu) = tried[0]    # the better configuration: no errors, then faster
        name = f"http.{db}.c{clients}"
        others = "".join(f"; {_processes(w)}: {r[0]:.1f} approvals/s" for w, r in tried[1:])
        fig = Figure(name, rate, "approvals/s", ceiling.value, ceiling.name, target=TARGETS.get((db, clients)),
                     target_kind="min", section=SECTION,
                     note=f"{_processes(workers)}{others}; " +
                          ("; ".join(errors[:2]) or f"{sum(len(s) for s in samples.values())} requests"))
        fig.extra["failed"] = bool(errors)
        figures.append(fig)
        figures += _cpu_figures(name, cpu, rate, workers)
        if (db, clients) in TARGETS and floors:
            figures += _budget_figures(name, clients, cpu, TARGETS[db, clients], floors[clients], runtime)
        for w, (other_rate, _, other_errors, _) in tried[1:]:
            figures.append(Figure(f"{name}.workers{w}", other_rate, "approvals/s", ceiling.value, ceiling.name,
                                  section=SECTION, note="; ".join(other_errors[:2]) or _processes(w)))
        for endpoint in ENDPOINTS:
            if not samples[endpoint]:
                continue
            for p in (50, 95, 99):
                figures.append(Figure(f"{name}.{endpoint}.p{p}", percentile(samples[endpoint], p), "ms",
                                      base.value, base.name, section=SECTION,
                                      note=f"{len(samples[endpoint])} requests, {_processes(workers)}",
                                      extra={"latency": (db, clients, endpoint, p)}))
    return figures


def _cpu_figures(name: str, cpu: dict[str, float], rate: float, workers: int) -> list[Figure]:
    """CPU milliseconds per approval by part, and the rate this machine's cores would allow at that cost
    if they did nothing else: the why of a rate. Divided by the measured rate's cost at 100%."""
    if not cpu:
        return []
    total = sum(cpu.values())
    cores = os.cpu_count() or 1
    figures = [Figure(f"{name}.cpu.{part}", ms, "ms CPU/approval", total, f"{name}.cpu.total", section=SECTION,
                      note=f"{_processes(workers)}" + ("; every postgres process on the machine" if part == "database"
                                                        else "; the bench's client threads" if part == "client" else ""))
               for part, ms in cpu.items()]
    figures.append(Figure(f"{name}.cpu.total", total, "ms CPU/approval", section=SECTION,
                          note="server + client" + (" + database" if "database" in cpu else "")))
    figures.append(Figure(f"{name}.cpu_bound", cores * 1000 / total if total else None, "approvals/s", rate, name,
                          section=SECTION, note=f"{cores} cores / total CPU per approval: the most this machine "
                                                "could do at this cost, with nothing else running"))
    return figures


def _budget_figures(name: str, clients: int, cpu: dict[str, float], target: float, floor: Figure,
                    runtime: Figure | None) -> list[Figure]:
    """Why a throughput target is or is not within reach on this machine, in server CPU per approval.

    `server_budget`: the server CPU per approval at which the target would be reached, the client's and
    the database's measured CPU staying as they are. One client waits for each answer, so its approval's
    parts run one after another and a second of time holds 1,000 ms of them; several clients keep every
    core busy, and a second holds cores x 1,000 ms. Its ratio is budget / the server's measured CPU.
    `server_floor`: what an approval's four requests cost on waitress and Flask doing nothing
    (`http.floor.cN`), plus our runtime's approval in memory with its saves and loads
    (`runtime.save_load`). No change to our own code goes below it; ratio floor / budget above 1 means
    the target is out of reach on this machine while the API runs on waitress and Flask and the engine
    on SpiffWorkflow."""
    if "server" not in cpu or floor.value is None:
        return []
    capacity = 1000.0 * (1 if clients == 1 else (os.cpu_count() or 1))
    others = sum(ms for part, ms in cpu.items() if part != "server")
    budget = capacity / target - others
    engine_ms = 1000.0 / runtime.value if runtime is not None and runtime.value else None
    floor_ms = REQUESTS_PER_APPROVAL * floor.value + (engine_ms or 0.0)
    return [
        Figure(f"{name}.server_budget", budget, "ms CPU/approval", cpu["server"], f"{name}.cpu.server",
               section=SECTION, note=f"{capacity:,.0f} ms of CPU per second / {target:g} approvals/s, less the "
                                     f"{' and '.join(p for p in cpu if p != 'server')}'s {others:.2f} ms; "
                                     f"ratio: budget / measured"),
        Figure(f"{name}.server_floor", floor_ms, "ms CPU/approval", budget if budget > 0 else None,
               f"{name}.server_budget", section=SECTION,
               note=f"{REQUESTS_PER_APPROVAL} x {floor.name} ({REQUESTS_PER_APPROVAL * floor.value:.2f} ms)" +
                    (f" + runtime.save_load ({engine_ms:.2f} ms)" if engine_ms else
                     " (runtime.save_load not measured in this run)") +
                    "; ratio > 1: the target is out of reach on this machine on waitress, Flask and SpiffWorkflow"),
    ]


def _processes(workers: int) -> str:
    return "1 server process" if workers == 1 else f"{workers} server processes"


def measure(ceiling: Figure, seconds: float, pg_url: str | None, pg_why: str,
            runtime: Figure | None = None) -> list[Figure]:
    """Section 2. `runtime`: item 1's `runtime.save_load`, for the server floor (None when not measured)."""
    from . import http_floor
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        floors = http_floor.measure(seconds, Path(tmp))
        figures += floors.values()
        figures += measure_db("sqlite", services.fresh_sqlite(Path(tmp), "http"), ceiling, seconds, Path(tmp),
                              floors, runtime)
        if pg_url:
            services.fresh_postgres(pg_url)
            figures += measure_db("postgres", pg_url, ceiling, seconds, Path(tmp), floors, runtime)
        else:
            for clients in (1, 8):
                figures.append(Figure(f"http.postgres.c{clients}", None, "approvals/s", ceiling.value, ceiling.name,
                                      target=TARGETS.get(("postgres", clients)), target_kind="min",
                                      section=SECTION, note=pg_why))
    return figures
