"""Every way a team's endpoint can fail, through one side's real generation path.

Each fault must end the side with a Korean message on the battle's websocket and its code in
the database, keep what the side had said, leave the other side's answer alone, and make the
battle impossible to vote on. The endpoint is the one thing faked (a mock transport), except
for the refused connection, which is a real closed port.
"""
import asyncio
import json
import socket

import httpx
import pytest

from arena import services
from arena.exceptions import BattleNotVotable
from arena.models import Response
from arena.streaming import response_run
from contest.models import Entrant
from voting.models import Vote
from voting.services import vote_cast

from .test_streaming import listener, sse  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def chunk(text: str) -> bytes:
    payload = {"choices": [{"index": 0, "delta": {"content": text}}]}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def endpoint(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def streaming(body) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


async def _lines(*parts: bytes):
    for part in parts:
        yield part


async def _slow_start():
    await asyncio.sleep(2)
    yield chunk("늦은 답")


async def _trickle():
    yield chunk("한")
    while True:
        await asyncio.sleep(0.3)
        yield chunk("글")


async def _endless():
    while True:
        await asyncio.sleep(0.01)
        yield chunk("끝없이 ")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


FAULTS = {
    # name: (handler or None for a refused connection, ARENA overrides, entrant timeout, code, words)
    "timeout before the first token": (
        lambda request: streaming(_slow_start()), {"FIRST_TOKEN_TIMEOUT_SECONDS": 0.3}, 60, "timeout", "시간"),
    "server error": (
        lambda request: httpx.Response(503, text="upstream overloaded"), {}, 60, "http_error", "오류"),
    "rate limited for long": (
        lambda request: httpx.Response(429, headers={"Retry-After": "120"}), {}, 60, "rate_limited", "요청이 몰려"),
    "connection refused": (None, {}, 60, "connection", "연결"),
    "malformed stream": (
        lambda request: streaming(_lines(chunk("반쯤 "), b"data: {not json\n\n")), {}, 60, "malformed", "형식"),
    "slower than the minimum rate": (
        lambda request: streaming(_trickle()),
        {"STREAM_MIN_CHARS_PER_SECOND": 20, "STREAM_MIN_RATE_GRACE_SECONDS": 0.5}, 60, "too_slow", "느려"),
    "never-ending stream, stopped by time": (
        lambda request: streaming(_endless()), {"RESPONSE_MAX_CHARS": 10**9}, 1.0, "timeout", "시간"),
    "never-ending stream, stopped by length": (
        lambda request: streaming(_endless()), {"RESPONSE_MAX_CHARS": 300}, 60, "too_long", "길이"),
    "oversized answer in one piece": (
        lambda request: streaming(_lines(chunk("가" * 5000), b"data: [DONE]\n\n")),
        {"RESPONSE_MAX_CHARS": 1000}, 60, "too_long", "길이"),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_failing_side_ends_with_a_korean_message_and_the_battle_cannot_be_voted(
    fault, entrants, settings, listener  # noqa: F811
):
    handler, overrides, timeout, code, words = FAULTS[fault]
    settings.ARENA = {**settings.ARENA, **overrides}
    join, drain = listener
    battle = services.battle_start(session_key="owner", prompt="질문")
    join(battle)
    a = Response.objects.get(turn__battle=battle, side="a")
    b = Response.objects.get(turn__battle=battle, side="b")
    Entrant.objects.filter(pk=a.entrant_id).update(timeout_seconds=timeout)
    if handler is None:
        Entrant.objects.filter(pk=a.entrant_id).update(base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    # Given the other side answered in full
    response_run(response_id=b.pk, client=sse({"content": "다른 쪽의 온전한 답"}))

    # When this side's endpoint fails
    response_run(response_id=a.pk, client=endpoint(handler) if handler else None)

    # Then the page is told, in Korean, without the team's name
    error = [e for e in drain() if e["side"] == "a"][-1]
    assert error["type"] == "error" and error["code"] == code
    assert words in error["message"]
    assert Entrant.objects.get(pk=a.entrant_id).team.name not in error["message"]
    # and the database says the same, keeping what was said, while the other side stays whole
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.error_code) == ("error", code)
    assert (b.status, b.text) == ("done", "다른 쪽의 온전한 답")
    # and the battle cannot be voted on
    with pytest.raises(BattleNotVotable):
        vote_cast(battle_id=battle.pk, session_key="owner", choice="b")
    assert not Vote.objects.filter(battle=battle).exists()


def test_a_short_retry_after_is_waited_out_and_the_side_answers(entrants, settings):
    settings.ARENA = {**settings.ARENA, "RETRY_AFTER_MAX_SECONDS": 5}
    asked = []

    def handler(request):
        asked.append(request)
        if len(asked) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, text="slow down")
        return streaming(_lines(chunk("기다린 보람"), b"data: [DONE]\n\n"))

    battle = services.battle_start(session_key="owner", prompt="질문")
    a = Response.objects.get(turn__battle=battle, side="a")

    response_run(response_id=a.pk, client=endpoint(handler))

    a.refresh_from_db()
    assert (a.status, a.text) == ("done", "기다린 보람")
    assert len(asked) == 2
    assert a.ttft_ms >= 1000
