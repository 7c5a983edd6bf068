"""The scale-out proof (ops/scaleout.py, ops/proofs.py) on the suite's test database: nginx in
front of two web processes, two Celery workers, two beats and the mock teams, in production
settings, on loopback. Each test is one proof; they share the layout, and the ones that kill a
process start it again. One more does with a real browser what the web process's proof does
with a Python client: the battle page itself reconnects through the proxy.

nginx is Debian's (`.ci/run` installs it); on CI a missing nginx fails the test, never skips it.
"""
import os

import httpx
import pytest
from django.conf import settings
from playwright.sync_api import expect

from ops import proofs
from ops.scaleout import ScaleOut, nginx_binary
from tests.conftest import RUN_ID
from tests.factories import ContestFactory, EntrantFactory, TeamFactory
from tests.live.citizen import both_sides_show, citizen_page, start_in_page
from tests.live.test_browser import browser  # noqa: F401 (the fixture)
from tests.live.test_faults import in_thread, page_shows_the_saved_answers
from voting.models import Vote
from tests.live.conftest import PERSONAS
from tests.live.conftest import test_database_url as database_url

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def layout(django_db_setup, tmp_path_factory):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        # Production's layout, whose proofs read PostgreSQL themselves; CI runs on PostgreSQL.
        pytest.skip("the scale-out proof runs on PostgreSQL (DATABASE_URL); CI runs it there")
    if nginx_binary() is None:
        message = "nginx is not installed (Debian: apt-get install nginx; .ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    layout = ScaleOut(database_url=database_url(), redis_url=settings.REDIS_URL,
                      folder=tmp_path_factory.mktemp("scaleout"), namespace=f"kai-test-{RUN_ID}-scaleout")
    try:
        layout.start()
        yield layout
    finally:
        layout.stop()
        layout.forget()
        print(layout.processes.tails(2000))


@pytest.fixture
def contest(layout, transactional_db):
    """The five mock teams in an open contest; a timeout far above the lease's seconds, so that
    only a lost worker's lease can end a side fast."""
    contest = ContestFactory(slug="scaleout", title="확장 대회")
    for persona, team_name, model_name in PERSONAS:
        EntrantFactory(contest=contest, team=TeamFactory(name=team_name), display_name=model_name,
                       base_url=f"{layout.mock_url}/{persona}/v1", model=persona, timeout_seconds=60)
    yield contest
    proofs.answers_reset(layout)


def test_a_battle_started_on_one_web_process_streams_to_a_socket_on_the_other(layout, contest):
    print(proofs.stream_crosses_web_processes(layout))


def test_votes_sent_through_both_web_processes_land_exactly_once(layout, contest):
    print(proofs.votes_land_once(layout))


def test_a_web_process_killed_mid_answer_loses_nothing_the_citizen_reconnects(layout, contest):
    print(proofs.web_lost_mid_answer_loses_nothing(layout))


@pytest.mark.browser
def test_the_battle_page_whose_web_process_dies_finishes_through_the_other(layout, contest, browser):  # noqa: F811
    proofs.answers_pace(layout, pieces=40, per_second=8)
    page = citizen_page(browser, layout.proxy_url)

    # Given a citizen's page, through the proxy, shows both answers streaming
    battle_id = start_in_page(page, "김치찌개 끓이는 법을 알려 줘")
    both_sides_show(page, "답하는 중…", timeout=15_000)

    # When the web process holding its websocket is killed
    held = {number: proofs.websockets_held(layout, url) for number, url in enumerate(layout.web_urls, 1)}
    serving = [number for number, sockets in held.items() if sockets >= 1]
    assert len(serving) == 1, held
    layout.web_kill(serving[0])
    try:
        # Then the page reconnects through the proxy to the other one, and ends with every line
        # the database has
        page_shows_the_saved_answers(page, battle_id)
        # and the citizen votes, once
        page.get_by_role("button", name="A가 더 좋음").click()
        expect(page.locator("#reveal")).to_be_visible()
        assert in_thread(lambda: Vote.objects.filter(battle_id=battle_id).count()) == 1
    finally:
        layout.web_start(serving[0])


def test_a_worker_killed_mid_answer_ends_its_sides_while_the_other_serves_on(layout, contest):
    print(proofs.worker_lost_mid_answer_ends_its_sides(layout))


def test_a_second_beat_cannot_double_run_the_schedule_and_takes_over(layout, contest):
    print(proofs.one_beat_runs_the_schedule(layout))


def test_metrics_through_the_proxy_on_the_same_host_ask_for_the_token(layout):
    # Every request nginx forwards comes from the loopback: that alone shows nothing
    refused = httpx.get(f"{layout.proxy_url}/metrics", timeout=5)
    assert refused.status_code == 403 and "kai_" not in refused.text
    # Prometheus, with the token, reads them
    assert "kai_http_requests_total" in proofs.metrics_read(layout, layout.web_urls[0])
