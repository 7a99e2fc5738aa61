"""A real server for end-to-end tests: `gwc demo` (waitress, embedded runner) on a free loopback port,
with its own SQLite file. Requests go over real sockets with urllib."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, tmp_path: Path, command: tuple[str, ...] = ("demo",), env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (tmp_path / "server.log").open("w")
        inherited = {k: v for k, v in os.environ.items() if k != "GWC_BROKER_URL"}   # embedded unless asked
        full_env = {**inherited, "GWC_DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
                    "GWC_SECRET_KEY": "live-test-secret", **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "gwc", *command, "--port", str(self.port)], cwd=ROOT,
                                     env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def request(self, method: str, path: str, body=None, token: str | None = None,
                headers: dict | None = None) -> tuple[int, dict | str]:
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, _decode(resp.read(), resp.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as err:
            with err:
                return err.code, _decode(err.read(), err.headers.get("Content-Type", ""))

    def token(self, username: str, password: str = "gongwucang-demo") -> str:
        status, body = self.request("POST", "/api/v1/auth/token", {"username": username, "password": password})
        assert status == 200, body
        return body["access_token"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


def _decode(raw: bytes, content_type: str):
    if "json" in content_type:
        return json.loads(raw.decode("utf-8"))
    return raw.decode("utf-8", errors="replace")


def multipart(files: dict[str, bytes], field: str = "files") -> tuple[bytes, str]:
    """A multipart/form-data body with `field` repeated, one part per file."""
    boundary = "gwc-boundary-7f3a9c"
    parts = []
    for name, content in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
