"""Prometheus metrics: every HTTP request by route, and `/metrics` for the organizers' Prometheus.

prometheus_client, the Prometheus project's own client, not django-prometheus: the requests
that matter most never reach Django's middleware (the vote's fast path and the leaderboard's
read cache answer in front of it, config/asgi.py), so requests are measured here, by an ASGI
middleware around everything; and the figures of a battle's sides are counted in the Celery
workers (arena/metrics.py). With PROMETHEUS_MULTIPROC_DIR set (docker-compose.yml sets it), each
process of the machine, web or worker, writes its values to files in that folder and `/metrics`
adds them up (prometheus_client's multiprocess mode); unset, a process shows its own values.

`/metrics` is answered only with ``Authorization: Bearer <METRICS_TOKEN>``, or, when no token is
set (the demo: production refuses to start without one), only to a loopback peer that forwards
nothing: never merely because the peer is the loopback or a trusted proxy, since a proxy on the
same host makes every public request a loopback one. It answers in front of Django, whatever
the Host header says; with METRICS_ENABLED off it is not answered at all (Django's 404).
"""
import hmac
import os
import re
import time

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.urls import Resolver404, resolve
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

PATH = "/metrics"
# Any other method a client makes up is "other": a label's values must stay few.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter("kai_http_requests", "HTTP requests answered, by route, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram(
    "kai_http_request_duration_seconds", "Time from a request's arrival to its answer's end, by route.",
    ["route", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class CeleryQueueDepth:
    """The number of tasks waiting in the site's Celery queue, read from the broker at scrape."""

    # kombu's Redis transport keeps a queue's priorities in lists of these suffixes.
    PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

    def collect(self):
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        family = GaugeMetricFamily("kai_celery_queue_depth", "Tasks waiting in the Celery queue.",
                                   labels=["queue"])
        try:
            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
            with client.pipeline(transaction=False) as pipeline:
                for suffix in self.PRIORITY_SUFFIXES:
                    pipeline.llen(queue + suffix)
                family.add_metric([queue], sum(pipeline.execute()))
            client.close()
        except redis.RedisError:
            return  # no figure rather than a wrong one; the readiness check says Redis failed
        yield family


_registry: CollectorRegistry | None = None


def registry() -> CollectorRegistry:
    """Return the registry `/metrics` shows: every process's, or this process's own."""
    global _registry
    if _registry is None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            _registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(_registry)
        else:
            _registry = REGISTRY
        _registry.register(CeleryQueueDepth())
    return _registry


# A path's shape: its ids and numbers made alike, so that one resolve serves every battle's vote.
_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
_ROUTES_KEPT = 4096
_routes: dict[str, str] = {}


def route_of(path: str) -> str:
    """Return the URL pattern `path` matched ("api/battles/<uuid:battle_id>/vote"), so that a
    route is one label whatever its ids; "static" or "unmatched" for the rest.

    Resolving costs most of what measuring a request does (docs/performance.md): the route of
    each path shape is kept, up to _ROUTES_KEPT shapes.
    """
    if path.startswith(settings.STATIC_URL):
        return "static"
    shape = _SHAPE.sub("0", path)
    route = _routes.get(shape)
    if route is None:
        try:
            route = resolve(path).route or "unmatched"
        except Resolver404:
            route = "unmatched"
        if len(_routes) < _ROUTES_KEPT:
            _routes[shape] = route
    return route


# Headers a proxy adds to say whom it forwards: a request carrying one came through a proxy.
FORWARDING_HEADERS = {b"x-forwarded-for", b"x-real-ip", b"forwarded", b"x-forwarded-host",
                      b"x-forwarded-proto", b"via"}


def allowed(scope) -> bool:
    headers = dict(scope.get("headers") or [])
    token = settings.METRICS_TOKEN
    if token:
        return hmac.compare_digest(headers.get(b"authorization", b""), b"Bearer " + token.encode())
    forwarding = FORWARDING_HEADERS
    if settings.CLIENT_IP_HEADER:  # HTTP_CF_CONNECTING_IP is cf-connecting-ip on the wire
        forwarding = forwarding | {settings.CLIENT_IP_HEADER.removeprefix("HTTP_").lower()
                                   .replace("_", "-").encode()}
    peer = (scope.get("client") or ("",))[0]
    return peer in ("127.0.0.1", "::1") and not forwarding & headers.keys()


class RequestMetrics:
    """ASGI middleware: serve `/metrics`, and count and time every other HTTP request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] == PATH and settings.METRICS_ENABLED:
            return await self.metrics(scope, send)
        started = time.perf_counter()
        status = 500

        async def send_counted(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = route_of(scope["path"])
            method = scope["method"] if scope["method"] in METHODS else "other"
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route, method).observe(time.perf_counter() - started)

    async def metrics(self, scope, send):
        if not allowed(scope):
            body, status, content_type = b"forbidden\n", 403, b"text/plain; charset=utf-8"
        else:
            # Off the loop: reading the other processes' files and the broker blocks.
            body = await sync_to_async(generate_latest, thread_sensitive=False)(registry())
            status, content_type = 200, CONTENT_TYPE_LATEST.encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", content_type), (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
