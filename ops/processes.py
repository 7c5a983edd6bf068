"""The site's processes, started as the site starts them: one home for the commands, the waits
and the stop that the live tests (tests/live/conftest.py, the fault stack of
tests/live/test_faults.py), the benchmarks' stack (benchmarks/stack.py), the scale-out proof
(ops/scaleout.py) and `manage.py demo` share.

Imports nothing of Django: a script runs it before any settings exist, with the environment it
hands to the processes it starts.
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def worker_ready(process: subprocess.Popen, log: Path, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}")
        if b"ready." in log.read_bytes():
            return
        time.sleep(0.2)
    raise RuntimeError("the Celery worker did not become ready")


def web_command(port: int, *extra: str, host: str = "127.0.0.1") -> list[str]:
    """The ASGI server as the site starts it: uvicorn's own X-Forwarded-For handling off (left on,
    it trusts the header from loopback), so the client address is config.limits.client_ip's."""
    return [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", host,
            "--port", str(port), "--no-proxy-headers", *extra]


def worker_command(*, queue: str | None = None, name: str | None = None,
                   concurrency: int | None = None, loglevel: str = "INFO") -> list[str]:
    """A Celery worker; pool and concurrency are the settings' unless `concurrency` is given."""
    return [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel", loglevel,
            *(["-Q", queue] if queue else []), *(["-n", name] if name else []),
            *(["--concurrency", str(concurrency)] if concurrency else [])]


def beat_command(*, loglevel: str = "INFO") -> list[str]:
    """Celery beat; its schedule and its lock live in Redis (config/settings.py, redbeat)."""
    return [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", loglevel]


def mock_command(port: int, *extra: str) -> list[str]:
    return [PYTHON, "-m", "devservers.mock_teams", "--port", str(port), *extra]


def processes_stop(processes, *, grace_seconds: float = 10) -> None:
    """Ask every process still running to stop (SIGTERM), then kill any not gone in the grace."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Processes:
    """Named processes of one stack, each writing to `<logs>/<name>.log` (appended to when a name
    starts again), stopped together. Not thread-safe: one caller drives it."""

    def __init__(self, logs: Path, env: dict[str, str]):
        self.logs = logs
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        with open(self.log(name), "ab") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT)
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` (SIGKILL: the process is lost, as a crashed machine's) and wait for the end."""
        process = self.running.pop(name)
        process.send_signal(sig)
        process.wait(timeout=15)

    def stop(self) -> None:
        processes_stop(self.running.values())
        self.running.clear()

    def tails(self, chars: int = 3000) -> str:
        return "".join(f"----- {log.name} -----\n{log.read_text(errors='replace')[-chars:]}\n"
                       for log in sorted(self.logs.glob("*.log")))
