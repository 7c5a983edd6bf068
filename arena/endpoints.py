"""Stream an answer from a team's OpenAI-compatible chat completions endpoint.

This module is the only place that speaks to team endpoints, and it imports nothing from
Django so that the Celery tasks, the mock team server's tests and the benchmarks can all use
it alone. Every way an endpoint can misbehave ends in one ``EndpointError`` whose ``code``
the arena shows to the user and records against the entrant.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import httpx

EndpointErrorCode = Literal["http_error", "timeout", "connection", "malformed", "cut_off", "empty"]

# An error body can be long or echo the request; a short excerpt is enough to diagnose it.
ERROR_EXCERPT_CHARS = 200

# A team that cannot even accept a connection within this time is down, whatever the
# answer deadline says.
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class EndpointConfig:
    """Say where and how to ask one team's model.

    ``params`` are extra body fields (``temperature``, ``max_tokens``...).
    ``timeout_seconds`` is the deadline for the whole answer; ``first_token_timeout_seconds``,
    when set, is the deadline for the first piece of answer text.
    """

    base_url: str
    model: str
    api_key: str | None = field(repr=False)
    params: dict = field(default_factory=dict)
    timeout_seconds: float = 60.0
    first_token_timeout_seconds: float | None = None

    def __repr__(self) -> str:
        # The dataclass repr would already skip the key, but it is spelled out here so that a
        # later field change cannot put a secret into a log line.
        key_state = "set" if self.api_key else "none"
        return (
            f"EndpointConfig(base_url={self.base_url!r}, model={self.model!r}, "
            f"api_key=<{key_state}>, params={self.params!r}, "
            f"timeout_seconds={self.timeout_seconds!r}, "
            f"first_token_timeout_seconds={self.first_token_timeout_seconds!r})"
        )


class EndpointError(Exception):
    """Report why an endpoint gave no usable answer.

    ``code`` is one of ``EndpointErrorCode``; ``message`` is safe to log and to show to an
    organizer: it never contains the API key nor more than a short excerpt of a response body.
    """

    def __init__(self, code: EndpointErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"EndpointError({self.code!r}, {self.message!r})"


def chat_stream(
    config: EndpointConfig, messages: list[dict], *, client: httpx.Client | None = None
) -> Iterator[str]:
    """Yield the answer text of one streamed chat completion, piece by piece, in order.

    Only ``choices[0].delta.content`` is yielded; ``delta.reasoning_content`` is dropped
    because a thinking model's reasoning is never its answer. The stream is complete at
    ``data: [DONE]``, or at end of stream after a chunk carrying a ``finish_reason``: several
    OpenAI-compatible servers omit ``[DONE]`` and the model has still said it finished.

    Raise ``EndpointError`` with code ``http_error`` (non-200), ``timeout`` (a deadline
    passed), ``connection`` (no response at all), ``malformed`` (a line that is not an SSE
    chunk of the expected shape), ``cut_off`` (the stream broke off before it finished) or
    ``empty`` (it finished without any answer text). Pieces already yielded stay yielded.

    httpx's read timeout applies to each read, not to the answer, so the deadlines are checked
    here after every line. The per-read timeout is the first-token deadline when one is set,
    because a healthy stream never falls silent for longer than it may take to start; a server
    that goes silent mid-answer can therefore overrun the overall deadline by one read timeout.
    ``client`` is used as given (tests inject a ``MockTransport``); without one, a client is
    created for this call and closed when the generator finishes or is closed.
    """
    started = time.monotonic()
    deadline = started + config.timeout_seconds
    first_deadline = (
        started + config.first_token_timeout_seconds
        if config.first_token_timeout_seconds is not None
        else deadline
    )
    read_timeout = min(config.timeout_seconds, config.first_token_timeout_seconds or float("inf"))
    timeout = httpx.Timeout(read_timeout, connect=min(CONNECT_TIMEOUT_SECONDS, read_timeout))
    headers = {"Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "stream": True, **config.params}
    url = f"{config.base_url.rstrip('/')}/chat/completions"

    def fail(code: EndpointErrorCode, message: str) -> EndpointError:
        # A misbehaving server can echo the request headers back; scrub the key wherever
        # the message text came from.
        if config.api_key:
            message = message.replace(config.api_key, "***")
        return EndpointError(code, message)

    owned_client = client is None
    http = httpx.Client() if client is None else client
    body_started = False
    try:
        with http.stream("POST", url, json=body, headers=headers, timeout=timeout) as response:
            if response.status_code != 200:
                excerpt = _excerpt(response)
                raise fail("http_error", f"HTTP {response.status_code} from endpoint: {excerpt}")
            body_started = True
            answered = finished = False
            for line in response.iter_lines():
                now = time.monotonic()
                if now > deadline:
                    raise fail("timeout", f"no complete answer within {config.timeout_seconds:g}s")
                if not answered and now > first_deadline:
                    raise fail("timeout", f"no answer text within {first_deadline - started:g}s")
                if not line or line.startswith((":", "event:", "id:", "retry:")):
                    continue
                if not line.startswith("data:"):
                    excerpt = line[:ERROR_EXCERPT_CHARS]
                    raise fail("malformed", f"not an SSE data line: {excerpt!r}")
                payload = line[len("data:") :].strip()
                if payload == "[DONE]":
                    if not answered:
                        raise fail("empty", "the endpoint finished without any answer text")
                    return
                content, finish_reason = _chunk_parse(payload, fail)
                finished = finished or finish_reason is not None
                if content:
                    answered = answered or bool(content.strip())
                    yield content
            if finished and answered:
                return
            if finished:
                raise fail("empty", "the endpoint finished without any answer text")
            raise fail("cut_off", "the stream ended before the answer was finished")
    except httpx.TimeoutException as exc:
        raise fail("timeout", f"endpoint timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        # Once a 200 has started streaming, a dropped connection is an answer broken off
        # midway, which the user sees as a cut-off answer rather than an unreachable team.
        code: EndpointErrorCode = "cut_off" if body_started else "connection"
        raise fail(code, f"{type(exc).__name__}: {str(exc)[:ERROR_EXCERPT_CHARS]}") from exc
    except httpx.InvalidURL as exc:
        raise fail("connection", f"invalid endpoint URL: {exc}") from exc
    finally:
        if owned_client:
            http.close()


def _chunk_parse(
    payload: str, fail: Callable[[EndpointErrorCode, str], EndpointError]
) -> tuple[str | None, str | None]:
    """Return ``(delta.content, finish_reason)`` of one chunk, or raise a ``malformed`` error.

    A chunk with an empty ``choices`` list (the usage chunk some servers send last) carries
    neither.
    """
    excerpt = payload[:ERROR_EXCERPT_CHARS]
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise fail("malformed", f"data line is not JSON: {excerpt!r}") from None
    if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
        reason = str(chunk["error"].get("message", ""))[:ERROR_EXCERPT_CHARS]
        raise fail("malformed", f"the stream carried an error: {reason!r}")
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if not isinstance(choices, list):
        raise fail("malformed", f"chunk has no choices list: {excerpt!r}")
    if not choices:
        return None, None
    choice = choices[0]
    delta = choice.get("delta", {}) if isinstance(choice, dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    if not isinstance(delta, dict) or not isinstance(content, str | None):
        raise fail("malformed", f"chunk has no usable delta: {excerpt!r}")
    return content, choice.get("finish_reason")


def _excerpt(response: httpx.Response) -> str:
    """Return the start of an error body without reading all of a possibly huge response."""
    received = b""
    for part in response.iter_bytes():
        received += part
        if len(received) > ERROR_EXCERPT_CHARS * 4:
            break
    text = received.decode("utf-8", errors="replace").strip()
    if len(text) > ERROR_EXCERPT_CHARS:
        return text[:ERROR_EXCERPT_CHARS] + "…"
    return text or "(empty body)"
