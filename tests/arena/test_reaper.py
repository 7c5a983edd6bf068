"""A worker killed mid-generation: the reaper ends the side, tells the page, and no vote counts.
A side's lease (arena.leases) lets it notice within seconds, not after the entrant's timeout."""
import asyncio
import base64
import json
import time
from datetime import timedelta

import httpx
import pytest
from django.core.cache import cache
from django.utils import timezone

from arena import services
from arena.leases import WATCH_KEY, lease_key
from arena.models import Response
from arena.runner import runner
from arena.streaming import partial_key, response_run, response_stream, responses_reap
from contest.models import Entrant
from tests.arena.test_api import post
from tests.arena.test_streaming import listener, sse  # noqa: F401  (fixture)
from tests.conftest import notice_accept

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(client, db):
    """The test client, its session past the first-visit notice."""
    return notice_accept(client)


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


def _redis():
    return cache._cache.get_client(write=True)


def _watching_for(seconds: float) -> None:
    """As if the reaper had watched this Redis's leases for `seconds`."""
    _redis().set(cache.make_key(WATCH_KEY), repr(time.time() - seconds))


def _streaming_since(response_id: int, seconds: float) -> None:
    Response.objects.filter(pk=response_id).update(
        status="streaming", started_at=timezone.now() - timedelta(seconds=seconds)
    )


def _a_lost_b_streaming(battle, settings) -> dict:
    """Both sides began 8 s ago with a 60 s timeout; B's worker renews its lease, A's died."""
    sides = _sides(battle)
    Entrant.objects.update(timeout_seconds=60)
    _watching_for(60)
    _streaming_since(sides["a"].pk, 8)
    _streaming_since(sides["b"].pk, 8)
    _redis().set(lease_key(sides["b"].pk), b"1", ex=settings.ARENA["LEASE_SECONDS"])
    return sides


def test_a_side_whose_lease_lapsed_is_ended_long_before_its_timeout(battle, listener, settings):  # noqa: F811
    # Given side A streams with a 60 s timeout, side B holds its lease, and A's lease lapsed
    # (its worker was killed 8 s into the answer, once the page had text from it)
    sides = _a_lost_b_streaming(battle, settings)
    cache.set(partial_key(sides["a"].pk), {"seq": 3, "text": "반쯤"})
    join, drain = listener
    join(sides["a"].turn.battle)

    # When the reaper runs, A is ended as lost and its page told; B streams on
    assert responses_reap() == [sides["a"].pk]
    assert Response.objects.get(pk=sides["a"].pk).error_code == "worker_lost"
    assert Response.objects.get(pk=sides["b"].pk).status == "streaming"
    assert [(e["side"], e["code"]) for e in drain() if e["type"] == "error"] == [("a", "worker_lost")]


def test_a_side_that_just_started_is_given_time_to_take_its_lease(battle):
    _watching_for(60)
    _streaming_since(_sides(battle)["a"].pk, 0.5)
    assert responses_reap() == []


def test_an_emptied_redis_does_not_end_live_sides_before_their_workers_renew(battle, settings):
    # Given Redis restarted empty: no lease and no watch key, while A streams on a live worker
    a = _sides(battle)["a"]
    _redis().delete(cache.make_key(WATCH_KEY))
    _streaming_since(a.pk, 30)
    # When the reaper runs, it trusts no missing lease yet
    assert responses_reap() == []
    assert Response.objects.get(pk=a.pk).status == "streaming"
    # and once it has watched for a lease's time with still none, the side is ended
    _watching_for(settings.ARENA["LEASE_SECONDS"] + 1)
    assert responses_reap() == [a.pk]


def test_a_streaming_side_holds_its_lease_until_it_ends(battle, settings):
    # Given a side whose endpoint answers slowly
    settings.ARENA = {**settings.ARENA, "LEASE_SECONDS": 2, "LEASE_RENEW_SECONDS": 0.2}
    a = _sides(battle)["a"]
    seen = []

    async def watch():
        # Sample the lease while the side streams, past several of its lifetimes, from once it
        # has begun.
        await asyncio.sleep(0.5)
        while len(seen) < 20:
            seen.append(await asyncio.to_thread(_redis().exists, lease_key(a.pk)))
            await asyncio.sleep(0.2)

    async def slow_stream(request):
        async def body():
            for i in range(25):
                yield f'data: {{"choices": [{{"index": 0, "delta": {{"content": "조각{i} "}}}}]}}\n\n'.encode()
                await asyncio.sleep(0.2)
            yield b"data: [DONE]\n\n"
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    client = httpx.AsyncClient(transport=httpx.MockTransport(slow_stream))

    async def both():
        watcher = asyncio.create_task(watch())
        await response_stream(response_id=a.pk, client=client)
        await watcher

    # When it streams for 5 s, more than twice the lease's time
    runner.run(both())

    # Then the lease was there throughout (renewed), and is gone once the side ended
    assert Response.objects.get(pk=a.pk).status == "done"
    assert len(seen) == 20 and all(seen), seen
    assert not _redis().exists(lease_key(a.pk))


