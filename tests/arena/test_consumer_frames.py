"""A frame that no page of the site sends closes the socket with a close code, on every
websocket route, and writes no traceback to the log."""
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.cached_db import SessionStore

from arena import services
from arena.consumers import CLOSE_BAD_FRAME, CLOSE_TOO_BIG
from config.asgi import application
from config.routing import CLOSE_NOT_FOUND

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = {
    "not JSON": ({"text_data": "{nope"}, CLOSE_BAD_FRAME),
    "binary": ({"bytes_data": b"\x00\x01\x02"}, CLOSE_BAD_FRAME),
    "deeply nested": ({"text_data": "[" * 100_000 + "]" * 100_000}, CLOSE_TOO_BIG),
    "nested within the size cap": ({"text_data": "[" * 30_000 + "]" * 30_000}, CLOSE_BAD_FRAME),
    "5 MB of text": ({"text_data": "x" * (5 * 1024 * 1024)}, CLOSE_TOO_BIG),
    "5 MB of bytes": ({"bytes_data": b"x" * (5 * 1024 * 1024)}, CLOSE_TOO_BIG),
}


@sync_to_async
def battle_socket_path() -> tuple[str, str]:
    session = SessionStore()
    session.create()
    battle = services.battle_start(session_key=session.session_key, prompt="질문")
    return f"/ws/battles/{battle.pk}/", session.session_key


async def open_socket(route: str) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    path = "/ws/leaderboard/"
    if route == "battle":
        path, session_key = await battle_socket_path()
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


@pytest.mark.parametrize("route", ["battle", "leaderboard"])
@pytest.mark.parametrize("frame", list(HOSTILE))
async def test_a_hostile_frame_closes_the_socket_with_a_code(entrants, caplog, route, frame):
    socket = await open_socket(route)
    sent, code = HOSTILE[frame]
    await socket.send_to(**sent)
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": code}
    assert not [record for record in caplog.records
                if record.levelno >= logging.ERROR or record.exc_info]


@pytest.mark.parametrize("route", ["battle", "leaderboard"])
async def test_a_json_frame_is_let_go_and_the_socket_stays_open(entrants, route):
    socket = await open_socket(route)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/battles/not-a-uuid/", "/ws/leaderboard/x"])
async def test_a_path_no_socket_serves_is_refused_with_a_close(caplog, path):
    socket = WebsocketCommunicator(application, path, headers=[
        (b"origin", b"http://testserver"), (b"host", b"testserver")])
    assert await socket.connect(timeout=3) == (False, CLOSE_NOT_FOUND)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
