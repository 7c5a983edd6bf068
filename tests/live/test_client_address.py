"""The client address of the caps, through the real ASGI server: uvicorn, started as the site
starts it, must not take a client's own X-Forwarded-For as its address (it did, from loopback)."""
import os
import subprocess
import uuid

import httpx
import pytest
import redis
from django.conf import settings

from tests.factories import ContestFactory, EntrantFactory
from tests.live import conftest as live

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def capped_site(tmp_path):
    """Start the site's ASGI server with a network cap of two battles an hour; return a function
    that starts it with extra settings and gives its URL."""
    contest = ContestFactory(slug=f"capped-{uuid.uuid4().hex[:6]}")
    for _ in range(2):
        EntrantFactory(contest=contest)
    namespace = f"kai-test-address-{uuid.uuid4().hex[:8]}"
    processes = []

    def start(**environment) -> str:
        port = live.free_port()
        env = {
            **os.environ,
            "DATABASE_URL": live.test_database_url(), "CONN_MAX_AGE": "0", "REDIS_URL": settings.REDIS_URL,
            # No worker takes the battles' generation tasks: they wait in a queue of their own.
            "CELERY_QUEUE": namespace, "CACHE_PREFIX": namespace, "CHANNEL_PREFIX": namespace,
            "ARENA_BATTLE_LIMITS_VOTER": "1000/h", "ARENA_BATTLE_LIMITS_NETWORK": "2/h",
            "ARENA_POW": "0", **environment,
        }
        log = open(tmp_path / f"web-{port}.log", "wb")
        process = subprocess.Popen(live.web_command(port), cwd=settings.BASE_DIR, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        live.wait_for_http(f"http://127.0.0.1:{port}/", process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
    store = redis.Redis.from_url(settings.REDIS_URL)
    for key in store.scan_iter(f"{namespace}*"):
        store.delete(key)


def battle_start(site: str, **headers) -> int:
    """A new visitor (fresh cookies) starts a battle; return the status."""
    with httpx.Client(base_url=site, timeout=10) as client:
        client.get("/")
        client.post("/api/notice", json={"accept": True},
                    headers={"X-CSRFToken": client.cookies["csrftoken"], "Origin": site})
        return client.post("/api/battles", json={"prompt": "서울의 가을 여행지를 추천해 줘"},
                           headers={"X-CSRFToken": client.cookies["csrftoken"], "Origin": site,
                                    **headers}).status_code


FORGED = {"X-Forwarded-For": "203.0.113.7"}


def test_a_forged_forwarded_header_from_loopback_does_not_dodge_the_network_cap(capped_site):
    site = capped_site()
    # Given a client whose network has used its two battles
    assert [battle_start(site) for _ in range(3)] == [201, 201, 429]
    # When it claims to be someone else, Then it is still refused
    assert battle_start(site, **FORGED) == 429
    assert battle_start(site, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}) == 429


def test_behind_a_named_proxy_each_forwarded_client_has_its_own_budget(capped_site):
    # Given loopback named as the site's proxy
    site = capped_site(CLIENT_IP_HEADER="X-Forwarded-For", TRUSTED_PROXIES="127.0.0.1,::1")
    # When one forwarded client uses its network's two battles
    assert [battle_start(site, **FORGED) for _ in range(3)] == [201, 201, 429]
    # Then an entry it wrote itself, left of the proxy's, does not free it ...
    assert battle_start(site, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}) == 429
    # ... while a client of another network, as the proxy forwards it, starts its battle
    assert battle_start(site, **{"X-Forwarded-For": "203.0.113.7, 198.51.100.1"}) == 201
