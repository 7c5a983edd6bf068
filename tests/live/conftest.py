"""The real stack for end-to-end tests: the ASGI server, a Celery worker and the mock teams,
each its own process, sharing the test database and the test run's Redis namespace.

On CI (CI=true) every component must start; elsewhere the same holds, since the suite starts
them all itself from the virtual environment.
"""
import os

import httpx
import pytest
from django.conf import settings

from ops.processes import Processes, free_port, mock_command, wait_for_http, web_command, worker_command
from ops.processes import ROOT, worker_ready  # noqa: F401 (the live tests import them from here)
from tests.conftest import RUN_ID
from tests.factories import ContestFactory, EntrantFactory, TeamFactory

PERSONAS = [
    ("hyperclova", "네이버클라우드", "HyperCLOVA X"),
    ("exaone", "LG AI연구원", "EXAONE"),
    ("ax", "SK텔레콤", "A.X"),
    ("solar", "업스테이지", "Solar"),
    ("varco", "NC AI", "VARCO"),
]

# Resolves once the page has drawn twice and run a task since: an event or a handler that a
# click, a toggle or a failed image queued has run by then.
SETTLED = """() => new Promise(done =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done))))"""


def test_database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


class LiveStack:
    def __init__(self, web_url: str, mock_url: str):
        self.web_url = web_url
        self.mock_url = mock_url

    @property
    def ws_url(self) -> str:
        return self.web_url.replace("http://", "ws://")


@pytest.fixture(scope="session")
def live_stack(django_db_setup, tmp_path_factory):
    """Start the mock teams, a Celery worker and the ASGI server against the test database."""
    logs = tmp_path_factory.mktemp("live-logs")
    web_port, mock_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": f"kai-test-{RUN_ID}",
        "CACHE_PREFIX": f"kai-test-{RUN_ID}",
        "CHANNEL_PREFIX": f"kai-test-{RUN_ID}",
        "ARENA_BATTLE_LIMITS_VOTER": "10000/m",
        "ARENA_BATTLE_LIMITS_NETWORK": "10000/m",
        "ARENA_VOTE_LIMITS_VOTER": "10000/m",
        "ARENA_VOTE_LIMITS_NETWORK": "10000/m",
        "ARENA_REASONS_LIMITS_VOTER": "10000/m",
        "ARENA_REASONS_LIMITS_NETWORK": "10000/m",
        "MOCK_TEAMS_SPEED": "4",
        "PYTHONUNBUFFERED": "1",
        # As docker-compose.yml does: web and worker add up their metrics in one folder.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics")),
    }
    processes = Processes(logs, env)
    try:
        mock = processes.start("mock", mock_command(mock_port))
        worker = processes.start("worker", worker_command(queue=env["CELERY_QUEUE"], concurrency=50))
        web = processes.start("web", web_command(web_port))
        wait_for_http(f"http://127.0.0.1:{mock_port}/health", mock)
        wait_for_http(f"http://127.0.0.1:{web_port}/", web)
        worker_ready(worker, processes.log("worker"))
        stack = LiveStack(f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{mock_port}")
        stack.logs = logs
        yield stack
    finally:
        processes.stop()
        print(processes.tails())


@pytest.fixture
def live_contest(live_stack, transactional_db):
    """The five demo teams in an open contest, pointing at the live mock team server."""
    contest = ContestFactory(slug="live", title="실시간 대회")
    for persona, team_name, model_name in PERSONAS:
        EntrantFactory(
            contest=contest,
            team=TeamFactory(name=team_name),
            display_name=model_name,
            base_url=f"{live_stack.mock_url}/{persona}/v1",
            model=persona,
            timeout_seconds=20,
        )
    # Plain lists, for tests that cannot query the database (Playwright runs an event loop).
    contest.team_names = [team for _, team, _ in PERSONAS]
    contest.model_names = [model for _, _, model in PERSONAS]
    return contest


@pytest.fixture
def mock_answers(live_stack):
    """Set the exact text some mock personas answer (``{persona: text}``); reset after the test."""

    def answer(texts: dict[str, str]) -> None:
        for persona, text in texts.items():
            httpx.put(f"{live_stack.mock_url}/_control/{persona}", json={"answer": text}).raise_for_status()

    yield answer
    httpx.post(f"{live_stack.mock_url}/_control/reset").raise_for_status()
