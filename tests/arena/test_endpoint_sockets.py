"""Every transport failure of a team's endpoint keeps its code, on real sockets, through the
client the stream loop uses (arena.transport.team_client): refused, closed before the answer,
cut off mid-answer, stalled before and after the answer's head. The other endpoint tests fake
the transport; these hold whatever transport the site's client has to the same codes."""
import asyncio
import json
import socket

import pytest

from arena.endpoints import EndpointConfig, EndpointError, achat_stream
from arena.transport import team_client

MESSAGES = [{"role": "user", "content": "안녕하세요"}]
HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n")


def chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def piece(text: str) -> bytes:
    payload = {"choices": [{"index": 0, "delta": {"content": text}}]}
    return chunked(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())


async def serve(answer):
    """A server on a free port that reads each request's head and then runs `answer(writer)`."""
    async def handle(reader, writer):
        try:
            await reader.readuntil(b"\r\n\r\n")
            await answer(writer)
        finally:
            writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def outcome(port: int, *, first_token_timeout: float = 5.0) -> str:
    """The answer's text, or the code of the EndpointError that ended it."""
    config = EndpointConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key=None, params={},
                            timeout_seconds=5.0, first_token_timeout_seconds=first_token_timeout)
    client = team_client()
    text = ""
    try:
        async for part in achat_stream(config, MESSAGES, client=client):
            text += part
    except EndpointError as error:
        return error.code
    finally:
        await client.aclose()
    return text


async def answered(writer):
    writer.write(HEAD + piece("부산") + piece(" 해운대") + chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")
    await writer.drain()


async def closed_before_the_answer(writer):
    pass  # the connection closes once the request is read


async def cut_off_mid_answer(writer):
    writer.write(HEAD + piece("부산"))
    await writer.drain()
    await asyncio.sleep(0.1)


async def stalled_before_the_head(writer):
    await asyncio.sleep(1.5)


async def stalled_after_the_head(writer):
    writer.write(HEAD)
    await writer.drain()
    await asyncio.sleep(1.5)


@pytest.mark.parametrize(("answer", "expected"), [
    (answered, "부산 해운대"),
    (closed_before_the_answer, "connection"),
    (cut_off_mid_answer, "cut_off"),
    (stalled_before_the_head, "timeout"),
    (stalled_after_the_head, "timeout"),
])
async def test_each_transport_failure_keeps_its_code(answer, expected):
    server, port = await serve(answer)
    async with server:
        assert await outcome(port, first_token_timeout=0.5) == expected


async def test_a_refused_connection_is_a_connection_failure():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert await outcome(port) == "connection"


async def test_a_cookie_a_team_sets_rides_on_no_later_request():
    # Given a team that sets a cookie with its answer, and the one client every side to it shares
    heads = []

    async def handle(reader, writer):
        try:
            heads.append(await reader.readuntil(b"\r\n\r\n"))
            cookie = b"\r\nset-cookie: seen=side-a; Path=/\r\nconnection: close\r\n\r\n"
            writer.write(HEAD.replace(b"\r\n\r\n", cookie, 1)
                         + piece("답") + chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")
            await writer.drain()
        finally:
            writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = EndpointConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key=None, params={},
                            timeout_seconds=5.0)
    client = team_client()
    # When two sides ask it in turn
    async with server:
        try:
            for _ in range(2):
                assert [part async for part in achat_stream(config, MESSAGES, client=client)] == ["답"]
        finally:
            await client.aclose()
    # Then the second request carries nothing of the first answer
    assert len(heads) == 2 and b"cookie" not in heads[1].lower()
