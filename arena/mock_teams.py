"""Serve five mock team models over the OpenAI-compatible streaming chat protocol.

The demo, the end-to-end tests and the benchmarks need team endpoints that behave like real
ones: they stream over real HTTP, take time to start, differ in quality, name themselves only
when asked, and fail in the ways real endpoints fail. This is a plain ASGI app served by
uvicorn, with no Django, so it can run as its own process (``python -m arena.mock_teams``
or ``python manage.py mock_teams``) or inside a test's thread.

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
import hashlib
import itertools
import json
import os
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# What a persona may do wrong: answer 500, say nothing ("timeout"), break the SSE halfway
# ("malformed"), stop halfway ("cut_off"), answer 429 with Retry-After ("rate_limited"), trickle
# half a character a second ("slow"), or never finish ("endless", bounded only by the client).
FAULTS = ("http_500", "timeout", "malformed", "cut_off", "rate_limited", "slow", "endless")

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


@dataclass(frozen=True)
class Persona:
    """Describe one mock team: its slug in URLs, its team and its model's display name."""

    slug: str
    team: str
    team_en: str
    model: str


PERSONAS: dict[str, Persona] = {
    persona.slug: persona
    for persona in (
        Persona("hyperclova", "네이버클라우드", "NAVER Cloud", "HyperCLOVA X"),
        Persona("exaone", "LG AI연구원", "LG AI Research", "EXAONE"),
        Persona("ax", "SK텔레콤", "SK Telecom", "A.X"),
        Persona("solar", "업스테이지", "Upstage", "Solar"),
        Persona("varco", "NC AI", "NC AI", "VARCO"),
    )
}


@dataclass(frozen=True)
class PersonaSettings:
    """Say how fast a persona answers and whether it fails.

    ``ttft_ms`` is the delay before the first answer text (a thinking persona spends it
    streaming reasoning). ``fault`` is one of ``FAULTS`` or None; a conversation hits it when
    its hash falls under ``fault_rate``, so the same conversation always fails the same way.
    ``answer``, when set, is the exact text the persona answers to every conversation (a test's
    hostile answer, say). Raise ValueError on out-of-range values.
    """

    ttft_ms: float = 300.0
    tokens_per_second: float = 80.0
    fault: str | None = None
    fault_rate: float = 1.0
    thinking: bool = False
    answer: str | None = None

    def __post_init__(self) -> None:
        numbers = (self.ttft_ms, self.tokens_per_second, self.fault_rate)
        if any(isinstance(n, bool) or not isinstance(n, int | float) for n in numbers):
            raise ValueError("ttft_ms, tokens_per_second and fault_rate must be numbers")
        if self.ttft_ms < 0:
            raise ValueError("ttft_ms must be zero or more")
        if self.tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be positive")
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"fault must be null or one of {', '.join(FAULTS)}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if not isinstance(self.thinking, bool):
            raise ValueError("thinking must be true or false")
        if self.answer is not None and (not isinstance(self.answer, str) or not self.answer):
            raise ValueError("answer must be null or a non-empty string")


DEFAULT_SETTINGS: dict[str, PersonaSettings] = {
    "hyperclova": PersonaSettings(ttft_ms=450, tokens_per_second=70),
    "exaone": PersonaSettings(ttft_ms=600, tokens_per_second=90, thinking=True),
    "ax": PersonaSettings(ttft_ms=150, tokens_per_second=120),
    "solar": PersonaSettings(ttft_ms=250, tokens_per_second=60),
    "varco": PersonaSettings(ttft_ms=350, tokens_per_second=40),
}

# The answer style of each persona. They differ on purpose so that a demo leaderboard has a
# shape; the assignment is arbitrary and says nothing about the real models.
_STYLES = {
    "hyperclova": "thorough",
    "exaone": "middling",
    "ax": "terse",
    "solar": "wandering",
    "varco": "verbose",
}

# Bare "만든" would also match "김치 만든 방법", so the Korean cues need their context.
_IDENTITY_QUESTION = re.compile(
    r"누구|어느 회사|어떤 회사|무슨 회사|누가 만든|만든 회사|만든 곳|개발사|무슨 모델|어떤 모델|"
    r"모델 이름|네 이름|너의 이름|당신의 이름|정체|who are you|what model|which model|"
    r"who (made|built|created|trained) you|your name",
    re.IGNORECASE,
)

