"""The mock team server over real HTTP, read through the real endpoint adapter."""

import json
import threading
import time

import httpx
import pytest

from arena.endpoints import EndpointConfig, EndpointError, chat_stream
from devservers.mock_teams import PERSONAS, build_app

PROMPT = "서울에서 전세 계약할 때 주의할 점은?"


def _config(base_url: str, persona: str, **overrides) -> EndpointConfig:
    fields = {
        "base_url": f"{base_url}/{persona}/v1",
        "model": persona,
        "api_key": "test-key",
        "params": {},
        "timeout_seconds": 10.0,
    }
    return EndpointConfig(**{**fields, **overrides})


def _ask(base_url: str, persona: str, prompt: str = PROMPT, **overrides) -> str:
    messages = [{"role": "user", "content": prompt}]
    return "".join(chat_stream(_config(base_url, persona, **overrides), messages))


def _control(base_url: str, persona: str, **changes) -> dict:
    response = httpx.put(f"{base_url}/_control/{persona}", json=changes)
    response.raise_for_status()
    return response.json()


def test_same_prompt_gets_the_same_answer_quoting_the_prompt(mock_teams_server):
    first = _ask(mock_teams_server, "hyperclova")
    second = _ask(mock_teams_server, "hyperclova")

    assert first == second
    assert "서울에서 전세 계약할 때 주의할 점은" in first


def test_personas_answer_differently(mock_teams_server):
    # When every persona answers the same prompt
    answers = {slug: _ask(mock_teams_server, slug) for slug in PERSONAS}

    # Then no two answers are alike, and the thorough persona writes more than the terse one
    assert len(set(answers.values())) == len(PERSONAS)
    assert len(answers["hyperclova"]) > 3 * len(answers["ax"])
    assert "## " in answers["hyperclova"] and "\n- " in answers["hyperclova"]
    assert "## " not in answers["ax"]


@pytest.mark.parametrize("prompt", ["너는 누구야?", "어느 회사에서 만든 모델이야?", "Who are you?"])
def test_persona_names_its_team_when_asked_who_it_is(mock_teams_server, prompt):
    for slug, persona in PERSONAS.items():
        answer = _ask(mock_teams_server, slug, prompt)

        assert persona.team in answer
        assert persona.model in answer


def test_persona_never_names_a_team_when_not_asked(mock_teams_server):
    prompts = [PROMPT, "김치찌개 만든 방법 알려줘", "파이썬으로 정렬하는 법"]
    names = [name for p in PERSONAS.values() for name in (p.team, p.team_en, p.model)]

    for slug in PERSONAS:
        for prompt in prompts:
            answer = _ask(mock_teams_server, slug, prompt)

            assert not [name for name in names if name in answer], (slug, prompt)


def test_follow_up_answer_acknowledges_the_earlier_turn(mock_teams_server):
    # Given a conversation with an earlier answer
    config = _config(mock_teams_server, "solar")
    first = "".join(chat_stream(config, [{"role": "user", "content": PROMPT}]))
    conversation = [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": first},
        {"role": "user", "content": "좀 더 자세히 설명해 줘"},
    ]

    # When the user follows up
    follow_up = "".join(chat_stream(config, conversation))

    # Then the answer says it continues, which the first answer did not
    assert "이어" in follow_up
    assert "이어" not in first


def test_thinking_persona_streams_reasoning_that_the_adapter_drops(mock_teams_server):
    # Given the raw stream of the thinking persona carries reasoning_content
    body = {"model": "exaone", "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    raw = httpx.post(f"{mock_teams_server}/exaone/v1/chat/completions", json=body).text
    reasoning = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("reasoning_content", "")
        for line in raw.splitlines()
        if line.startswith("data: {")
    )
    assert reasoning

    # When the adapter reads the same conversation
    answer = _ask(mock_teams_server, "exaone")

    # Then none of the reasoning reaches the answer
    assert answer
    assert reasoning.strip() not in answer
    assert "사용자가" not in answer


@pytest.mark.parametrize(
    ("fault", "code", "limits"),
    [
        ("http_500", "http_error", {}),
        ("timeout", "timeout", {}),
        ("malformed", "malformed", {}),
        ("cut_off", "cut_off", {}),
        ("rate_limited", "rate_limited", {}),
        # At the suite's speed (20×) "slow" is 10 characters a second, a normal persona 100×
        # more; the bar sits between them.
        ("slow", "too_slow", {"min_chars_per_second": 50, "min_rate_grace_seconds": 0.3,
                              "timeout_seconds": 30}),
        ("endless", "too_long", {"max_chars": 3000, "timeout_seconds": 30}),
    ],
)
def test_injected_fault_reaches_the_adapter_as_its_error(mock_teams_server, fault, code, limits):
    # Given a persona told to fail
    _control(mock_teams_server, "varco", fault=fault)

    # When the adapter asks it
    with pytest.raises(EndpointError) as raised:
        _ask(mock_teams_server, "varco", **{"timeout_seconds": 0.5, **limits})

    # Then the failure comes out as the matching error
    assert raised.value.code == code
    if fault == "rate_limited":
        assert raised.value.retry_after == 2


