"""The endpoint adapter against scripted HTTP responses (``httpx.MockTransport``)."""

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from arena.endpoints import EndpointConfig, EndpointError, chat_stream

API_KEY = "sk-team-secret-1234567890"
MESSAGES = [{"role": "user", "content": "안녕하세요"}]


def _config(**overrides) -> EndpointConfig:
    fields = {
        "base_url": "https://team.example/v1/",
        "model": "team-model",
        "api_key": API_KEY,
        "params": {},
        "timeout_seconds": 5.0,
    }
    return EndpointConfig(**{**fields, **overrides})


def _chunk(content: str | None = None, *, reasoning: str | None = None,
           finish_reason: str | None = None) -> str:
    delta = {}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta["reasoning_content"] = reasoning
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    body = {"object": "chat.completion.chunk", "choices": [choice]}
    return "data: " + json.dumps(body, ensure_ascii=False) + "\n\n"


def _sse(*lines: str) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(lines).encode()
    )


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def _answer(config: EndpointConfig, handler: Callable[[httpx.Request], httpx.Response]) -> str:
    with _client(handler) as client:
        return "".join(chat_stream(config, MESSAGES, client=client))


def _error(config: EndpointConfig, handler: Callable[[httpx.Request], httpx.Response]) -> EndpointError:
    with pytest.raises(EndpointError) as raised, _client(handler) as client:
        for _ in chat_stream(config, MESSAGES, client=client):
            pass
    return raised.value


def test_stream_yields_the_answer_pieces_in_order():
    # Given an endpoint streaming three pieces with SSE comments, events and blank lines between
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(
            ": keep-alive\n\n",
            _chunk(""),
            "event: message\nid: 1\n",
            _chunk("서울은 "),
            _chunk("한국의 "),
            _chunk("수도입니다."),
            _chunk(finish_reason="stop"),
            "data: [DONE]\n\n",
        )

    # When the adapter streams it
    with _client(handler) as client:
        pieces = list(chat_stream(_config(), MESSAGES, client=client))

    # Then exactly the non-empty content pieces come out, in order
    assert pieces == ["서울은 ", "한국의 ", "수도입니다."]


def test_reasoning_content_is_never_yielded():
    # Given a thinking model that reasons before and while it answers
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(
            _chunk(reasoning="사용자가 수도를 묻는다. "),
            _chunk(reasoning="서울이라고 답하자."),
            _chunk("서울입니다.", reasoning="확인 완료."),
            "data: [DONE]\n\n",
        )

    # When the adapter streams it
    answer = _answer(_config(), handler)

    # Then only the answer text comes out
    assert answer == "서울입니다."


def test_request_carries_bearer_key_model_messages_and_params():
    # Given a config with sampling parameters
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _sse(_chunk("네"), "data: [DONE]\n\n")

    config = _config(params={"temperature": 0.2, "max_tokens": 512})

    # When the adapter asks
    _answer(config, handler)

    # Then it posted to /chat/completions once, streaming, with the key and the params merged
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://team.example/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.content) == {
        "model": "team-model",
        "messages": MESSAGES,
        "stream": True,
        "temperature": 0.2,
        "max_tokens": 512,
    }


def test_no_authorization_header_without_a_key():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _sse(_chunk("네"), "data: [DONE]\n\n")

    _answer(_config(api_key=None), handler)

    assert "authorization" not in seen[0].headers


def test_api_key_never_appears_in_repr_or_error_messages():
    # Given an endpoint that fails and echoes the request headers in its error body
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"bad key: {request.headers['authorization']}")

    config = _config()

    # When it fails
    error = _error(config, handler)

    # Then neither the config's repr nor the error shows the key
    assert error.code == "http_error"
    assert API_KEY not in repr(config)
    assert API_KEY not in str(config)
    assert API_KEY not in error.message
    assert API_KEY not in repr(error)


def test_malformed_data_line_is_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(_chunk("서울"), 'data: {"choices": [{"delta": \n\n', "data: [DONE]\n\n")

    assert _error(_config(), handler).code == "malformed"


def test_chunk_without_choices_is_reported_as_malformed():
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse('data: {"object": "chat.completion.chunk"}\n\n', "data: [DONE]\n\n")

    assert _error(_config(), handler).code == "malformed"