_OPENERS = (
    "{topic}에 대해 정리해 드리겠습니다.",
    "좋은 질문입니다. {topic}에 관해 차근차근 설명드릴게요.",
    "{topic}에 대해 여러 측면에서 살펴보겠습니다.",
)
_FOLLOW_UP_OPENERS = (
    "앞선 답변에 이어서 말씀드리겠습니다.",
    "이전 대화 내용을 바탕으로 이어서 답변드릴게요.",
    "방금 이야기한 내용에 이어 덧붙여 설명드리겠습니다.",
)
_SENTENCES = (
    "먼저 핵심 개념을 분명히 하는 것이 중요합니다.",
    "이 문제는 배경과 맥락을 함께 보아야 정확하게 이해할 수 있습니다.",
    "실제 사례를 들어 보면 이해가 훨씬 쉬워집니다.",
    "관련 자료를 찾을 때에는 공신력 있는 출처를 우선 확인하시는 것이 좋습니다.",
    "상황에 따라 가장 알맞은 방법이 달라질 수 있다는 점도 기억해 두세요.",
    "장점과 단점을 나란히 놓고 비교해 보면 판단이 쉬워집니다.",
    "처음에는 작은 단위로 시도해 보고 결과를 보며 조정하는 방식을 권합니다.",
    "비용과 시간, 위험 요소를 함께 고려해야 합니다.",
    "전문적인 판단이 필요한 경우에는 전문가와 상담해 보시길 권합니다.",
    "단계별로 나누어 접근하면 복잡한 문제도 훨씬 다루기 쉬워집니다.",
    "흔히 하는 실수는 전제 조건을 확인하지 않고 바로 결론을 내리는 것입니다.",
    "구체적인 목표를 먼저 정하면 필요한 정보의 범위가 좁아집니다.",
    "하루에 조금씩이라도 꾸준히 실천하는 것만으로도 분명한 차이가 생깁니다.",
    "{topic}에 관해서는 최신 정보를 확인하는 것이 특히 중요합니다.",
    "국내 제도와 관행은 해외와 다를 수 있으니 함께 확인해 보세요.",
)
_SECTIONS = ("배경", "핵심 내용", "주요 고려 사항", "실천 방법", "주의할 점", "예시")
_BULLETS = (
    "목표와 범위를 먼저 정하기",
    "신뢰할 수 있는 출처 확인하기",
    "작은 단위로 시작해 점검하기",
    "비용과 효과 비교하기",
    "전문가 의견 참고하기",
    "정기적으로 결과 돌아보기",
    "관련 법규와 제도 확인하기",
    "비슷한 사례에서 배우기",
)
_CLOSINGS = (
    "더 궁금한 점이 있으면 편하게 물어봐 주세요.",
    "도움이 되었기를 바랍니다.",
    "요약하면, {topic}에 대해서는 차근차근 접근하는 것이 가장 좋습니다.",
)
_REPEATS = ("다시 한번 강조하자면,", "앞서 말씀드린 것처럼,", "거듭 말씀드리지만,")
_WANDERING = (
    "그 질문도 흥미롭지만, 요즘은 많은 분들이 건강한 생활 습관에 관심이 많습니다.",
    "사실 이런 주제는 사람마다 생각이 다르기 마련입니다.",
    "날씨가 좋은 날에는 산책을 하며 생각을 정리해 보는 것도 좋습니다.",
    "여러 가지 의견이 있을 수 있으니 한 가지로 단정하기는 어렵습니다.",
    "결국 중요한 것은 자신에게 맞는 방법을 찾는 것이 아닐까요.",
)
_TOKEN = re.compile(r"\S+\s*|\s+")


def answer_for(slug: str, messages: list[dict]) -> tuple[str, str]:
    """Return ``(answer, reasoning)`` of persona ``slug`` to a conversation, deterministically.

    The answer quotes the last user prompt, says so when it follows earlier assistant turns,
    and names the persona's team and model only when the prompt asks who it is. ``reasoning``
    is what a thinking persona streams as ``reasoning_content`` before the answer.
    """
    persona = PERSONAS[slug]
    rng = random.Random(_conversation_hash(slug, messages))
    prompt = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    topic = _topic_quote(prompt)
    style = _STYLES[slug]
    parts: list[str] = []
    if any(m.get("role") == "assistant" for m in messages):
        parts.append(rng.choice(_FOLLOW_UP_OPENERS))
    if _IDENTITY_QUESTION.search(prompt):
        parts.append(f"저는 {persona.team}에서 개발한 {persona.model}입니다.")
        if style == "thorough":
            parts.append("\n\n제가 도와드릴 수 있는 일은 다음과 같습니다.\n")
            parts.extend(f"\n- {item}" for item in ("질문 답변", "글쓰기와 요약", "번역", "코딩"))
            parts.append("\n\n")
        parts.append(_CLOSINGS[0])
        answer = " ".join(parts).replace(" \n", "\n").replace("\n ", "\n")
        return answer, "사용자가 나에 대해 묻고 있다. 소개를 간단히 하자."
    body = {
        "thorough": _thorough,
        "middling": _middling,
        "terse": _terse,
        "wandering": _wandering,
        "verbose": _verbose,
    }[style](rng, topic)
    parts.append(body)
    reasoning = (
        f"사용자가 {topic}에 대해 묻고 있다. 핵심 개념을 먼저 정리하고, "
        "예시를 들어 설명한 다음 주의할 점으로 마무리하자."
    )
    return " ".join(parts), reasoning


