"""The HTTP floor: the server CPU one request costs on our WSGI server and web framework when the
application does nothing. `python -m bench.http_floor PORT THREADS` serves it: waitress with the
threads `gwc serve` runs, and one Flask route that reads a JSON body and answers it back, behind the
same kind of keep-alive client, body and bearer header as item 2's requests.

Item 2 puts this beside the real server's CPU per approval: four requests of it are CPU that no change
to our own code removes while the API is served by waitress and Flask. With the engine's own floor
(item 1's `runtime.save_load`), it says how much of a target's CPU budget is spent before our code runs
(http_load.py, `server_budget` and `server_floor`).
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from .ceiling import ANSWERS
from .figures import Figure
from .http_load import SECTION, Client, ServedProcess, _cpu_seconds

PATH = "/echo"
BODY = {"data": ANSWERS[0]}


def app():
    from flask import Flask, jsonify, request
    echo = Flask("gwc-http-floor")

    @echo.post(PATH)
    def answer():
        return jsonify(request.get_json())
    return echo


class FloorServer(ServedProcess):
    """This module's server in a process of its own, on a free loopback port."""

    def __init__(self, threads: int, log_dir: Path):
        super().__init__([sys.executable, "-m", "bench.http_floor", "{port}", str(threads)], log_dir,
                         "the floor server", ("POST", PATH, BODY), timeout=30)


def cpu_per_request(server: FloorServer, clients: int, seconds: float) -> float:
    """Server CPU milliseconds per request with `clients` keep-alive clients posting for `seconds`."""
    pool = [Client(server.port) for _ in range(clients)]
    for c in pool:
        c.token = "x" * 150                       # a bearer header the size of a real token
        c.call("POST", PATH, BODY)                # connected and warm
    counts = [0] * clients
    start = threading.Barrier(clients + 1)

    def work(i: int, c: Client) -> None:
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and not c.errors:
            try:
                c.call("POST", PATH, BODY)
            except OSError as exc:
                c.errors.append(f"POST {PATH}: {exc}")
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(pool)]
    for t in threads:
        t.start()
    before = _cpu_seconds([server.proc.pid])
    start.wait()
    for t in threads:
        t.join()
    used = _cpu_seconds([server.proc.pid]) - before
    errors = [e for c in pool for e in c.errors]
    if errors:                      # Client.call records every answer of 300 and above
        raise RuntimeError(f"the floor server failed: {errors[0]}")
    return used * 1000 / max(1, sum(counts))


def measure(seconds: float, log_dir: Path, threads: int = 8) -> dict[int, Figure]:
    """{clients: figure} for 1 and 8 clients, in milliseconds of server CPU per request."""
    server = FloorServer(threads, log_dir)
    try:
        return {clients: Figure(f"http.floor.c{clients}", cpu_per_request(server, clients, seconds),
                                "ms CPU/request", section=SECTION,
                                note=f"waitress ({threads} threads) + Flask, a route answering its JSON body; "
                                     f"{clients} keep-alive client{'s' if clients > 1 else ''}")
                for clients in (1, 8)}
    finally:
        server.stop()


def main(port: int, threads: int) -> None:
    import waitress
    waitress.serve(app(), host="127.0.0.1", port=port, threads=threads, ident="gongwucang", _quiet=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