def test_http_500_is_reported_with_its_status_and_a_short_excerpt():
    # Given an endpoint answering 500 with a huge body
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="internal error " + "x" * 10_000)

    # When the adapter asks
    error = _error(_config(), handler)

    # Then the error says HTTP 500 without dumping the whole body
    assert error.code == "http_error"
    assert "500" in error.message
    assert "internal error" in error.message
    assert len(error.message) < 300


def test_read_timeout_is_reported_as_timeout():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    assert _error(_config(), handler).code == "timeout"


def test_overall_deadline_stops_a_slow_stream():
    # Given an endpoint that keeps trickling text for two seconds
    def trickle() -> Iterator[bytes]:
        for _ in range(20):
            time.sleep(0.1)
            yield _chunk("느린 ").encode()
        yield b"data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=trickle())

    # When the adapter reads it with a 0.3 s deadline
    started = time.monotonic()
    error = _error(_config(timeout_seconds=0.3), handler)

    # Then it gives up near the deadline rather than at the end of the stream
    assert error.code == "timeout"
    assert time.monotonic() - started < 1.0


def test_first_token_deadline_counts_only_answer_text():
    # Given a thinking model that reasons for longer than the first-token deadline
    def thinking() -> Iterator[bytes]:
        for _ in range(10):
            time.sleep(0.05)
            yield _chunk(reasoning="생각 중 ").encode()
        yield _chunk("답").encode() + b"data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=thinking())

    # When the adapter reads it with a 0.2 s first-token deadline
    error = _error(_config(first_token_timeout_seconds=0.2), handler)

    # Then it times out although bytes kept arriving
    assert error.code == "timeout"


def test_connection_refused_is_reported_as_connection():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    assert _error(_config(), handler).code == "connection"


def test_stream_ending_without_done_is_cut_off():
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(_chunk("서울은 "), _chunk("한국의"))

    assert _error(_config(), handler).code == "cut_off"


def test_connection_dropped_mid_stream_is_cut_off():
    # Given an endpoint whose connection breaks after the first piece
    def broken() -> Iterator[bytes]:
        yield _chunk("서울은 ").encode()
        raise httpx.RemoteProtocolError("peer closed connection")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=broken())

    # When the adapter reads it
    pieces: list[str] = []
    with pytest.raises(EndpointError) as raised, _client(handler) as client:
        for piece in chat_stream(_config(), MESSAGES, client=client):
            pieces.append(piece)

    # Then the first piece arrived and the answer is reported cut off
    assert pieces == ["서울은 "]
    assert raised.value.code == "cut_off"


def test_stream_finished_with_stop_but_no_done_is_accepted():
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(_chunk("서울입니다."), _chunk(finish_reason="stop"))

    assert _answer(_config(), handler) == "서울입니다."


def test_done_without_any_content_is_empty():
    # Given a thinking model that only reasons and then finishes
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse(_chunk(""), _chunk(reasoning="음..."), _chunk(finish_reason="stop"),
                    "data: [DONE]\n\n")

    assert _error(_config(), handler).code == "empty"


def _trickling(pieces: list[str], gap: float) -> Callable[[httpx.Request], httpx.Response]:
    """An endpoint that sends one piece every `gap` seconds, then [DONE]."""

    def body() -> Iterator[bytes]:
        for piece in pieces:
            yield _chunk(piece).encode()
            time.sleep(gap)
        yield b"data: [DONE]\n\n"

    def handler(request):
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    return handler


def test_a_stream_under_the_minimum_rate_is_too_slow():
    config = _config(min_chars_per_second=20, min_rate_grace_seconds=0.2)

    error = _error(config, _trickling(["가"] * 8, 0.1))

    assert error.code == "too_slow"


def test_time_the_arena_holds_a_piece_is_not_counted_against_the_endpoint():
    # Given an endpoint that answers briskly, and a minimum rate with a short grace
    config = _config(min_chars_per_second=20, min_rate_grace_seconds=0.2)
    pieces = []

    # When the arena's own process is busy for longer than the grace after the first piece
    # (as a worker loaded by hundreds of other streams can be)
    with _client(_trickling(["가나다라마바사아"] * 4, 0.0)) as client:
        for piece in chat_stream(config, MESSAGES, client=client):
            pieces.append(piece)
            if len(pieces) == 1:
                time.sleep(0.5)

    # Then the answer is complete, not failed as too slow
    assert "".join(pieces) == "가나다라마바사아" * 4
