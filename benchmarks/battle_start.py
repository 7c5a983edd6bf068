"""What a battle start costs the web process: Django's path against the one in front of it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_bench .venv/bin/python benchmarks/battle_start.py \
        [--starts 100] [--runs 3]

In process, no server: the ASGI app (Django's, and arena.fast_start.FastStart in front of it)
driven by httpx's ASGITransport, one start after another, each from a visitor of its own who
has just accepted the first-visit notice (a session each, made before the timing, as in a burst
of citizens), against the seeded demo contest (`benchmarks/stack.py` or
`manage.py seed_demo` seeds it). The tasks go to a Celery queue of this run's own, deleted at
the end, so no worker streams them. Alternates the two paths run by run; prints the CPU and
wall time per start of each (median of the runs) and their ratio. CPU includes the client's
share (httpx in process), the same for both.
"""
import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ARENA_BATTLE_LIMITS_VOTER", "1000000/m")
os.environ.setdefault("ARENA_BATTLE_LIMITS_NETWORK", "1000000/m")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

from arena.fast_start import FastStart  # noqa: E402
from config.celery import app as celery_app  # noqa: E402


async def starts(app, n: int, token: str) -> tuple[float, float]:
    """Start `n` battles, each as a new visitor; return CPU and wall milliseconds per start."""
    headers = {"X-CSRFToken": token, "Origin": "http://testserver"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        sessions = []  # each visitor accepts the notice first (docs/api.md), out of the timing
        for _ in range(n):
            client.cookies.clear()
            client.cookies.set("csrftoken", token)
            accepted = await client.post("/api/notice", json={"accept": True}, headers=headers)
            sessions.append(accepted.cookies[settings.SESSION_COOKIE_NAME])
        cpu, wall = time.process_time(), time.perf_counter()
        for session in sessions:
            client.cookies.clear()
            client.cookies.set("csrftoken", token)
            client.cookies.set(settings.SESSION_COOKIE_NAME, session)
            response = await client.post(
                "/api/battles", json={"prompt": "서울 여행지를 추천해 줘"},
                headers={"X-CSRFToken": token, "Origin": "http://testserver"})
            if response.status_code != 201:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:200]}")
        return ((time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000)


async def main(args) -> None:
    django_app = get_asgi_application()
    paths = {"Django": django_app, "in front of Django": FastStart(django_app)}
    if not paths["in front of Django"].enabled:
        raise SystemExit("the fast path needs PostgreSQL and ARENA_START_FAST_PATH on")
    token = "a" * 32  # any well-formed token does: the cookie and the header agree
    for app in paths.values():
        await starts(app, 20, token)  # warm-up: connections, prepared statements
    results = {name: [] for name in paths}
    for _ in range(args.runs):
        for name, app in paths.items():
            results[name].append(await starts(app, args.starts, token))
    medians = {name: (statistics.median(c for c, _ in rows), statistics.median(w for _, w in rows))
               for name, rows in results.items()}
    for name, (cpu, wall) in medians.items():
        print(f"{name}: CPU {cpu:.2f} ms per start, wall {wall:.2f} ms (runs: "
              f"{[round(c, 2) for c, _ in results[name]]} ms CPU); load average {os.getloadavg()}")
    print(f"ratio: CPU {medians['Django'][0] / medians['in front of Django'][0]:.1f}x, "
          f"wall {medians['Django'][1] / medians['in front of Django'][1]:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    queue = f"bench-start-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    try:
        asyncio.run(main(arguments))
    finally:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)
