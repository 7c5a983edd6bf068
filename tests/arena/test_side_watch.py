"""The battle's websocket ends the sides of a lost worker when no worker is left to run the
reaper (arena.side_watch): no Celery worker runs in these tests, as in the demo whose single
worker was killed."""
import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.utils import timezone

from arena.leases import WATCH_KEY, lease_key
from arena.models import Response
from arena.streaming import partial_key
from contest.models import Entrant
from tests.arena.test_consumers import battle_for, communicator, session_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_watch(settings):
    settings.ARENA = {**settings.ARENA, "LEASE_SECONDS": 1, "REAP_EVERY_SECONDS": 0.3}
    return settings.ARENA


@sync_to_async
def both_sides_streamed_text(battle, *, leased: str = "") -> dict:
    """Both sides began 8 s ago with a 60 s timeout and showed text; only `leased` sides' worker
    still renews its lease. The reaper has watched this Redis for a minute."""
    Entrant.objects.update(timeout_seconds=60)
    redis = cache._cache.get_client(write=True)
    redis.set(cache.make_key(WATCH_KEY), repr(time.time() - 60))
    sides = {r.side: r for r in Response.objects.filter(turn__battle=battle)}
    for side, response in sides.items():
        Response.objects.filter(pk=response.pk).update(
            status="streaming", started_at=timezone.now() - timedelta(seconds=8), text="반쯤")
        cache.set(partial_key(response.pk), {"seq": 2, "text": f"{side} 반쯤"}, 60)
        if side in leased:
            redis.set(lease_key(response.pk), b"1", ex=60)
    return sides


@sync_to_async
def statuses(battle) -> dict:
    return {r.side: (r.status, r.error_code) for r in Response.objects.filter(turn__battle=battle)}


async def frames_until_both_end(socket, *, seconds: float) -> list[dict]:
    frames, ended = [], set()
    deadline = asyncio.get_running_loop().time() + seconds
    while ended != {"a", "b"}:
        left = deadline - asyncio.get_running_loop().time()
        frame = await socket.receive_json_from(timeout=max(left, 0.01))
        frames.append(frame)
        if frame["type"] in ("done", "error"):
            ended.add(frame["side"])
    return frames


@pytest.mark.parametrize("paced", [True, False])
async def test_a_lost_workers_sides_end_on_the_page_with_no_worker_alive(entrants, quick_watch, paced):
    # Given a battle whose two sides showed text, and whose one worker was killed (no lease is
    # renewed, and no worker runs the beat's reaper)
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=paced)
    await both_sides_streamed_text(battle)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]

    # When the page's socket hears nothing from the battle for a lease's time
    started = time.monotonic()
    frames = await frames_until_both_end(socket, seconds=5)

    # Then both panes end, with one error frame per side, within a lease and a watch period
    assert time.monotonic() - started < 5
    errors = [(f["side"], f["code"]) for f in frames if f["type"] == "error"]
    assert sorted(errors) == [("a", "worker_lost"), ("b", "worker_lost")]
    assert await statuses(battle) == {"a": ("error", "worker_lost"), "b": ("error", "worker_lost")}
    # and nothing more comes: each side's error went out once
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()


async def test_a_quiet_side_whose_worker_lives_is_left_alone(entrants, quick_watch):
    # Given a battle whose sides showed text and whose worker still renews both leases (a slow
    # team thinking before its next words)
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    await both_sides_streamed_text(battle, leased="ab")
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]

    # When the socket hears nothing for several leases' time, nothing ends
    frames = []
    while not await socket.receive_nothing(timeout=3.5):
        frames.append(await socket.receive_json_from())
    assert [f["type"] for f in frames] == ["token", "token"]  # the snapshot, nothing more
    assert await statuses(battle) == {"a": ("streaming", ""), "b": ("streaming", "")}
    await socket.disconnect()
