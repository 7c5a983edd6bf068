"""Serve five mock team models over the OpenAI-compatible streaming chat protocol.

The demo, the end-to-end tests and the benchmarks need team endpoints that behave like real
ones: they stream over real HTTP, take time to start, differ in quality, name themselves only
when asked, and fail in the ways real endpoints fail. This is a plain ASGI app served by
uvicorn, with no Django, so it can run as its own process (``python -m devservers.mock_teams``)
or inside a test's thread.

Routes:
    POST /{persona}/v1/chat/completions   streamed answer (``stream: true`` only)
    GET  /{persona}/v1/models              the persona's one model
    GET  /health                           liveness
    GET  /_control                         current settings of every persona
    PUT  /_control/{persona}               change some settings, returns the persona's settings
                                           (``{"answer": "<text>"}`` makes it answer exactly that)
    POST /_control/reset                   restore the settings the server started with
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from devservers.personas import (
    DEFAULT_SETTINGS,
    PERSONAS,
    Persona,
    PersonaSettings,
    answer_for,
    conversation_hash,
    fault_for,
)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The "slow" fault's pace, well under any sane minimum rate; "rate_limited"'s Retry-After.
SLOW_SECONDS_PER_CHAR = 2.0
RATE_LIMITED_RETRY_AFTER = 2

# A hung endpoint must outlast any sane answer deadline; it still ends when the client leaves.
HANG_SECONDS = 3600.0

# Requests are small JSON; anything larger is a client bug, not a load test.
MAX_BODY_BYTES = 1_000_000

# A set answer is streamed in pieces of this many characters, whitespace or not, so a long
# unbroken line or a large table arrives in many pieces, as a real model sends it.
SET_ANSWER_PIECE_CHARS = 64

_TOKEN = re.compile(r"\S+\s*|\s+")


class MockTeamsApp:
    """The ASGI app; its settings can be changed while it runs through ``/_control``."""

    def __init__(
        self, settings: dict[str, PersonaSettings], *, speed: float, require_key: bool
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        unknown = set(settings) - set(PERSONAS)
        if unknown:
            raise ValueError(f"unknown personas: {', '.join(sorted(unknown))}")
        self.initial_settings = {**DEFAULT_SETTINGS, **settings}
        self.settings = dict(self.initial_settings)
        self.speed = speed
        self.require_key = require_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, parts = scope["method"], scope["path"].strip("/").split("/")
        if parts == ["health"] and method == "GET":
            await _json_respond(send, 200, {"status": "ok", "personas": list(PERSONAS)})
        elif parts == ["_control"] and method == "GET":
            await _json_respond(send, 200, self.control_state())
        elif parts == ["_control", "reset"] and method == "POST":
            self.settings = dict(self.initial_settings)
            await _json_respond(send, 200, self.control_state())
        elif len(parts) == 2 and parts[0] == "_control" and method == "PUT":
            await self.settings_update(parts[1], receive, send)
        elif len(parts) == 3 and parts[0] in PERSONAS and parts[1:] == ["v1", "models"]:
            if await self.key_check(scope, send):
                await _json_respond(send, 200, _models_list(PERSONAS[parts[0]]))
        elif len(parts) == 4 and parts[1:] == ["v1", "chat", "completions"] and method == "POST":
            if parts[0] not in PERSONAS:
                await _error_respond(send, 404, f"unknown persona {parts[0]!r}", "not_found")
            elif await self.key_check(scope, send):
                await self.completion_stream(parts[0], receive, send)
        else:
            await _error_respond(send, 404, f"no route for {method} {scope['path']}", "not_found")

    def control_state(self) -> dict:
        return {
            "speed": self.speed,
            "require_key": self.require_key,
            "personas": {slug: dataclasses.asdict(s) for slug, s in self.settings.items()},
        }

    async def settings_update(self, slug: str, receive: Receive, send: Send) -> None:
        """Apply a partial settings change to one persona, all of it or none of it."""
        if slug not in PERSONAS:
            await _error_respond(send, 404, f"unknown persona {slug!r}", "not_found")
            return
        changes = await _json_body(receive)
        fields = {f.name for f in dataclasses.fields(PersonaSettings)}
        if not isinstance(changes, dict) or not set(changes) <= fields:
            message = f"body must be a JSON object with some of: {', '.join(sorted(fields))}"
            await _error_respond(send, 400, message, "invalid_settings")
            return
        try:
            updated = dataclasses.replace(self.settings[slug], **changes)
        except (TypeError, ValueError) as exc:
            await _error_respond(send, 400, str(exc), "invalid_settings")
            return
        self.settings[slug] = updated
        await _json_respond(send, 200, dataclasses.asdict(updated))

    async def key_check(self, scope: Scope, send: Send) -> bool:
        """Answer 401 and return False when a key is required and no bearer token came."""
        if not self.require_key:
            return True
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return True
        await _error_respond(
            send, 401, "Missing bearer API key in the Authorization header.", "invalid_api_key"
        )
        return False

    async def completion_stream(self, slug: str, receive: Receive, send: Send) -> None:
        request = await _json_body(receive)
        messages = request.get("messages") if isinstance(request, dict) else None
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            await _error_respond(send, 400, "messages must be a list of objects", "invalid_request")
            return
        if request.get("stream") is not True:
            await _error_respond(send, 400, "this mock server only streams", "invalid_request")
            return
        settings = self.settings[slug]
        conversation = conversation_hash(slug, messages)
        fault = fault_for(settings, conversation)
        if fault == "http_500":
            await _error_respond(
                send, 500, "The server had an error while processing your request.", "server_error"
            )
            return
        if fault == "rate_limited":
            message = "Rate limit reached for requests. Please try again later."
            await _error_respond(
                send, 429, message, "rate_limit_exceeded",
                headers=[(b"retry-after", str(RATE_LIMITED_RETRY_AFTER).encode())],
            )
            return
        answer, reasoning = answer_for(slug, messages)
        if settings.answer is not None:
            answer = settings.answer
        chunks = _Chunks(
            completion_id="chatcmpl-" + conversation.hex()[:24],
            model=str(request.get("model") or PERSONAS[slug].model),
        )
        sse = _answer_stream(send, chunks, settings, answer, reasoning, fault, self.speed)
        await _until_done_or_disconnected(sse, receive)


@dataclass(frozen=True)
class _Chunks:
    completion_id: str
    model: str

    def line(self, delta: dict, finish_reason: str | None = None) -> bytes:
        chunk = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        return b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"


async def _answer_stream(
    send: Send,
    chunks: _Chunks,
    settings: PersonaSettings,
    answer: str,
    reasoning: str,
    fault: str | None,
    speed: float,
) -> None:
    """Stream one answer as SSE, on the persona's schedule, breaking it as ``fault`` says."""
    if fault == "timeout":
        # Accept the request and then say nothing at all, like an overloaded GPU queue.
        await asyncio.sleep(HANG_SECONDS)
        return
    headers = [
        (b"content-type", b"text/event-stream; charset=utf-8"),
        (b"cache-control", b"no-cache"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})

    async def emit(data: bytes, *, more: bool = True) -> None:
        await send({"type": "http.response.body", "body": data, "more_body": more})

    loop = asyncio.get_running_loop()
    started = loop.time()
    ttft = settings.ttft_ms / 1000 / speed
    await emit(chunks.line({"role": "assistant", "content": ""}))
    if settings.thinking:
        thoughts = _TOKEN.findall(reasoning)
        for i, piece in enumerate(thoughts):
            await _sleep_until(loop, started + ttft * i / len(thoughts))
            await emit(chunks.line({"reasoning_content": piece}))
    first_token_at = started + ttft
    interval = 1 / (settings.tokens_per_second * speed)
    if settings.answer is None:
        tokens = _TOKEN.findall(answer)
    else:
        tokens = [answer[i:i + SET_ANSWER_PIECE_CHARS]
                  for i in range(0, len(answer), SET_ANSWER_PIECE_CHARS)]
    halfway = len(tokens) // 2
    if fault == "endless":
        tokens, halfway = itertools.cycle(tokens + ["\n\n"]), -1
    for i, token in enumerate(tokens):
        if fault == "slow" and i:
            first_token_at += len(token) * SLOW_SECONDS_PER_CHAR / speed
        if i == halfway and fault == "cut_off":
            await emit(b"", more=False)
            return
        if i == halfway and fault == "malformed":
            await emit(b'data: {"choices": [{"delta": {"content": \n\n')
        await _sleep_until(loop, first_token_at + i * interval)
        await emit(chunks.line({"content": token}))
    await emit(chunks.line({}, finish_reason="stop"))
    await emit(b"data: [DONE]\n\n", more=False)