def _thorough(rng: random.Random, topic: str) -> str:
    lines = [f"## {topic} 정리", "", rng.choice(_OPENERS).format(topic=topic), ""]
    for section in rng.sample(_SECTIONS, rng.randint(3, 4)):
        lines += [f"### {section}", ""]
        lines += [" ".join(s.format(topic=topic) for s in rng.sample(_SENTENCES, 2)), ""]
        lines += [f"- **{b}**: {rng.choice(_SENTENCES).format(topic=topic)}"
                  for b in rng.sample(_BULLETS, rng.randint(2, 4))]
        lines.append("")
    lines.append(f"**요약**: {_CLOSINGS[2].format(topic=topic)}")
    return "\n".join(lines)


def _middling(rng: random.Random, topic: str) -> str:
    sentences = [rng.choice(_OPENERS).format(topic=topic)]
    sentences += [s.format(topic=topic) for s in rng.sample(_SENTENCES, rng.randint(5, 9))]
    sentences.append(rng.choice(_CLOSINGS[:2]))
    return " ".join(sentences)


def _terse(rng: random.Random, topic: str) -> str:
    chosen = rng.sample(_SENTENCES, rng.randint(2, 3))
    return f"{topic}: " + " ".join(s.format(topic=topic) for s in chosen)


def _wandering(rng: random.Random, topic: str) -> str:
    # Two conversations in five get a vague, off-topic answer; the rest an adequate one.
    if rng.random() < 0.4:
        return " ".join([f"{topic}라… 음,", *rng.sample(_WANDERING, rng.randint(3, 5))])
    return _middling(rng, topic)


def _verbose(rng: random.Random, topic: str) -> str:
    said = [s.format(topic=topic) for s in rng.sample(_SENTENCES, 8)]
    paragraphs = [rng.choice(_OPENERS).format(topic=topic) + " " + " ".join(said[:4])]
    for _ in range(rng.randint(3, 5)):
        again = rng.sample(said, 3)
        paragraphs.append(" ".join(f"{rng.choice(_REPEATS)} {s}" for s in again))
    paragraphs.append(" ".join(said[4:]) + " " + _CLOSINGS[2].format(topic=topic))
    return "\n\n".join(paragraphs)


def _topic_quote(prompt: str) -> str:
    """Return the prompt as a short 「quotation」 to weave into the answer."""
    text = " ".join(prompt.split()).rstrip("?？.!。 ")
    if len(text) > 30:
        text = text[:30].rstrip() + "…"
    return f"「{text or '질문'}」"


def _conversation_hash(slug: str, messages: list[dict]) -> bytes:
    turns = [[str(m.get("role", "")), str(m.get("content", ""))] for m in messages]
    return hashlib.sha256(json.dumps([slug, turns], ensure_ascii=False).encode()).digest()


def _fault_for(settings: PersonaSettings, conversation: bytes) -> str | None:
    """Return the fault this conversation hits, the same one every time it is asked."""
    if settings.fault is None:
        return None
    draw = int.from_bytes(hashlib.sha256(conversation + b"fault").digest()[:8]) / 2**64
    return settings.fault if draw < settings.fault_rate else None


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
        conversation = _conversation_hash(slug, messages)
        fault = _fault_for(settings, conversation)
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
    parser = argparse.ArgumentParser(description="Serve the five mock team endpoints.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--speed", type=float, default=None)
    parser.add_argument("--require-key", action="store_true")
    arguments = parser.parse_args()
    serve(arguments.host, arguments.port, speed=arguments.speed, require_key=arguments.require_key)


if __name__ == "__main__":
    main()
