"""An entrant failing repeatedly is taken out of sampling and put back when a probe succeeds."""
import pytest

from arena import services
from arena.health import entrants_probe
from arena.models import Response
from console.selectors import console_overview
from contest.selectors import HEALTH_MAX_FAILURES, entrants_healthy
from contest.models import Entrant

pytestmark = pytest.mark.django_db


def _fail_three_times(entrant):
    """Record failures on the entrant's sides until it has failed HEALTH_MAX_FAILURES in a row."""
    while Entrant.objects.get(pk=entrant.pk).consecutive_failures < HEALTH_MAX_FAILURES:
        battle = services.battle_start(session_key="s", prompt="질문")
        for response in Response.objects.filter(turn__battle=battle, entrant=entrant):
            services.response_begin(response_id=response.pk)
            services.response_fail(response_id=response.pk, code="connection")


def test_an_entrant_that_keeps_failing_leaves_sampling_and_returns_after_its_probe_answers(
    entrants, mock_teams_server
):
    # Given an entrant whose endpoint is down, failing battle after battle
    down = entrants[0]
    good_url = f"{mock_teams_server}/hyperclova/v1"
    Entrant.objects.filter(pk=down.pk).update(base_url="http://127.0.0.1:9/v1")
    _fail_three_times(Entrant.objects.get(pk=down.pk))
    contest = down.contest
    # Then no new battle gets it
    assert down.pk not in {e.pk for e in entrants_healthy(contest=contest)}
    for _ in range(20):
        battle = services.battle_start(session_key="s", prompt="질문")
        assert down.pk not in (battle.entrant_a_id, battle.entrant_b_id)
    # When the probe runs while it is still down, it stays out, and organizers see why
    assert entrants_probe()[down.pk] == "connection"
    down.refresh_from_db()
    assert down.probe_error == "connection" and down.probed_at is not None
    assert down.pk not in {e.pk for e in entrants_healthy(contest=contest)}
    row = next(r for r in console_overview(contest=contest)["entrants"] if r["id"] == down.pk)
    assert row["in_sampler"] is False and row["probe_error"] == "connection"
    # When it is back up, the next probe puts it back into sampling
    Entrant.objects.filter(pk=down.pk).update(base_url=good_url)
    assert entrants_probe()[down.pk] == ""
    down.refresh_from_db()
    assert (down.consecutive_failures, down.probe_error) == (0, "")
    assert down.pk in {e.pk for e in entrants_healthy(contest=contest)}


def test_the_probe_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["entrants-probe"]
    assert entry["task"] == "arena.tasks.entrants_probe_due"
