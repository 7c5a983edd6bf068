"""Liveness and readiness, answered in front of Django (an ASGI middleware, config/asgi.py).

- ``GET /health/live``: the process answers. Nothing else is asked, so a slow database never
  gets a web process restarted.
- ``GET /health/ready``: PostgreSQL answers a query, Redis a PING, and a Celery worker a ping,
  each within HEALTH_CHECK_TIMEOUT_SECONDS: 200 with each check when all pass, 503 when one
  fails. A load balancer takes a process out of rotation on a 503.

Both answer whatever the Host header says: a container's health check or a load balancer asks
by address, not by the public name, and ALLOWED_HOSTS guards what a page builds from the host
(links, cookies), which these answers never use. They say only "ok" or "failing" per check:
no error text, address, version or setting (docs/operations.md, "Health and metrics").
A readiness answer is reused for READY_CACHE_SECONDS, so a flood of probes costs the backing
services one check a second per process.
"""
import asyncio
import json
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings

logger = logging.getLogger(__name__)

LIVE, READY = "/health/live", "/health/ready"
READY_CACHE_SECONDS = 1.0


def _database() -> None:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def _redis() -> None:
    from django.core.cache import cache

    cache._cache.get_client().ping()


def _worker() -> None:
    from config.celery import app

    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    if not app.control.ping(timeout=timeout, limit=1):
        raise RuntimeError("no worker answered the ping")


CHECKS = {"database": _database, "redis": _redis, "worker": _worker}


async def _check(name: str) -> bool:
    try:
        await asyncio.wait_for(
            sync_to_async(CHECKS[name], thread_sensitive=False)(),
            settings.HEALTH_CHECK_TIMEOUT_SECONDS + 0.5,
        )
        return True
    except Exception as error:  # noqa: BLE001 - any failure is "failing"; the log says which
        logger.warning("readiness: %s failing (%s)", name, type(error).__name__)
        return False


class HealthEndpoints:
    def __init__(self, app):
        self.app = app
        self._ready: tuple[float, int, bytes] | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in (LIVE, READY):
            return await self.app(scope, receive, send)
        if scope["method"] not in ("GET", "HEAD"):
            return await _answer(send, 405, {"status": "method_not_allowed"})
        if scope["path"] == LIVE:
            return await _answer(send, 200, {"status": "ok"})
        now = time.monotonic()
        if self._ready is None or now - self._ready[0] > READY_CACHE_SECONDS:
            names = list(CHECKS)
            passed = await asyncio.gather(*(_check(name) for name in names))
            body = {"status": "ok" if all(passed) else "failing",
                    "checks": {name: "ok" if ok else "failing" for name, ok in zip(names, passed)}}
            self._ready = (time.monotonic(), 200 if all(passed) else 503, json.dumps(body).encode())
        _, status, body = self._ready
        await _send(send, status, body)


async def _answer(send, status: int, body: dict) -> None:
    await _send(send, status, json.dumps(body).encode())


async def _send(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"cache-control", b"no-store"),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
