"""What an operator watches: liveness and readiness, `/metrics`, and the request id that follows
a battle from its POST into the worker (config/health.py, config/metrics.py, config/logs.py)."""
import json
import logging
import logging.config
import re

import httpx
import pytest
from asgiref.sync import sync_to_async
from celery.signals import before_task_publish
from prometheus_client import REGISTRY

from arena.models import Battle
from config.asgi import application
from config.logs import REQUEST_ID, TASK_HEADER

pytestmark = pytest.mark.django_db(transaction=True)


def client(*, peer: str = "127.0.0.1", host: str = "testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_liveness_answers_a_probe_that_names_no_public_host():
    # A container's health check asks by address: the host is in no ALLOWED_HOSTS
    async with client(peer="172.18.0.5", host="10.1.2.3:8000") as probe:
        live = await probe.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert live.headers["cache-control"] == "no-store"


async def test_readiness_is_503_naming_the_failing_check_and_nothing_more(settings):
    # Given PostgreSQL and Redis answer and no Celery worker listens (none runs in this suite)
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.3
    async with client(peer="172.18.0.5", host="10.1.2.3:8000") as probe:
        ready = await probe.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json() == {"status": "failing",
                            "checks": {"database": "ok", "redis": "ok", "worker": "failing"}}


async def test_readiness_with_redis_down_says_so_without_its_address_or_error(settings):
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.3
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}
    from config.health import HealthEndpoints

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=HealthEndpoints(None)),
                                 base_url="http://x") as probe:
        ready = await probe.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"] == "failing"
    assert not re.search(r"127\.0\.0\.1|:9\b|refused|redis://|version", ready.text, re.I)


async def test_metrics_are_refused_to_the_public_and_to_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES, settings.CLIENT_IP_HEADER = ["10.0.0.0/8"], "HTTP_X_FORWARDED_FOR"
    for peer in ("203.0.113.9", "10.0.0.2"):
        async with client(peer=peer) as outsider:
            answer = await outsider.get("/metrics")
        assert answer.status_code == 403 and "kai_" not in answer.text


async def test_metrics_through_a_proxy_on_the_same_host_are_refused_without_the_token(settings):
    # Given nginx on the same machine, as ops/scaleout.py lays it out: every request it forwards
    # comes from the loopback, with the address it saw appended to X-Forwarded-For
    settings.TRUSTED_PROXIES, settings.CLIENT_IP_HEADER = ["127.0.0.1"], "HTTP_X_FORWARDED_FOR"
    forwarded = [{"X-Forwarded-For": "203.0.113.9"}, {"X-Real-IP": "203.0.113.9"},
                 {"Forwarded": "for=203.0.113.9"}, {"X-Forwarded-For": "127.0.0.1"}]
    for headers in forwarded:
        async with client(peer="127.0.0.1") as public:
            answer = await public.get("/metrics", headers=headers)
        assert answer.status_code == 403 and "kai_" not in answer.text, headers
    # A header the site is told its proxy sets counts as forwarding too
    settings.CLIENT_IP_HEADER = "HTTP_CF_CONNECTING_IP"
    async with client(peer="::1") as public:
        answer = await public.get("/metrics", headers={"CF-Connecting-IP": "203.0.113.9"})
    assert answer.status_code == 403
    # while the demo's own curl on the machine still reads them
    async with client(peer="127.0.0.1") as operator:
        assert (await operator.get("/metrics")).status_code == 200


async def test_metrics_can_be_turned_off(settings):
    settings.METRICS_ENABLED = False
    settings.METRICS_TOKEN = "a-long-random-metrics-token"
    async with client(peer="127.0.0.1") as prometheus:
        answer = await prometheus.get(
            "/metrics", headers={"Authorization": "Bearer a-long-random-metrics-token"})
    assert answer.status_code == 404 and "kai_" not in answer.text


async def test_metrics_ask_for_the_token_once_one_is_set(settings):
    settings.METRICS_TOKEN = "a-long-random-metrics-token"
    async with client(peer="10.9.8.7") as prometheus:
        refused = await prometheus.get("/metrics")
        wrong = await prometheus.get("/metrics", headers={"Authorization": "Bearer nope"})
        shown = await prometheus.get(
            "/metrics", headers={"Authorization": "Bearer a-long-random-metrics-token"}
        )
    assert (refused.status_code, wrong.status_code, shown.status_code) == (403, 403, 200)
    assert "kai_celery_queue_depth" in shown.text


