"""A worker killed mid-generation: the reaper ends the side, tells the page, and no vote counts."""
from datetime import timedelta

import pytest
from django.utils import timezone

from arena import services
from arena.models import Response
from arena.streaming import response_run, responses_reap
from tests.arena.test_api import post
from tests.arena.test_streaming import listener  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def battle(client, entrants):
    started = post(client, "/api/battles", {"prompt": "안녕하세요"})
    return started.json()["id"]


def _sides(battle_id):
    return {r.side: r for r in Response.objects.filter(turn__battle_id=battle_id)}


def test_a_side_whose_worker_died_is_ended_and_the_page_told(client, battle, listener):  # noqa: F811
    # Given side A streamed for a while and then its worker died; side B finished
    sides = _sides(battle)
    long_ago = timezone.now() - timedelta(seconds=sides["a"].entrant.timeout_seconds + 120)
    Response.objects.filter(pk=sides["a"].pk).update(status="streaming", started_at=long_ago, text="반쯤")
    Response.objects.filter(pk=sides["b"].pk).update(status="done", text="다 했어요")
    join, drain = listener
    join(sides["a"].turn.battle)

    # When the reaper runs
    assert responses_reap() == [sides["a"].pk]

    # Then the side failed with its partial text kept, the page was told in Korean,
    a = Response.objects.get(pk=sides["a"].pk)
    assert (a.status, a.error_code, a.text) == ("error", "worker_lost", "반쯤")
    [event] = [m for m in drain() if m["type"] == "error"]
    assert event["side"] == "a" and event["code"] == "worker_lost"
    assert "새 대결" in event["message"]
    # the battle cannot be voted on, and a second run does nothing more.
    vote = post(client, f"/api/battles/{battle}/vote", {"choice": "b"})
    assert vote.status_code == 409
    assert responses_reap() == []


def test_sides_within_their_time_are_left_alone(battle):
    sides = _sides(battle)
    Response.objects.filter(pk=sides["a"].pk).update(status="streaming", started_at=timezone.now())
    assert responses_reap() == []
    assert Response.objects.get(pk=sides["a"].pk).status == "streaming"


def test_a_late_worker_cannot_overwrite_a_reaped_side(battle, listener):  # noqa: F811
    # Given a side the reaper already ended
    a = _sides(battle)["a"]
    Response.objects.filter(pk=a.pk).update(status="error", error_code="worker_lost")
    # When its slow worker finally completes, nothing changes
    assert services.response_complete(response_id=a.pk, text="늦은 답", ttft_ms=1, total_ms=2) is False
    assert services.response_fail(response_id=a.pk, code="timeout") is False
    assert Response.objects.get(pk=a.pk).error_code == "worker_lost"
    # and a redelivered task finds nothing to do
    response_run(response_id=a.pk)
    assert Response.objects.get(pk=a.pk).status == "error"


def test_the_reaper_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["responses-reap"]
    assert entry["task"] == "arena.tasks.responses_reap_due"
    from config.celery import app

    app.loader.import_default_modules()
    assert "arena.tasks.responses_reap_due" in app.tasks