async def _sleep_until(loop: asyncio.AbstractEventLoop, moment: float) -> None:
    # Sleeping to an absolute schedule keeps the rate right however long each send took.
    delay = moment - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def _until_done_or_disconnected(stream: Awaitable[None], receive: Receive) -> None:
    """Run ``stream`` but stop it when the client goes away, so a hang never outlives it."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    streaming = asyncio.ensure_future(stream)
    watching = asyncio.ensure_future(disconnected())
    done, pending = await asyncio.wait({streaming, watching}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if streaming in done:
        streaming.result()


def _models_list(persona: Persona) -> dict:
    return {
        "object": "list",
        "data": [{"id": persona.model, "object": "model", "created": 0, "owned_by": persona.team}],
    }


async def _json_body(receive: Receive) -> Any:
    """Return the request body parsed as JSON, or None when it is not JSON or too large."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body"):
            break
    try:
        return json.loads(body)
    except ValueError:
        return None


async def _json_respond(send: Send, status: int, payload: dict, headers: list | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _error_respond(
    send: Send, status: int, message: str, code: str, headers: list | None = None
) -> None:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    error = {"error": {"message": message, "type": kind, "code": code}}
    await _json_respond(send, status, error, headers)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(
    settings: dict[str, PersonaSettings] | None = None,
    *,
    speed: float | None = None,
    require_key: bool = False,
) -> MockTeamsApp:
    """Return the ASGI app of the mock team server.

    ``settings`` overrides the defaults of some personas. ``speed`` divides every delay
    (10 makes answers ten times faster); without it, ``MOCK_TEAMS_SPEED`` or 1.0 is used.
    With ``require_key`` the completion and model routes answer 401 without a bearer token.
    Raise ValueError on an unknown persona or a non-positive speed.
    """
    if speed is None:
        speed = float(os.environ.get("MOCK_TEAMS_SPEED", "1.0"))
    return MockTeamsApp(settings or {}, speed=speed, require_key=require_key)


def serve(
    host: str = "127.0.0.1",
    port: int = 8100,
    *,
    speed: float | None = None,
    require_key: bool = False,
    settings: dict[str, PersonaSettings] | None = None,
    log_level: str = "info",
) -> None:
    """Run the mock team server with uvicorn until interrupted."""
    import uvicorn

    app = build_app(settings, speed=speed, require_key=require_key)
    # A persona told to hang keeps its request open; shutdown must not wait for it forever.
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=2)


def main() -> None:
    personas = ", ".join(PERSONAS)
    parser = argparse.ArgumentParser(
        description="Serve the five mock team endpoints at "
        f"http://HOST:PORT/<persona>/v1/chat/completions (personas: {personas})."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--speed", type=float, default=None,
        help="Divide every delay by this factor (default: $MOCK_TEAMS_SPEED or 1.0).",
    )
    parser.add_argument(
        "--require-key", action="store_true",
        help="Answer 401 to requests without an 'Authorization: Bearer' header.",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    arguments = parser.parse_args()
    if arguments.speed is not None and arguments.speed <= 0:
        parser.error("--speed must be positive.")
    # As the site's processes do: objects alive after start-up leave the collector's full passes.
    gc.collect()
    gc.freeze()
    serve(
        arguments.host, arguments.port, speed=arguments.speed,
        require_key=arguments.require_key, log_level=arguments.log_level,
    )


if __name__ == "__main__":
    main()
