"""The battle websocket, through Channels' WebsocketCommunicator and the real Redis layer."""
import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache

from arena import services
from arena.models import Response
from arena.streaming import battle_group, partial_key
from config.asgi import application
from contest.models import Contest

pytestmark = pytest.mark.django_db(transaction=True)


def session_create() -> str:
    session = SessionStore()
    session.create()
    return session.session_key


def communicator(battle_id, session_key):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/battles/{battle_id}/", headers=headers)


@sync_to_async
def battle_for(session_key, *, paced: bool = True):
    battle = services.battle_start(session_key=session_key, prompt="질문")
    Contest.objects.filter(pk=battle.contest_id).update(paced_streams=paced)
    return battle


async def publish(battle, *events):
    layer = get_channel_layer()
    for event in events:
        await layer.group_send(battle_group(battle.pk), {"type": "battle.event", "event": event})


async def test_owner_receives_events_of_their_battle(entrants):
    # Given a battle owned by a browser session, in a contest that does not pace its streams
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    socket = communicator(battle.pk, owner)
    connected, _ = await socket.connect()
    assert connected
    # When a worker publishes a token batch and a final message for side A
    layer = get_channel_layer()
    for event in (
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "안녕"},
        {"type": "done", "side": "a", "turn": 0, "text": "안녕하세요", "ttft_ms": 5, "total_ms": 9},
    ):
        await layer.group_send(battle_group(battle.pk), {"type": "battle.event", "event": event})
    # Then the owner's socket receives both, unchanged and in order
    assert await socket.receive_json_from(timeout=3) == {
        "type": "token", "side": "a", "turn": 0, "seq": 1, "text": "안녕",
    }
    done = await socket.receive_json_from(timeout=3)
    assert done["type"] == "done" and done["text"] == "안녕하세요"
    await socket.disconnect()


async def test_late_joiner_gets_finished_sides_from_the_snapshot(entrants):
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    await sync_to_async(
        lambda: Response.objects.filter(turn__battle=battle, side="b").update(
            status="done", text="이미 끝난 답", ttft_ms=12, total_ms=34
        )
    )()
    socket = communicator(battle.pk, owner)
    connected, _ = await socket.connect()
    assert connected
    message = await socket.receive_json_from(timeout=3)
    assert message == {
        "type": "done", "side": "b", "turn": 0, "text": "이미 끝난 답", "ttft_ms": None, "total_ms": None,
    }
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_paced_sides_are_held_until_both_have_text_then_sent_in_step(entrants):
    # Given a paced battle whose side A has streamed and finished before side B said anything
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    await publish(
        battle,
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "빠른 "},
        {"type": "token", "side": "a", "turn": 0, "seq": 2, "text": "답입니다"},
        {"type": "done", "side": "a", "turn": 0, "text": "빠른 답입니다", "ttft_ms": None, "total_ms": None},
    )
    # Then the socket says nothing yet
    assert await socket.receive_nothing(timeout=0.3)
    # When side B's first batch arrives, both panes get the same amount of text, renumbered
    await publish(battle, {"type": "token", "side": "b", "turn": 0, "seq": 1, "text": "느린"})
    first = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    assert first == [
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "빠른", "snapshot": True},
        {"type": "token", "side": "b", "turn": 0, "seq": 1, "text": "느린", "snapshot": True},
    ]
    # When side B finishes, the rest of A follows and both done messages leave together
    await publish(battle, {"type": "done", "side": "b", "turn": 0, "text": "느린 답",
                           "ttft_ms": None, "total_ms": None})
    rest = []
    while len([m for m in rest if m["type"] == "done"]) < 2:
        rest.append(await socket.receive_json_from(timeout=10))
    texts = {"a": "빠른", "b": "느린"}
    for message in rest:
        if message["type"] == "token":
            texts[message["side"]] += message["text"]
    assert texts == {"a": "빠른 답입니다", "b": "느린 답"}
    assert [(m["side"], m["text"], m["ttft_ms"]) for m in rest if m["type"] == "done"] == [
        ("a", "빠른 답입니다", None), ("b", "느린 답", None)]
    await socket.disconnect()


async def test_a_paced_late_joiner_gets_both_sides_in_step(entrants):
    # Given a paced battle: side B finished (in the database), side A streamed part of its answer
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)

    @sync_to_async
    def progress():
        responses = {r.side: r for r in Response.objects.filter(turn__battle=battle)}
        responses["b"].status, responses["b"].text = "done", "이미 끝난 긴 답입니다"
        responses["b"].ttft_ms, responses["b"].total_ms = 12, 34
        responses["b"].save()
        Response.objects.filter(pk=responses["a"].pk).update(status="streaming")
        cache.set(partial_key(responses["a"].pk), {"seq": 4, "text": "쓰는 중"}, 60)

    await progress()
    # When the owner connects
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    # Then both panes show the same number of characters, and B's end is held back with A's
    snapshot = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    assert snapshot == [
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "쓰는 중", "snapshot": True},
        {"type": "token", "side": "b", "turn": 0, "seq": 1, "text": "이미 끝", "snapshot": True},
    ]
    assert await socket.receive_nothing(timeout=0.3)
    # And A's next batch, numbered after the snapshot, moves both on
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 5, "text": "입니다"})
    step = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    assert [(m["side"], m["seq"], m["text"]) for m in step] == [("a", 2, "입니다"), ("b", 2, "난 긴")]
    await socket.disconnect()


