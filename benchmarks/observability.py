"""What the request id and the request metrics add to every HTTP request, in front of Django.

Run: ``.venv/bin/python benchmarks/observability.py`` (a few seconds). Figures: docs/performance.md.

Times config.logs.RequestIdMiddleware and config.metrics.RequestMetrics around an ASGI app that
answers at once, per request, for a vote's path (the fast path's, the hottest route) and a
static file's, against the bare app; in this process's registry and, with --multiprocess, in
prometheus_client's multiprocess mode (each value written to a memory-mapped file).
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def answer(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def per_request_us(app, path: str, rounds: int) -> float:
    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "client": ("127.0.0.1", 1)}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    for _ in range(200):
        await app(scope, receive, send)
    started = time.perf_counter()
    for _ in range(rounds):
        await app(scope, receive, send)
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20000)
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    if args.multiprocess:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.logs import RequestIdMiddleware
    from config.metrics import RequestMetrics

    wrapped = RequestIdMiddleware(RequestMetrics(answer))
    vote = "/api/battles/0b6c7d52-8d7e-4a47-9c55-3f0f6f2a1e11/vote"
    bare = asyncio.run(per_request_us(answer, vote, args.rounds))
    print(f"mode: {'multiprocess' if args.multiprocess else 'single process'}, {args.rounds} requests")
    for label, path in (("vote", vote), ("static file", "/static/arena/battle.js"), ("page", "/")):
        cost = asyncio.run(per_request_us(wrapped, path, args.rounds)) - bare
        print(f"  {label:12s} added per request: {cost:6.1f} µs")


if __name__ == "__main__":
    main()
