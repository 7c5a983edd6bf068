"""The five mock teams: who they are and what they answer, deterministically.

Each persona answers in its own style so that a demo leaderboard has a shape, quotes the prompt,
and names its team only when asked who it is. No Django, no network: ``mock_teams`` serves it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass


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

# What a persona may do wrong: answer 500, say nothing ("timeout"), break the SSE halfway
# ("malformed"), stop halfway ("cut_off"), answer 429 with Retry-After ("rate_limited"), trickle
# half a character a second ("slow"), or never finish ("endless", bounded only by the client).
FAULTS = ("http_500", "timeout", "malformed", "cut_off", "rate_limited", "slow", "endless")

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


def answer_for(slug: str, messages: list[dict]) -> tuple[str, str]:
    """Return ``(answer, reasoning)`` of persona ``slug`` to a conversation, deterministically.

    The answer quotes the last user prompt, says so when it follows earlier assistant turns,
    and names the persona's team and model only when the prompt asks who it is. ``reasoning``
    is what a thinking persona streams as ``reasoning_content`` before the answer.
    """
    persona = PERSONAS[slug]
    rng = random.Random(conversation_hash(slug, messages))
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


def conversation_hash(slug: str, messages: list[dict]) -> bytes:
    turns = [[str(m.get("role", "")), str(m.get("content", ""))] for m in messages]
    return hashlib.sha256(json.dumps([slug, turns], ensure_ascii=False).encode()).digest()


def fault_for(settings: PersonaSettings, conversation: bytes) -> str | None:
    """Return the fault this conversation hits, the same one every time it is asked."""
    if settings.fault is None:
        return None
    draw = int.from_bytes(hashlib.sha256(conversation + b"fault").digest()[:8]) / 2**64
    return settings.fault if draw < settings.fault_rate else None
