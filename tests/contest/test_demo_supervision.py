"""`make demo` restarts a worker that dies instead of stopping the whole site."""
import subprocess
import sys

from django.conf import settings
from kombu.transport import redis as kombu_redis

from config.celery import app as celery_app
from contest.management.commands.demo import broker_use, demo_queue, processes_supervise


def _run(seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_a_dead_worker_is_started_again_and_a_dead_web_server_stops_the_site():
    started = []

    def start(name):
        started.append(name)
        # The restarted worker lives; the web server dies soon after.
        return _run(30 if name == "worker" else 0)

    processes = {"web": _run(1.5), "worker": _run(0)}  # the worker dies at once
    logged = []
    try:
        failed = processes_supervise(processes, start, essential={"web"}, log=logged.append,
                                     poll_seconds=0.05)
        assert failed == ["web"]
        assert started == ["worker"]
        assert processes["worker"].poll() is None  # the restarted worker is still running
        assert "worker exited" in logged[0]
    finally:
        for process in processes.values():
            process.kill()


def test_a_process_that_keeps_crashing_stops_the_site():
    processes = {"web": _run(30), "worker": _run(0)}
    starts = []
    try:
        failed = processes_supervise(
            processes, lambda name: starts.append(name) or _run(0), essential={"web"},
            log=lambda text: None, poll_seconds=0.05, max_restarts=3,
        )
        assert failed == ["worker"]
        assert len(starts) == 3
    finally:
        for process in processes.values():
            process.kill()


def test_the_demo_queues_its_own_tasks_on_the_redis_it_started():
    # The demo's own process queues the expert track's answers; with no Redis at REDIS_URL it
    # starts an embedded one, and those tasks must go there, not to the closed address.
    before_url, before_queue = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    try:
        broker_use("redis://127.0.0.1:6389/0", "demo-test")
        with celery_app.connection_for_write() as connection:
            # The address, not the URI's scheme: the settings name the site's own Redis
            # transport (config/broker.py), whose name as_uri() writes in the scheme's place.
            assert (connection.hostname, connection.port, connection.virtual_host) == ("127.0.0.1", 6389, "0")
            assert isinstance(connection.transport, kombu_redis.Transport)
    finally:
        broker_use(before_url, before_queue)


def test_each_demo_run_has_a_queue_of_its_own(monkeypatch):
    # Tasks left in the shared queue by another run must never reach this run's worker.
    monkeypatch.delenv("CELERY_QUEUE", raising=False)
    first, second = demo_queue(), demo_queue()
    assert first != second and first.startswith("demo-")
    assert first != settings.CELERY_TASK_DEFAULT_QUEUE
    monkeypatch.setenv("CELERY_QUEUE", "contest-2027")
    assert demo_queue() == "contest-2027"


def test_a_task_the_demo_sends_lands_in_its_queue_only():
    import redis

    from arena.tasks import response_generate

    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = demo_queue()
    before_url, before_queue = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    shared = client.llen(before_queue)
    try:
        broker_use(settings.REDIS_URL, queue)
        response_generate.si(0).apply_async()
        assert client.llen(queue) == 1
        assert client.llen(before_queue) == shared
    finally:
        broker_use(before_url, before_queue)
        client.delete(queue)
