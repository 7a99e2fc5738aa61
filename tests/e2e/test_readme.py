"""The README's walk-through, pasted as is into bash against a live `gwc demo` server."""
from __future__ import annotations

import re
import subprocess

from tests.e2e.live import ROOT, LiveServer


def test_readme_walkthrough_answers_as_written(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- walkthrough:start -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", readme, re.S)
    assert block, "the README has no walk-through block"
    script = block.group(1)
    assert "http://127.0.0.1:8000/api/v1" in script
    server = LiveServer(tmp_path)
    try:
        out = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")],
                             capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert out.returncode == 0, out.stderr + out.stdout
    lines = out.stdout.strip().splitlines()
    assert re.fullmatch(r"case [0-9a-f-]{36}", lines[0])
    assert lines[1:] == ["单位负责人签批", "waiting", "保管方审核", "task_created"]
