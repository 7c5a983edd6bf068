"""The scale-out proof: the site in production settings on more than one process, behind nginx.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_scaleout REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python ops/scaleout.py [--port 8300] [--serve]

Starts, all on loopback, against the PostgreSQL and Redis it is given (docs/operations.md,
"Scale out"): nginx (Debian's, from ops/nginx.conf) on --port, in front of two web processes
(uvicorn) on the next ports; two Celery workers with names of their own; two beats (one runs
the schedule, the other waits for its lock); the mock teams. Migrates and seeds the demo contest
first, then runs each proof of ops/proofs.py and prints what it saw: exit 0 when all hold, 1 at
the first that does not. `--serve` skips the proofs and keeps the layout up until Ctrl-C.
tests/live/test_scaleout.py runs the same proofs in CI.

Production settings (ARENA_ENV=production, DEBUG off, fresh random keys, proof of work, JSON
logs), except what loopback without TLS needs: cookies without `Secure` (SECURE_COOKIES=false).
The caps are production's; the proof of work is easier (ARENA_POW_MAX_NUMBER) to keep the run short.
"""
from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from ops.processes import (  # noqa: E402
    PYTHON, Processes, beat_command, free_port, mock_command, wait_for_http, web_command,
    worker_command, worker_ready,
)

NGINX_TEMPLATE = ROOT / "ops" / "nginx.conf"
# Beat sends the reaper this often here (production: 3 s), so a lost worker's sides end fast and
# the beats' proof sees many periods in a short run.
REAP_EVERY_SECONDS = 1


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None)


def nginx_site(*, listen: str, upstreams: list[str], resolver: str = "") -> str:
    """ops/nginx.conf filled in as the nginx image's envsubst fills it: only the KAI_ names."""
    return string.Template(NGINX_TEMPLATE.read_text(encoding="utf-8")).safe_substitute(
        KAI_PROXY_LISTEN=listen, KAI_RESOLVER=resolver,
        KAI_UPSTREAM_SERVERS=" ".join(f"server {upstream};" for upstream in upstreams))


