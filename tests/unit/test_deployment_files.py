"""docker-compose.yml and the Dockerfile agree with the settings and the commands (no Docker engine
runs here, so the files are checked, not started)."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import yaml

from engine.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG_SOURCE = (ROOT / "engine" / "config.py").read_text(encoding="utf-8")
SETTING_NAMES = set(re.findall(r'"(GWC_[A-Z_]+)"', CONFIG_SOURCE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_images_and_healthchecks():
    services = compose()["services"]
    assert {"postgres", "redis", "api", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("postgres", "redis", "api", "worker", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), name
    assert services["api"]["command"][:2] == ["gwc", "serve"]
    assert services["worker"]["command"][:2] == ["gwc", "worker"] and "--beat" not in services["worker"]["command"]
    assert services["beat"]["command"][:2] == ["gwc", "worker"] and "--beat" in services["beat"]["command"]
    assert services["migrate"]["command"] == ["gwc", "db", "upgrade"]


def test_every_environment_name_is_a_setting_and_the_required_ones_are_set():
    services = compose()["services"]
    for name in ("api", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert set(env) <= SETTING_NAMES, set(env) - SETTING_NAMES
        assert {"GWC_DATABASE_URL", "GWC_BROKER_URL", "GWC_SECRET_KEY"} <= set(env)
        assert env["GWC_DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["GWC_DATABASE_URL"]
        assert env["GWC_BROKER_URL"].startswith("redis://redis:")
        parsed = Settings.from_env({k: str(v) for k, v in env.items()})
        assert parsed.broker_url == env["GWC_BROKER_URL"]


def test_settings_read_only_documented_names():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SETTING_NAMES:
        assert name in readme, f"{name} is read by engine/config.py but not documented in the README"
    assert len(fields(Settings)) >= len(SETTING_NAMES)


def test_dockerfile_installs_the_console_script():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("engine", "api", "worker", "gwc"):
        assert f"COPY {package} {package}" in text
    assert "pip install" in text