def test_hanging_persona_does_not_block_the_others(mock_teams_server):
    # Given a request to a hanging persona in flight
    _control(mock_teams_server, "varco", fault="timeout")
    outcome: dict[str, float] = {}

    def ask_hanging() -> None:
        with pytest.raises(EndpointError):
            _ask(mock_teams_server, "varco", timeout_seconds=1.5)
        outcome["hanging_done"] = time.monotonic()

    hanging = threading.Thread(target=ask_hanging)
    hanging.start()
    time.sleep(0.1)

    # When another persona is asked meanwhile
    answer = _ask(mock_teams_server, "ax")
    answered_at = time.monotonic()
    hanging.join(timeout=10)

    # Then it answers while the hanging request is still waiting
    assert answer
    assert answered_at < outcome["hanging_done"]


def test_control_endpoint_changes_and_resets_behaviour(mock_teams_server):
    # Given a persona that answers
    assert _ask(mock_teams_server, "solar")

    # When a fault is injected, then the persona is reset
    updated = _control(mock_teams_server, "solar", fault="http_500", ttft_ms=0)
    with pytest.raises(EndpointError) as raised:
        _ask(mock_teams_server, "solar")
    listed = httpx.get(f"{mock_teams_server}/_control").json()
    httpx.post(f"{mock_teams_server}/_control/reset").raise_for_status()

    # Then the fault applied while set and is gone after the reset
    assert updated["fault"] == "http_500" and updated["ttft_ms"] == 0
    assert listed["personas"]["solar"]["fault"] == "http_500"
    assert raised.value.code == "http_error"
    assert _ask(mock_teams_server, "solar")


def test_fault_rate_zero_never_fails(mock_teams_server):
    _control(mock_teams_server, "ax", fault="http_500", fault_rate=0.0)

    assert _ask(mock_teams_server, "ax")


def test_control_endpoint_rejects_bad_settings(mock_teams_server):
    unknown_fault = httpx.put(f"{mock_teams_server}/_control/ax", json={"fault": "meltdown"})
    unknown_field = httpx.put(f"{mock_teams_server}/_control/ax", json={"colour": "red"})
    unknown_persona = httpx.put(f"{mock_teams_server}/_control/gpt", json={"ttft_ms": 1})

    assert unknown_fault.status_code == 400
    assert unknown_field.status_code == 400
    assert unknown_persona.status_code == 404
    assert httpx.get(f"{mock_teams_server}/_control").json()["personas"]["ax"]["fault"] is None


def test_time_to_first_token_follows_the_setting(mock_teams_server):
    # Given a slow-starting and an instant persona (the delay is long next to the scheduling
    # noise of a busy 2-core machine, so the comparison holds under load)
    speed = httpx.get(f"{mock_teams_server}/_control").json()["speed"]
    _control(mock_teams_server, "ax", ttft_ms=20000)
    _control(mock_teams_server, "solar", ttft_ms=0)
    slow_expected = 20.0 / speed

    # When each is asked, timing the first piece of text
    def first_piece_seconds(persona: str) -> float:
        started = time.monotonic()
        pieces = chat_stream(_config(mock_teams_server, persona), [{"role": "user", "content": "hi"}])
        next(pieces)
        elapsed = time.monotonic() - started
        pieces.close()
        return elapsed

    slow = first_piece_seconds("ax")
    fast = first_piece_seconds("solar")

    # Then the slow one waited at least its delay and the instant one did not
    assert slow >= slow_expected * 0.9
    assert fast < slow_expected * 0.5


def test_health_and_models(mock_teams_server):
    health = httpx.get(f"{mock_teams_server}/health")
    models = httpx.get(f"{mock_teams_server}/exaone/v1/models")

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert models.json()["data"][0]["id"] == "EXAONE"


async def test_key_is_required_only_when_configured():
    # Given a server started with require_key
    app = build_app(speed=100.0, require_key=True)
    body = {"model": "ax", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    url = "http://mock/ax/v1/chat/completions"

    # When it is asked without and with a bearer key
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        without = await client.post(url, json=body)
        with_key = await client.post(url, json=body, headers={"Authorization": "Bearer k"})

    # Then only the request with a key is answered
    assert without.status_code == 401
    assert without.json()["error"]["code"] == "invalid_api_key"
    assert with_key.status_code == 200
    assert "data: [DONE]" in with_key.text