async def test_a_battle_and_a_refused_vote_show_in_the_metrics(entrants):
    route = "api/battles"
    before = (sample("kai_battles_started_total"),
              sample("kai_http_requests_total", route=route, method="POST", status="201"),
              sample("kai_votes_refused_total", reason="not_votable"))
    async with client() as browser:
        await browser.get("/")  # a session and a CSRF cookie, as the page gets them
        token = browser.cookies.get("csrftoken")
        headers = {"X-CSRFToken": token, "Origin": "http://testserver"}
        await browser.post("/api/notice", json={"accept": True}, headers=headers)
        started = await browser.post("/api/battles", json={"prompt": "안녕"}, headers=headers)
        assert started.status_code == 201, started.text
        # the sides are still pending: the vote is refused
        vote = await browser.post(f"/api/battles/{started.json()['id']}/vote",
                                  json={"choice": "a"}, headers=headers)
        assert vote.status_code == 409
        metrics = await browser.get("/metrics")
    after = (sample("kai_battles_started_total"),
             sample("kai_http_requests_total", route=route, method="POST", status="201"),
             sample("kai_votes_refused_total", reason="not_votable"))
    assert [b - a for a, b in zip(before, after)] == [1, 1, 1]
    assert 'kai_http_request_duration_seconds_count{method="POST",route="api/battles"}' in metrics.text
    # and the queue holds the battle's task, one for both sides (no worker runs in this suite)
    depth = re.search(r'kai_celery_queue_depth\{queue="[^"]+"\} (\d+)', metrics.text)
    assert depth and int(float(depth.group(1))) >= 1


async def test_a_request_id_is_made_unless_a_trusted_proxy_gives_one(settings, entrants):
    published = []

    def capture(headers=None, **kwargs):
        published.append(headers.get(TASK_HEADER))

    before_task_publish.connect(capture)
    try:
        # A client's own id is not taken: one is made, answered, and carried into the tasks
        async with client(peer="203.0.113.9") as browser:
            answer = await browser.get("/", headers={"X-Request-ID": "forged"})
            assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
            token = browser.cookies.get("csrftoken")
            await browser.post("/api/notice", json={"accept": True}, headers={
                "X-CSRFToken": token, "Origin": "http://testserver"})
            started = await browser.post("/api/battles", json={"prompt": "안녕"}, headers={
                "X-CSRFToken": token, "Origin": "http://testserver"})
        assert started.status_code == 201
        made = started.headers["x-request-id"]
        # the start published one task, for both sides, and it carries the id
        assert published == [made]
        # behind the site's proxy, the proxy's id is the request's
        settings.TRUSTED_PROXIES, settings.CLIENT_IP_HEADER = ["10.0.0.0/8"], "HTTP_X_FORWARDED_FOR"
        async with client(peer="10.0.0.2") as proxied:
            answer = await proxied.get("/health/live", headers={"X-Request-ID": "lb-42.abc"})
            garbled = await proxied.get("/health/live", headers={"X-Request-ID": "bad id\t"})
        assert answer.headers["x-request-id"] == "lb-42.abc"
        assert garbled.headers["x-request-id"] != "bad id\t"
    finally:
        before_task_publish.disconnect(capture)
    assert await sync_to_async(Battle.objects.count)() == 1


def test_json_log_lines_carry_the_request_id(settings, capsys):
    config = {**settings.LOGGING, "root": {"handlers": ["console"], "level": "INFO"}}
    config["handlers"] = {"console": {**config["handlers"]["console"], "formatter": "json",
                                      "stream": "ext://sys.stdout"}}
    logging.config.dictConfig(config)
    try:
        token = REQUEST_ID.set("req-7")
        logging.getLogger("arena.streaming").warning("response %s failed: %s", 12, '"quoted"\n')
        REQUEST_ID.reset(token)
        line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert line["request_id"] == "req-7" and line["level"] == "WARNING"
    assert line["logger"] == "arena.streaming" and line["message"] == 'response 12 failed: "quoted"\n'