async def test_a_failed_side_releases_the_other_at_once(entrants):
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    await publish(
        battle,
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "다 쓴 답"},
        {"type": "done", "side": "a", "turn": 0, "text": "다 쓴 답", "ttft_ms": None, "total_ms": None},
        {"type": "error", "side": "b", "turn": 0, "code": "timeout", "message": "시간 초과"},
    )
    received = [await socket.receive_json_from(timeout=3) for _ in range(3)]
    assert [(m["side"], m["type"]) for m in received] == [("a", "token"), ("a", "done"), ("b", "error")]
    assert received[0]["text"] == received[1]["text"] == "다 쓴 답"
    await socket.disconnect()


@pytest.mark.parametrize("who", ["stranger", "no-session"])
async def test_other_sessions_cannot_join(entrants, who):
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
    key = await sync_to_async(session_create)() if who == "stranger" else None
    socket = communicator(battle.pk, key)
    # Accepted, then closed with 4403 (docs/api.md), so the page knows not to try again; and
    # nothing of the battle is sent before the close
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_unknown_battle_is_refused(db):
    owner = await sync_to_async(session_create)()
    socket = communicator("00000000-0000-0000-0000-000000000000", owner)
    # as a stranger is: whether the battle exists is not told
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


def shown(messages: list[dict], side: str) -> str:
    """What the page shows of a side from these messages (static/arena/battle.js's rules)."""
    text = ""
    for message in messages:
        if message["side"] == side and message["type"] == "token":
            text = message["text"] if message.get("snapshot") else text + message["text"]
    return text


@sync_to_async
def side_streaming(battle, side: str, *, seq: int, text: str) -> None:
    """The worker's state of a side: streaming, its snapshot written up to batch `seq`."""
    response = Response.objects.get(turn__battle=battle, side=side)
    Response.objects.filter(pk=response.pk).update(status="streaming")
    cache.set(partial_key(response.pk), {"seq": seq, "text": text}, 60)


async def test_a_batch_lost_on_the_way_is_mended_from_the_snapshot(entrants):
    # Given an unpaced battle whose side A streamed "가", "나", "다" in three batches
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "가"})
    first = await socket.receive_json_from(timeout=3)
    # When the second batch never reaches the web process (pub/sub delivers at most once)
    await side_streaming(battle, "a", seq=3, text="가나다")
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 3, "text": "다"})
    # Then the page is sent the side's whole text so far, not the third batch alone
    mended = await socket.receive_json_from(timeout=3)
    assert shown([first, mended], "a") == "가나다"
    assert mended == {"type": "token", "side": "a", "turn": 0, "seq": 3, "text": "가나다", "snapshot": True}
    # And the batches that follow are taken in order again
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 4, "text": "라"})
    assert (await socket.receive_json_from(timeout=3))["text"] == "라"
    await socket.disconnect()


async def test_a_batch_repeated_or_after_the_end_is_not_sent_again(entrants):
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    await publish(
        battle,
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "답"},
        {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "답"},
        {"type": "done", "side": "a", "turn": 0, "text": "답", "ttft_ms": None, "total_ms": None},
        {"type": "token", "side": "a", "turn": 0, "seq": 2, "text": " 늦은"},
    )
    received = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    assert [(m["type"], m["text"]) for m in received] == [("token", "답"), ("done", "답")]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_paced_side_past_a_lost_batch_goes_on_streaming(entrants):
    # Given a paced battle where both sides have shown two characters
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "가나"},
                  {"type": "token", "side": "b", "turn": 0, "seq": 1, "text": "라마"})
    received = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    # When A's second batch is lost and its third arrives, and B goes on
    await side_streaming(battle, "a", seq=3, text="가나다라")
    await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 3, "text": "라"},
                  {"type": "token", "side": "b", "turn": 0, "seq": 2, "text": "바사"})
    received += [await socket.receive_json_from(timeout=3) for _ in range(2)]
    # Then both panes move on together, A with its whole text
    assert (shown(received, "a"), shown(received, "b")) == ("가나다라", "라마바사")
    await socket.disconnect()


async def test_batches_flow_while_the_database_thread_is_busy(entrants):
    # Given an open socket on an unpaced battle
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner, paced=False)
    socket = communicator(battle.pk, owner)
    assert (await socket.connect())[0]
    # When the process's one thread for database work is held (another socket's slow read)
    held, release = threading.Event(), threading.Event()

    def slow_read():
        held.set()
        release.wait(10)

    blocker = asyncio.ensure_future(sync_to_async(slow_read)())
    await asyncio.get_running_loop().run_in_executor(None, held.wait, 5)
    try:
        # Then a worker's batch still reaches the page at once: forwarding needs no database
        await publish(battle, {"type": "token", "side": "a", "turn": 0, "seq": 1, "text": "안녕"})
        assert (await socket.receive_json_from(timeout=2))["text"] == "안녕"
    finally:
        release.set()
        await blocker
    await socket.disconnect()
