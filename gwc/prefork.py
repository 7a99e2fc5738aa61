"""Pre-fork serving: N worker processes accept on one listening socket, so the API uses N cores (one
Python process is capped by its GIL however many threads it runs).

The parent binds the socket, forks the workers and then only supervises. It holds no database
connection and starts no thread, because it forks again whenever a worker dies, and a fork copies a
live connection (two processes then talk on one socket) or a lock held by another thread (the child
deadlocks on it). Each worker builds its own engine and app after the fork.

Supervision: SIGTERM or SIGINT stops every worker (SIGTERM, then SIGKILL after `stop_timeout`); a
worker that dies is replaced in the same slot; a worker that dies before it said it was ready counts
as a failed start, and after `start_attempts` failed starts in a row (bad configuration: every new
one would fail the same way) the parent stops the others and gives up instead of looping forever.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

START_ATTEMPTS = 5          # failed starts in a row before giving up
RESPAWN_DELAY = 1.0         # seconds before replacing a worker that died young (no hot fork loop)
YOUNG = 1.0                 # a worker that lived less than this died young
STOP_TIMEOUT = 15.0         # seconds between SIGTERM and SIGKILL when stopping
ORPHAN_CHECK = 1.0          # how often a worker checks that its parent is alive

_HANDLED = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
# target(slot, ready): runs in the worker; calls ready() once it can answer, returns when stopped.
Target = Callable[[int, Callable[[], None]], None]


def fork_supported() -> bool:
    return hasattr(os, "fork")


def listen(host: str, port: int, backlog: int = 1024) -> list[socket.socket]:
    """Bound, listening TCP sockets for `host:port`, one per address the name has (as waitress would bind
    them: `localhost` may be both ::1 and 127.0.0.1); port 0 means any free port."""
    addresses = dict.fromkeys((family, address) for family, _, _, _, address in
                              socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE))
    sockets: list[socket.socket] = []
    try:
        for family, address in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(backlog)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@dataclass
class _Worker:
    slot: int
    started: float = field(default_factory=time.monotonic)
    ready: bool = False


class Supervisor:
    def __init__(self, workers: int, target: Target, *, start_attempts: int = START_ATTEMPTS,
                 stop_timeout: float = STOP_TIMEOUT, say: Callable[[str], None] | None = None):
        if not fork_supported():
            raise RuntimeError("several workers need os.fork (Linux, macOS); on this system use --workers 1")
        self.size = workers
        self.target = target
        self.start_attempts = start_attempts
        self.stop_timeout = stop_timeout
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.workers: dict[int, _Worker] = {}       # pid -> worker
        self.respawn: dict[int, float] = {}         # slot -> when to start its next worker
        self.failed_starts = 0
        self.stop_requests = 0

    # ------------------------------------------------------------------ parent
    def run(self) -> int:
        """Start the workers and supervise them until stopped. 0 on a requested stop, 1 on giving up."""
        self._wake_r, self._wake_w = _pipe()
        self._ready_r, self._ready_w = _pipe()
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)}
        old_wakeup = signal.set_wakeup_fd(self._wake_w)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGCHLD, lambda *_: None)      # only to wake the loop through the pipe
        try:
            for slot in range(self.size):
                self._spawn(slot)
            status = self._supervise()
            self._stop_all()
            return status
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for fd in (self._wake_r, self._wake_w, self._ready_r, self._ready_w):
                os.close(fd)

    def _on_stop(self, signum, _frame) -> None:
        self.stop_requests += 1
        if self.stop_requests > 1:                  # asked twice: do not wait for in-flight requests
            self._signal_all(signal.SIGKILL)

    def _supervise(self) -> int:
        while not self.stop_requests:
            now = time.monotonic()
            due = [when - now for when in self.respawn.values()]
            self._wait(max(0.0, min(due)) if due else None)
            self._read_ready()
            for pid, worker, status in self._reap():
                if self.stop_requests:
                    break
                if not worker.ready:
                    self.failed_starts += 1
                    self.say(f"gwc serve: worker {worker.slot} (pid {pid}) failed to start ({_describe(status)}); "
                             f"{self.failed_starts} of {self.start_attempts} attempts")
                    if self.failed_starts >= self.start_attempts:
                        self.say(f"error: workers failed to start {self.failed_starts} times in a row; giving up "
                                 f"(the worker's error is above)")
                        return 1
                else:
                    self.say(f"gwc serve: worker {worker.slot} (pid {pid}) died ({_describe(status)}); "
                             f"starting a new one")
                young = not worker.ready or time.monotonic() - worker.started < YOUNG
                self.respawn[worker.slot] = time.monotonic() + (RESPAWN_DELAY if young else 0.0)
            for slot, when in list(self.respawn.items()):
                if when <= time.monotonic() and not self.stop_requests:
                    del self.respawn[slot]
                    self._spawn(slot)
        return 0

    def _stop_all(self) -> None:
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while self.workers and time.monotonic() < deadline:
            self._wait(max(0.0, deadline - time.monotonic()))
            self._read_ready()
            self._reap()
        if self.workers:
            self.say(f"gwc serve: {len(self.workers)} worker(s) still running after {self.stop_timeout:.0f} s; "
                     f"killing them")
            self._signal_all(signal.SIGKILL)
            for pid in list(self.workers):
                _waitpid(pid)
                self.workers.pop(pid)

    def _signal_all(self, sig: int) -> None:
        for pid in list(self.workers):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _wait(self, timeout: float | None) -> None:
        """Sleep until a signal (a worker exiting, a stop request), a ready worker, or the timeout."""
        readable, _, _ = select.select([self._wake_r, self._ready_r], [], [], timeout)
        if self._wake_r in readable:
            _drain(self._wake_r)

    def _read_ready(self) -> None:
        for line in _drain(self._ready_r).split():
            worker = self.workers.get(int(line))
            if worker is not None:
                worker.ready = True
                self.failed_starts = 0

    def _reap(self) -> list[tuple[int, _Worker, int]]:
        """Collect the workers that exited (pid, worker, wait status), removing them from `workers`."""
        done = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.workers:
                done.append((pid, self.workers.pop(pid), status))
        return done

    def _spawn(self, slot: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        # Signals stay blocked across the fork until the worker has its own handlers: a SIGTERM sent
        # to a worker that has just been forked is then handled by the worker, not lost.
        signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
        try:
            pid = os.fork()
            if pid == 0:
                self._child(slot)          # never returns
            self.workers[pid] = _Worker(slot)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)

    # ------------------------------------------------------------------ worker
    def _child(self, slot: int) -> None:
        status = 1
        try:
            parent = os.getppid()
            signal.set_wakeup_fd(-1)
            for fd in (self._wake_r, self._wake_w, self._ready_r):
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, _stop_worker)
            signal.signal(signal.SIGINT, _stop_worker)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
            threading.Thread(target=_exit_when_orphaned, args=(parent,), name="gwc-orphan-check",
                             daemon=True).start()
            ready_w = self._ready_w
            self.target(slot, lambda: os.write(ready_w, f"{os.getpid()}\n".encode()))
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except KeyboardInterrupt:
            status = 0
        except BaseException:       # noqa: BLE001 - report it: the parent counts a failed start
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)        # never run the parent's code (its loop, atexit handlers) in a worker


def _stop_worker(_signum, _frame) -> None:
    """SIGTERM/SIGINT in a worker: waitress catches SystemExit, finishes what its threads are doing
    (up to 5 s) and returns; a second signal must not interrupt that clean-up."""
    signal.signal(signal.SIGTERM, _ignore)     # a Python no-op, not SIG_IGN: a signal already on its way
    signal.signal(signal.SIGINT, _ignore)      # would otherwise be reported as "ignored due to race"
    raise SystemExit(0)


def _ignore(_signum, _frame) -> None:
    pass


def _exit_when_orphaned(parent: int) -> None:
    """A parent killed with SIGKILL cannot stop its workers; they stop themselves instead of holding the
    port forever (a new `gwc serve` could not bind it)."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK)
    os.kill(os.getpid(), signal.SIGTERM)


def _pipe() -> tuple[int, int]:
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    return r, w


def _drain(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _waitpid(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
