"""Stream an answer from a team's OpenAI-compatible chat completions endpoint.

This module is the only place that speaks to team endpoints, and it imports nothing from
Django (only `endpoint_config` reads the settings, when called) so that the Celery tasks, the mock team server's tests and the benchmarks can all use
it alone. Every way an endpoint can misbehave ends in one ``EndpointError`` whose ``code``
the arena shows to the user and records against the entrant.

There are two spellings of one protocol: ``achat_stream`` (asyncio, what the arena's stream
runner uses, so that one worker process holds hundreds of streams) and ``chat_stream``
(blocking, for the expert track's pre-generation, the health probe and tests). Both feed
every line to the same ``_Reader``, which holds all the rules.
"""

from __future__ import annotations

import email.utils
import functools
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

if TYPE_CHECKING:
    from arena.sides import SideBegun
    from contest.models import Entrant

EndpointErrorCode = Literal[
    "http_error", "rate_limited", "timeout", "connection", "malformed", "cut_off", "empty",
    "too_slow", "too_long",
]

# An error body can be long or echo the request; a short excerpt is enough to diagnose it.
ERROR_EXCERPT_CHARS = 200

# A team that cannot even accept a connection within this time is down, whatever the
# answer deadline says.
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class EndpointConfig:
    """Say where and how to ask one team's model, and what the arena will put up with.

    ``params`` are extra body fields (``temperature``, ``max_tokens``...).
    ``timeout_seconds`` is the deadline for the whole answer; ``first_token_timeout_seconds``,
    when set, is the deadline for the first piece of answer text. ``max_chars`` bounds the
    answer (a longer one is ``too_long``); ``min_chars_per_second``, after
    ``min_rate_grace_seconds`` of answering, is the slowest average a stream may keep
    (a slower one is ``too_slow``). Either is off when None.
    """

    base_url: str
    model: str
    api_key: str | None = field(repr=False)
    params: dict = field(default_factory=dict)
    timeout_seconds: float = 60.0
    first_token_timeout_seconds: float | None = None
    max_chars: int | None = None
    min_chars_per_second: float | None = None
    min_rate_grace_seconds: float = 10.0

    def __repr__(self) -> str:
        # The dataclass repr would already skip the key, but it is spelled out here so that a
        # later field change cannot put a secret into a log line.
        key_state = "set" if self.api_key else "none"
        return (
            f"EndpointConfig(base_url={self.base_url!r}, model={self.model!r}, "
            f"api_key=<{key_state}>, params={self.params!r}, "
            f"timeout_seconds={self.timeout_seconds!r}, "
            f"first_token_timeout_seconds={self.first_token_timeout_seconds!r}, "
            f"max_chars={self.max_chars!r}, min_chars_per_second={self.min_chars_per_second!r})"
        )


def endpoint_config(entrant: Entrant | SideBegun) -> EndpointConfig:
    """Build the endpoint call for an entrant (or a side that has begun: its entrant's fields),
    reading its key from the environment.

    The arena's bounds apply to every team alike: the first piece of answer within
    FIRST_TOKEN_TIMEOUT_SECONDS (or the entrant's whole timeout, if shorter), at most
    RESPONSE_MAX_CHARS, and no slower than STREAM_MIN_CHARS_PER_SECOND on average once it
    has answered for STREAM_MIN_RATE_GRACE_SECONDS.
    """
    from django.conf import settings  # late: the rest of this module runs without Django

    arena = settings.ARENA
    api_key = os.environ.get(entrant.api_key_env) if entrant.api_key_env else None
    return EndpointConfig(
        base_url=entrant.base_url,
        model=entrant.model,
        api_key=api_key,
        params=dict(entrant.params or {}),
        timeout_seconds=entrant.timeout_seconds,
        first_token_timeout_seconds=min(entrant.timeout_seconds, arena["FIRST_TOKEN_TIMEOUT_SECONDS"]),
        max_chars=arena["RESPONSE_MAX_CHARS"],
        min_chars_per_second=arena["STREAM_MIN_CHARS_PER_SECOND"] or None,
        min_rate_grace_seconds=arena["STREAM_MIN_RATE_GRACE_SECONDS"],
    )