def nginx_main(folder: Path, site: Path) -> str:
    """nginx's own configuration around the site: in the foreground, every path in `folder`."""
    user = f"user {pwd.getpwuid(0).pw_name};" if os.geteuid() == 0 else ""  # workers reach `folder`
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
{user}
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} notice;
events {{ worker_connections 1024; }}
http {{
    log_format kai '$remote_addr "$request" $status $request_time upstream=$upstream_addr id=$request_id';
    access_log {folder / 'access.log'} kai;
{temp}
    include {site};
}}
"""


class ScaleOut:
    """The layout's processes, with the handles a proof needs to kill and start them again."""

    def __init__(self, *, database_url: str, redis_url: str, folder: Path, namespace: str,
                 webs: int = 2, workers: int = 2, beats: int = 2, port: int | None = None,
                 environment: dict[str, str] | None = None):
        self.folder = folder
        self.namespace = namespace
        self.redis_url = redis_url
        self.database_url = database_url
        if port:
            self.proxy_port, self.mock_port = port, port + 9
            self.web_ports = [port + 1 + i for i in range(webs)]
        else:
            self.proxy_port, self.mock_port = free_port(), free_port()
            self.web_ports = [free_port() for _ in range(webs)]
        self.workers = [f"{namespace}-worker{i + 1}@%h" for i in range(workers)]
        self.beats = [f"beat{i + 1}" for i in range(beats)]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ARENA_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "VOTER_HASH_KEY": secrets.token_urlsafe(48),
            "ARENA_POW_HMAC_KEY": secrets.token_urlsafe(48),
            # Production asks for it: through the proxy every request comes from the loopback.
            "METRICS_TOKEN": secrets.token_urlsafe(48),
            "ARENA_POW_MAX_NUMBER": "5000",
            "SECURE_COOKIES": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # nginx appends the address it saw to X-Forwarded-For, from 127.0.0.1.
            "CLIENT_IP_HEADER": "X-Forwarded-For",
            "TRUSTED_PROXIES": "127.0.0.1",
            # Production refuses mail to the log; the proof sends none, so no server need answer.
            "EMAIL_URL": "smtp://127.0.0.1:25",
            "CELERY_QUEUE": namespace,
            "CACHE_PREFIX": namespace,
            "CHANNEL_PREFIX": namespace,
            "MOCK_TEAMS_URL": f"http://127.0.0.1:{self.mock_port}",
            "ARENA_REAP_EVERY_SECONDS": str(REAP_EVERY_SECONDS),
            # The slowed teams are slow on purpose: no side is ended as too slow.
            "ARENA_STREAM_MIN_CHARS_PER_SECOND": "0",
            "PYTHONUNBUFFERED": "1",
            **(environment or {}),
        }
        # Each process shows its own figures on /metrics (a proof asks each web which sockets
        # it holds), as each machine of a deployment does.
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.processes = Processes(folder, self.env)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    @property
    def mock_url(self) -> str:
        return f"http://127.0.0.1:{self.mock_port}"

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)

    def start(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        mock = self.processes.start("mock", mock_command(self.mock_port))
        for number in range(1, len(self.web_ports) + 1):
            self.processes.start(f"web{number}", web_command(self.web_ports[number - 1]))
        for number in range(1, len(self.workers) + 1):
            self.worker_start(number, wait=False)
        for name in self.beats:
            self.processes.start(name, beat_command())
        site = self.folder / "site.conf"
        site.write_text(nginx_site(listen=f"127.0.0.1:{self.proxy_port}",
                                   upstreams=[f"127.0.0.1:{port}" for port in self.web_ports]))
        (self.folder / "nginx.conf").write_text(nginx_main(self.folder, site))
        nginx = self.processes.start("nginx", [
            binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
            "-e", str(self.folder / "error.log")])
        wait_for_http(f"{self.mock_url}/health", mock)
        for number in range(1, len(self.web_ports) + 1):
            self.web_wait(number)
        for number in range(1, len(self.workers) + 1):
            worker_ready(self.processes.running[f"worker{number}"], self.processes.log(f"worker{number}"),
                         seconds=90)
        wait_for_http(f"{self.proxy_url}/health/live", nginx)

    def web_wait(self, number: int) -> None:
        wait_for_http(f"{self.web_urls[number - 1]}/health/live", self.processes.running[f"web{number}"],
                      seconds=90)

    def web_kill(self, number: int) -> None:
        self.processes.kill(f"web{number}")

    def web_start(self, number: int) -> None:
        self.processes.start(f"web{number}", web_command(self.web_ports[number - 1]))
        self.web_wait(number)

    def worker_start(self, number: int, *, wait: bool = True) -> None:
        name = f"worker{number}"
        self.processes.start(name, worker_command(queue=self.namespace, name=self.workers[number - 1]))
        if wait:
            worker_ready(self.processes.running[name], self.processes.log(name), seconds=90)

    def worker_kill(self, number: int) -> None:
        """Kill the worker outright (SIGKILL): no shutdown, no goodbye, as a lost machine."""
        self.processes.kill(f"worker{number}", signal.SIGKILL)

    def beat_stop(self, name: str) -> None:
        self.processes.kill(name, signal.SIGTERM)

    def beat_start(self, name: str) -> None:
        self.processes.start(name, beat_command())

    def stop(self) -> None:
        self.processes.stop()

    def forget(self) -> None:
        """Delete the layout's keys from Redis (its queue, cache, beat schedule and lock)."""
        import redis

        store = redis.Redis.from_url(self.redis_url)
        for key in store.scan_iter(f"{self.namespace}*"):
            store.delete(key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8300,
                        help="nginx's port; the web processes take the next two, the mock teams +9")
    parser.add_argument("--serve", action="store_true", help="start the layout and keep it up until Ctrl-C")
    args = parser.parse_args()
    from ops import proofs

    folder = Path(tempfile.mkdtemp(prefix="kai-scaleout-"))
    layout = ScaleOut(database_url=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_scaleout"),
                      redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                      folder=folder, namespace=f"kai-scaleout-{secrets.token_hex(4)}", port=args.port)
    for step in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
        done = layout.manage(*step)
        if done.returncode:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
    print(f"logs and nginx's configuration: {folder}")
    try:
        layout.start()
        print(f"proxy {layout.proxy_url} → web {', '.join(layout.web_urls)}; workers "
              f"{', '.join(layout.workers)}; beats {', '.join(layout.beats)}; mock teams {layout.mock_url}",
              flush=True)
        if args.serve:
            while all(process.poll() is None for process in layout.processes.running.values()):
                time.sleep(0.5)
            return 1
        return 0 if proofs.run_all(layout) else 1
    except KeyboardInterrupt:
        return 0
    finally:
        layout.stop()
        layout.forget()


if __name__ == "__main__":
    sys.exit(main())