def _queued_sides() -> list[int]:
    """The response ids of the generation tasks waiting in this run's Celery queue."""
    from config.celery import app

    ids = []
    for raw in _redis().lrange(app.conf.task_default_queue, 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == "arena.tasks.response_generate":
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            ids.extend(args)
    return ids


def test_a_side_lost_before_it_showed_text_is_queued_again_and_answers(battle, listener, settings):  # noqa: F811
    # Given side A's worker was killed 8 s after A began, before A had any text to show
    # (no snapshot), while B streams on a live worker
    sides = _a_lost_b_streaming(battle, settings)
    join, drain = listener
    join(sides["a"].turn.battle)

    # When the reaper runs, A is not ended: it is pending again and its task is queued for
    # whichever worker takes it, and the page is told nothing (it still shows A waiting)
    assert responses_reap() == []
    assert Response.objects.get(pk=sides["a"].pk).status == "pending"
    assert sides["a"].pk in _queued_sides()
    assert [e for e in drain() if e["type"] == "error"] == []

    # Then the worker that takes it streams A's answer to the end
    response_run(response_id=sides["a"].pk, client=sse({"content": "다시 "}, {"content": "답합니다"}))
    a = Response.objects.get(pk=sides["a"].pk)
    assert (a.status, a.text) == ("done", "다시 답합니다")


def test_a_side_lost_twice_before_any_text_is_ended(battle, settings):
    # Given A was already queued again once (LOST_SIDE_RETRIES is 1) and its second worker
    # died too before any text
    a = _sides(battle)["a"]
    Entrant.objects.update(timeout_seconds=60)
    _watching_for(60)
    _streaming_since(a.pk, 8)
    assert responses_reap() == []
    _streaming_since(a.pk, 8)
    # When the reaper runs again, A is ended as lost
    assert responses_reap() == [a.pk]
    assert Response.objects.get(pk=a.pk).error_code == "worker_lost"


def test_no_side_is_queued_again_when_retries_are_off_or_redis_forgot_what_it_showed(battle, settings):
    a, b = _sides(battle)["a"], _sides(battle)["b"]
    Entrant.objects.update(timeout_seconds=60)
    # A Redis emptied 6 s ago, during sides that began 8 s ago: a missing snapshot proves
    # nothing, since the page may have shown text that Redis then lost
    _watching_for(6)
    _streaming_since(a.pk, 8)
    settings.ARENA = {**settings.ARENA, "LEASE_SECONDS": 5}
    assert responses_reap() == [a.pk]
    # With retries off, a side lost before any text is ended at once
    settings.ARENA = {**settings.ARENA, "LOST_SIDE_RETRIES": 0}
    _watching_for(60)
    _streaming_since(b.pk, 8)
    assert responses_reap() == [b.pk]
    assert Response.objects.get(pk=b.pk).error_code == "worker_lost"


def test_a_side_lost_before_any_text_beside_one_lost_mid_answer_ends_with_it(battle, listener, settings):  # noqa: F811
    # Given one worker streamed both sides and was killed 8 s in: A had shown text, B had not
    # (and no worker may be left to answer B again)
    sides = _sides(battle)
    Entrant.objects.update(timeout_seconds=60)
    _watching_for(60)
    _streaming_since(sides["a"].pk, 8)
    _streaming_since(sides["b"].pk, 8)
    cache.set(partial_key(sides["a"].pk), {"seq": 3, "text": "반쯤"})
    join, drain = listener
    join(sides["a"].turn.battle)

    # When the reaper runs
    reaped = responses_reap()

    # Then both sides end together, one error frame each: B is not queued again for a battle
    # that can no longer be voted on, and a worker that takes its task later finds nothing to do
    assert sorted(reaped) == sorted([sides["a"].pk, sides["b"].pk])
    assert {Response.objects.get(pk=r.pk).error_code for r in sides.values()} == {"worker_lost"}
    assert sorted(e["side"] for e in drain() if e["type"] == "error") == ["a", "b"]
    response_run(response_id=sides["b"].pk, client=sse({"content": "늦은 답"}))
    assert Response.objects.get(pk=sides["b"].pk).status == "error"
