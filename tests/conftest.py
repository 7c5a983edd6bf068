"""Shared fixtures. Real PostgreSQL and Redis whenever they are configured; on CI they must be."""
import os
import uuid

import pytest
import redis
from django.conf import settings
from django.utils import translation

from tests.factories import ContestFactory, EntrantFactory, ExpertUserFactory, OrganizerFactory

ON_CI = os.environ.get("CI", "").lower() == "true"
# One namespace per test run, so counters and queues never leak between runs or into a demo.
RUN_ID = uuid.uuid4().hex[:8]


def pytest_configure(config):
    if ON_CI and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("CI=true requires DATABASE_URL to point at PostgreSQL.")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        raise pytest.UsageError(f"Redis at {settings.REDIS_URL} does not answer: {error}")
    # Worker threads of async tests must not keep connections open past the run, or the test
    # database cannot be dropped at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    settings.CACHES["default"]["KEY_PREFIX"] = f"kai-test-{RUN_ID}"
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"kai-test-{RUN_ID}"
    from config.celery import app

    app.conf.task_default_queue = f"kai-test-{RUN_ID}"


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language: a request in English leaves English
    active on its thread (LocaleMiddleware activates it, and an error response skips the
    middleware's way out), which must not leak into the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def limits(voter: list[str], network: list[str]) -> dict:
    """The same caps on battles, votes, reason tags and panel codes (settings.ARENA["LIMITS"])."""
    per = {"voter": voter, "network": network}
    return {"battle": dict(per), "vote": dict(per), "reasons": dict(per), "panel": dict(per)}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    # Every test client is 127.0.0.1; only the rate-limit tests themselves set tight budgets.
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["10000/m"], ["10000/m"])}


@pytest.fixture(autouse=True)
def quick_password_hashes(request):
    # A password hash made for speed, as Django's testing guide advises; the live stack's own
    # processes check passwords with the site's hashers, so its tests keep them.
    if request.node.get_closest_marker("live") is None:
        settings_fixture = request.getfixturevalue("settings")
        settings_fixture.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def leaderboards_uncached():
    # The cache outlives each test's rolled-back database: no test sees another's boards.
    from django.core.cache import cache

    from voting.selectors import LEADERBOARD_CACHE_GENERATION

    cache.set(LEADERBOARD_CACHE_GENERATION, uuid.uuid4().hex, None)


@pytest.fixture
def contest(db):
    return ContestFactory()


@pytest.fixture
def entrants(contest):
    return [EntrantFactory(contest=contest) for _ in range(3)]


def notice_accept(client):
    """Accept the first-visit notice for the test client's session, as an API client does
    (docs/api.md), and return the client: battles and turns are refused until then."""
    response = client.post("/api/notice", {"accept": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    return client


@pytest.fixture
def citizen(client, db):
    """A test client whose session has accepted the first-visit notice."""
    return notice_accept(client)


@pytest.fixture
def organizer_client(client, db):
    """A test client signed in as an organizer."""
    client.force_login(OrganizerFactory())
    return client


@pytest.fixture
def expert_client(client, db):
    """A test client signed in as an expert."""
    client.force_login(ExpertUserFactory())
    return client


@pytest.fixture
def fresh_cache(settings):
    """A cache namespace of this test's own (rate-limit counters, used proofs of work).

    CACHES is replaced, not changed in place, so that Django rebuilds its cache connections and
    the prefix is restored after the test.
    """
    default = {**settings.CACHES["default"]}
    default["KEY_PREFIX"] = f"kai-test-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {**settings.CACHES, "default": default}