class EndpointError(Exception):
    """Report why an endpoint gave no usable answer.

    ``code`` is one of ``EndpointErrorCode``; ``message`` is safe to log and to show to an
    organizer: it never contains the API key nor more than a short excerpt of a response body.
    ``retry_after`` is the seconds a ``rate_limited`` endpoint asked us to wait (None if it
    did not say).
    """

    def __init__(
        self, code: EndpointErrorCode, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"EndpointError({self.code!r}, {self.message!r})"


_DONE = object()


class _Reader:
    """Hold one call's request and deadlines, and judge every SSE line it receives.

    ``line`` returns the answer text a line carries (possibly ''), or ``_DONE`` at
    ``data: [DONE]``; ``end`` is called when the stream closes without ``[DONE]``. Both raise
    ``EndpointError`` for every rule the stream breaks.
    """

    def __init__(self, config: EndpointConfig, messages: list[dict]) -> None:
        self.config = config
        self.started = time.monotonic()
        self.deadline = self.started + config.timeout_seconds
        first = config.first_token_timeout_seconds
        self.first_deadline = self.started + first if first is not None else self.deadline
        read_timeout = min(config.timeout_seconds, first or float("inf"))
        self.timeout = httpx.Timeout(read_timeout, connect=min(CONNECT_TIMEOUT_SECONDS, read_timeout))
        self.headers = {"Accept": "text/event-stream"}
        if config.api_key:
            self.headers["Authorization"] = f"Bearer {config.api_key}"
        self.body = {"model": config.model, "messages": messages, "stream": True, **config.params}
        self.url = f"{config.base_url.rstrip('/')}/chat/completions"
        self.body_started = False
        self.answered = self.finished = False
        self.first_at: float | None = None
        # Time the caller held a yielded piece (its own work, or its process busy elsewhere):
        # the endpoint's bytes wait in the socket meanwhile, so it is not the endpoint's time.
        self.held = 0.0
        self.chars = 0

    def fail(self, code: EndpointErrorCode, message: str, **extra) -> EndpointError:
        # A misbehaving server can echo the request headers back; scrub the key wherever
        # the message text came from.
        if self.config.api_key:
            message = message.replace(self.config.api_key, "***")
        return EndpointError(code, message, **extra)

    def status(self, response: httpx.Response, excerpt: str) -> EndpointError:
        """Return the error for a non-200 answer."""
        if response.status_code == 429:
            retry_after = _retry_after(response.headers.get("retry-after"))
            return self.fail(
                "rate_limited", f"HTTP 429 from endpoint (Retry-After {retry_after}): {excerpt}",
                retry_after=retry_after,
            )
        return self.fail("http_error", f"HTTP {response.status_code} from endpoint: {excerpt}")

    def line(self, line: str):
        config = self.config
        now = time.monotonic()
        if now > self.deadline:
            raise self.fail("timeout", f"no complete answer within {config.timeout_seconds:g}s")
        if not self.answered and now > self.first_deadline:
            raise self.fail("timeout", f"no answer text within {self.first_deadline - self.started:g}s")
        if self.first_at is not None and config.min_chars_per_second is not None:
            answering = now - self.first_at - self.held
            if answering > config.min_rate_grace_seconds and (
                self.chars / answering < config.min_chars_per_second
            ):
                raise self.fail(
                    "too_slow",
                    f"{self.chars} characters in {answering:.0f}s, under the minimum "
                    f"{config.min_chars_per_second:g}/s",
                )
        if not line or line.startswith((":", "event:", "id:", "retry:")):
            return ""
        if not line.startswith("data:"):
            raise self.fail("malformed", f"not an SSE data line: {line[:ERROR_EXCERPT_CHARS]!r}")
        payload = line[len("data:") :].strip()
        if payload == "[DONE]":
            if not self.answered:
                raise self.fail("empty", "the endpoint finished without any answer text")
            return _DONE
        content, finish_reason = _chunk_parse(payload, self.fail)
        self.finished = self.finished or finish_reason is not None
        if not content:
            return ""
        if config.max_chars is not None and self.chars + len(content) > config.max_chars:
            raise self.fail("too_long", f"the answer passed {config.max_chars} characters")
        if not self.answered and content.strip():
            self.answered = True
        if self.first_at is None:
            self.first_at = now
        self.chars += len(content)
        return content

    def end(self) -> None:
        if self.finished and self.answered:
            return
        if self.finished:
            raise self.fail("empty", "the endpoint finished without any answer text")
        raise self.fail("cut_off", "the stream ended before the answer was finished")

    def transport_error(self, exc: Exception) -> EndpointError:
        if isinstance(exc, httpx.TimeoutException):
            return self.fail("timeout", f"endpoint timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.InvalidURL):
            return self.fail("connection", f"invalid endpoint URL: {exc}")
        # Once a 200 has started streaming, a dropped connection is an answer broken off
        # midway, which the user sees as a cut-off answer rather than an unreachable team.
        code: EndpointErrorCode = "cut_off" if self.body_started else "connection"
        return self.fail(code, f"{type(exc).__name__}: {str(exc)[:ERROR_EXCERPT_CHARS]}")


# What both spellings catch from httpx: every transport fault and a malformed URL.
_HTTPX_ERRORS = (httpx.TransportError, httpx.InvalidURL)


def chat_stream(
    config: EndpointConfig, messages: list[dict], *, client: httpx.Client | None = None
) -> Iterator[str]:
    """Yield the answer text of one streamed chat completion, piece by piece, in order.

    Only ``choices[0].delta.content`` is yielded; ``delta.reasoning_content`` is dropped
    because a thinking model's reasoning is never its answer. The stream is complete at
    ``data: [DONE]``, or at end of stream after a chunk carrying a ``finish_reason``: several
    OpenAI-compatible servers omit ``[DONE]`` and the model has still said it finished.

    Raise ``EndpointError`` with code ``http_error`` (non-200), ``rate_limited`` (429, with
    its Retry-After), ``timeout`` (a deadline passed), ``connection`` (no response at all),
    ``malformed`` (a line that is not an SSE chunk of the expected shape), ``cut_off`` (the
    stream broke off before it finished), ``empty`` (it finished without any answer text),
    ``too_long`` (past ``max_chars``) or ``too_slow`` (under ``min_chars_per_second``).
    Pieces already yielded stay yielded.

    httpx's read timeout applies to each read, not to the answer, so the deadlines are checked
    here after every line. The per-read timeout is the first-token deadline when one is set,
    because a healthy stream never falls silent for longer than it may take to start; a server
    that goes silent mid-answer can therefore overrun the overall deadline by one read timeout.
    ``client`` is used as given (tests inject a ``MockTransport``); without one, a client is
    created for this call and closed when the generator finishes or is closed.
    """
    reader = _Reader(config, messages)
    owned_client = client is None
    http = httpx.Client() if client is None else client
    try:
        with http.stream(
            "POST", reader.url, json=reader.body, headers=reader.headers, timeout=reader.timeout
        ) as response:
            if response.status_code != 200:
                raise reader.status(response, _excerpt(response.iter_bytes()))
            reader.body_started = True
            for line in response.iter_lines():
                piece = reader.line(line)
                if piece is _DONE:
                    return
                if piece:
                    held_from = time.monotonic()
                    yield piece
                    reader.held += time.monotonic() - held_from
            reader.end()
    except _HTTPX_ERRORS as exc:
        raise reader.transport_error(exc) from exc
    finally:
        if owned_client:
            http.close()


async def achat_stream(
    config: EndpointConfig, messages: list[dict], *, client: httpx.AsyncClient
) -> AsyncIterator[str]:
    """Yield the answer text like ``chat_stream``, on an event loop, through ``client``.

    The caller owns ``client`` (the stream runner keeps one per worker process, so that
    connections to a team are reused), and should ``aclose()`` the generator if it stops
    early.
    """
    reader = _Reader(config, messages)
    try:
        async with client.stream(
            "POST", _url(reader.url), json=reader.body, headers=reader.headers, timeout=reader.timeout
        ) as response:
            if response.status_code != 200:
                raise reader.status(response, await _aexcerpt(response.aiter_bytes()))
            reader.body_started = True
            async for line in response.aiter_lines():
                piece = reader.line(line)
                if piece is _DONE:
                    return
                if piece:
                    held_from = time.monotonic()
                    yield piece
                    reader.held += time.monotonic() - held_from
            reader.end()
    except _HTTPX_ERRORS as exc:
        raise reader.transport_error(exc) from exc


@functools.lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    # Parsed once per endpoint, not for every side: httpx parses a string URL on each request.
    # Called inside the request's `try`, so that a malformed one fails the side as before.
    return httpx.URL(url)


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


def _retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - time.time())


def _excerpt_text(received: bytes) -> str:
    text = received.decode("utf-8", errors="replace").strip()
    if len(text) > ERROR_EXCERPT_CHARS:
        return text[:ERROR_EXCERPT_CHARS] + "…"
    return text or "(empty body)"


def _excerpt(parts: Iterator[bytes]) -> str:
    """Return the start of an error body without reading all of a possibly huge response."""
    received = b""
    for part in parts:
        received += part
        if len(received) > ERROR_EXCERPT_CHARS * 4:
            break
    return _excerpt_text(received)


async def _aexcerpt(parts: AsyncIterator[bytes]) -> str:
    received = b""
    async for part in parts:
        received += part
        if len(received) > ERROR_EXCERPT_CHARS * 4:
            break
    return _excerpt_text(received)
