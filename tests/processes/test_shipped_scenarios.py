"""Every designer scenario file shipped beside a process passes (`gwc test workflows/`), with the operator
names the engine really registers: a model change that sends a process another way fails here."""
from __future__ import annotations

import importlib

import pytest

from engine.config import Settings
from engine.modeltest import run_paths
from engine.runtime.operators import OperatorRegistry
from tests.conftest import ROOT

FILES = sorted((ROOT / "workflows").rglob("*.scenarios.yaml"))


def registered_names() -> list[str]:
    registry = OperatorRegistry()
    for module in Settings(database_url="sqlite://").operator_modules:
        importlib.import_module(module).register(registry)
    return registry.names()


def test_every_shipped_process_has_scenarios():
    folders = {p.parent.name for p in FILES}
    processes = {p.name for p in (ROOT / "workflows").iterdir() if p.is_dir()}
    assert processes <= folders, f"processes without a scenario file: {sorted(processes - folders)}"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_shipped_scenarios_pass(path):
    (result,) = run_paths([path], registered_names(), ROOT / "forms")
    assert result.error is None, result.error
    failed = {s.name: s.failures for s in result.scenarios if not s.ok}
    assert not failed, failed
    assert result.scenarios
