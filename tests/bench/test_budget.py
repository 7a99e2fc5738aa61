"""The bench says why a throughput target is missed: the server CPU per approval the target allows on
this machine (`server_budget`) beside what waitress, Flask and the engine cost before our code runs
(`server_floor`). These check the arithmetic on fixed inputs; no speed is measured here."""
from __future__ import annotations

import pytest

from bench import http_load
from bench.figures import Figure


def _floor(ms: float, clients: int) -> Figure:
    return Figure(f"http.floor.c{clients}", ms, "ms CPU/request")


def _runtime(per_second: float) -> Figure:
    return Figure("runtime.save_load", per_second, "approvals/s")


def test_several_clients_share_every_core_with_the_client_and_the_database(monkeypatch):
    monkeypatch.setattr(http_load.os, "cpu_count", lambda: 2)
    cpu = {"server": 17.0, "client": 1.5, "database": 5.0}
    budget, floor = http_load._budget_figures("http.postgres.c8", 8, cpu, 200, _floor(0.5, 8), _runtime(500))
    # 2 cores: 2,000 ms of CPU a second; 200 approvals/s leave 10 ms each, 6.5 of them not the server's
    assert budget.name == "http.postgres.c8.server_budget"
    assert budget.value == pytest.approx(3.5)
    assert budget.ratio == pytest.approx(3.5 / 17.0)
    # four requests of the HTTP floor and the engine's own approval (1,000 / 500 per second = 2 ms)
    assert floor.name == "http.postgres.c8.server_floor"
    assert floor.value == pytest.approx(4 * 0.5 + 2.0)
    assert floor.ratio == pytest.approx(4.0 / 3.5)          # above 1: out of reach on this machine
    assert "out of reach" in floor.note


def test_one_client_runs_an_approval_s_parts_one_after_another(monkeypatch):
    monkeypatch.setattr(http_load.os, "cpu_count", lambda: 8)    # cores do not help a lone client
    budget, floor = http_load._budget_figures("http.sqlite.c1", 1, {"server": 9.0, "client": 1.0}, 100,
                                              _floor(0.4, 1), _runtime(800))
    assert budget.value == pytest.approx(1000 / 100 - 1.0)
    assert floor.value == pytest.approx(4 * 0.4 + 1.25)
    assert floor.ratio == pytest.approx(2.85 / 9.0)
    assert "client's 1.00 ms" in budget.note


def test_a_budget_spent_before_the_server_gives_no_ratio_and_a_missing_runtime_is_said(monkeypatch):
    monkeypatch.setattr(http_load.os, "cpu_count", lambda: 2)
    budget, floor = http_load._budget_figures("http.postgres.c8", 8, {"server": 9.0, "client": 4.0, "database": 20.0},
                                              200, _floor(0.5, 8), None)
    assert budget.value < 0
    assert floor.value == pytest.approx(2.0) and floor.ratio is None
    assert "not measured" in floor.note


def test_no_server_cpu_no_figures():
    assert http_load._budget_figures("http.sqlite.c1", 1, {}, 100, _floor(0.4, 1), _runtime(800)) == []
