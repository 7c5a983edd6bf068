"""The battle websocket, through Channels' WebsocketCommunicator and the real Redis layer."""
import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.cached_db import SessionStore

from arena import services
from arena.models import Response
from arena.streaming import battle_group
from config.asgi import application

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
def battle_for(session_key):
    return services.battle_start(session_key=session_key, prompt="질문")


async def test_owner_receives_events_of_their_battle(entrants):
    # Given a battle owned by a browser session
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
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
    battle = await battle_for(owner)
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


@pytest.mark.parametrize("who", ["stranger", "no-session"])
async def test_other_sessions_cannot_join(entrants, who):
    owner = await sync_to_async(session_create)()
    battle = await battle_for(owner)
    key = await sync_to_async(session_create)() if who == "stranger" else None
    socket = communicator(battle.pk, key)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403


async def test_unknown_battle_is_refused(db):
    owner = await sync_to_async(session_create)()
    socket = communicator("00000000-0000-0000-0000-000000000000", owner)
    connected, code = await socket.connect()
    assert not connected
