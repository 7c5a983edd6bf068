"""One side's generation: endpoint → batched, numbered websocket events → database."""
import asyncio
import json

import httpx
import pytest
from channels.layers import get_channel_layer

from arena import services
from arena.models import Response
from arena.runner import runner
from arena.streaming import battle_group, response_run, turn_run
from contest.models import Entrant

# The side's database work runs on the stream runner's own threads, so it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def sse(*events: dict, done: bool = True) -> httpx.AsyncClient:
    lines = "".join(
        "data: " + json.dumps({"choices": [{"index": 0, "delta": delta}]}, ensure_ascii=False) + "\n\n"
        for delta in events
    )
    body = (lines + ("data: [DONE]\n\n" if done else "")).encode()
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client.requests_seen = seen
    return client


@pytest.fixture
def listener():
    """Join a battle's group like a browser does and collect what it is sent.

    It listens from the stream runner's own loop: a pub/sub subscription lives as long as the
    event loop it was made on, and the runner's lives as long as the process.
    """
    layer = get_channel_layer()
    channel = runner.run(layer.new_channel())
    joined = []

    def join(battle):
        runner.run(layer.group_add(battle_group(battle.pk), channel))
        joined.append(battle)

    def drain():
        events = []
        while True:
            try:
                message = runner.run(_receive(layer, channel))
            except TimeoutError:
                return events
            events.append(message["event"])

    yield join, drain
    for battle in joined:
        runner.run(layer.group_discard(battle_group(battle.pk), channel))


async def _receive(layer, channel):
    return await asyncio.wait_for(layer.receive(channel), timeout=0.5)


def test_answer_streams_in_numbered_batches_then_done_matches_database(entrants, listener):
    join, drain = listener
    battle = services.battle_start(session_key="s", prompt="질문")
    join(battle)
    response = Response.objects.get(turn__battle=battle, side="a")
    pieces = [{"reasoning_content": "생각 중…"}] + [{"content": f"조각{i} "} for i in range(40)]

    response_run(response_id=response.pk, client=sse(*pieces))

    events = drain()
    tokens = [e for e in events if e["type"] == "token"]
    done = events[-1]
    expected = "".join(f"조각{i} " for i in range(40))
    assert [t["seq"] for t in tokens] == list(range(1, len(tokens) + 1))
    assert "".join(t["text"] for t in tokens) == expected
    assert all(e["side"] == "a" and e["turn"] == 0 for e in events)
    assert done["type"] == "done" and done["text"] == expected
    assert "생각" not in json.dumps(events, ensure_ascii=False)
    response.refresh_from_db()
    assert (response.status, response.text) == ("done", expected)
    assert response.ttft_ms is not None and response.total_ms >= response.ttft_ms


def test_a_turns_one_task_streams_both_sides_each_to_its_own_pane(entrants, listener):
    # Given a new battle, both of its sides pending, and a page watching it
    join, drain = listener
    battle = services.battle_start(session_key="s", prompt="질문")
    join(battle)
    sides = Response.objects.filter(turn__battle=battle).order_by("side")
    client = sse({"content": "부산을 "}, {"content": "추천합니다."})

    # When the turn's task runs (one Celery message for both sides)
    turn_run(response_ids=[side.pk for side in sides], client=client)

    # Then each side was asked once, and each pane got its own batches and end, as stored
    assert len(client.requests_seen) == 2
    events = drain()
    for side in sides:
        side.refresh_from_db()
        assert (side.status, side.text) == ("done", "부산을 추천합니다.")
        own = [e for e in events if e["side"] == side.side]
        assert "".join(e["text"] for e in own if e["type"] == "token") == side.text
        assert own[-1]["type"] == "done" and own[-1]["text"] == side.text


def test_endpoint_failure_saves_error_and_sends_error_event(entrants, listener):
    join, drain = listener
    battle = services.battle_start(session_key="s", prompt="질문")
    join(battle)
    response = Response.objects.get(turn__battle=battle, side="b")

    response_run(response_id=response.pk, client=sse({"content": "반쯤 "}, done=False))

    events = drain()
    assert events[-1]["type"] == "error" and events[-1]["code"] == "cut_off"
    assert events[-1]["message"]
    response.refresh_from_db()
    assert response.status == "error" and response.error_code == "cut_off"
    assert response.text == "반쯤 "
    assert Entrant.objects.get(pk=response.entrant_id).consecutive_failures == 1


def test_each_side_is_sent_its_own_history_and_entrant_params(entrants):
    battle = services.battle_start(session_key="s", prompt="첫 질문")
    Entrant.objects.filter(pk=battle.entrant_b_id).update(params={"temperature": 0.2})
    Response.objects.filter(turn__battle=battle, side="a").update(status="done", text="A 답")
    Response.objects.filter(turn__battle=battle, side="b").update(status="done", text="B 답")
    turn = services.turn_add(battle_id=battle.pk, session_key="s", prompt="다음")
    client = sse({"content": "좋아요"})

    response_run(response_id=turn.responses.get(side="b").pk, client=client)

    sent = client.requests_seen[0]
    assert sent["temperature"] == 0.2 and sent["stream"] is True
    assert [m["content"] for m in sent["messages"]] == ["첫 질문", "B 답", "다음"]


def test_finished_response_is_not_generated_twice(entrants):
    battle = services.battle_start(session_key="s", prompt="질문")
    response = Response.objects.get(turn__battle=battle, side="a")
    Response.objects.filter(pk=response.pk).update(status="done", text="이미 끝남")
    client = sse({"content": "새 답"})

    response_run(response_id=response.pk, client=client)

    assert client.requests_seen == []
    response.refresh_from_db()
    assert response.text == "이미 끝남"


def test_runaway_answer_is_stopped_at_the_limit_with_what_it_said_kept(entrants, settings, listener):
    join, drain = listener
    settings.ARENA = {**settings.ARENA, "RESPONSE_MAX_CHARS": 50}
    battle = services.battle_start(session_key="s", prompt="질문")
    join(battle)
    response = Response.objects.get(turn__battle=battle, side="a")

    response_run(response_id=response.pk, client=sse(*[{"content": "가나다라마"}] * 100))

    response.refresh_from_db()
    assert (response.status, response.error_code) == ("error", "too_long")
    assert len(response.text) == 50
    error = drain()[-1]
    assert error["type"] == "error" and "길이" in error["message"]


def test_with_redis_unreachable_the_side_still_streams_into_the_database(entrants, settings, monkeypatch):
    # Given Redis (channel layer and snapshot cache) stops answering mid-contest
    dead = "redis://127.0.0.1:9/0"
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [dead]}}}
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": dead}}
    monkeypatch.setattr("arena.streaming.BattlePublisher.FINISH_RETRY_SECONDS", 0.5)
    battle = services.battle_start(session_key="s", prompt="질문")
    response = Response.objects.get(turn__battle=battle, side="a")

    # When the side streams its answer
    response_run(response_id=response.pk, client=sse(*[{"content": f"조각{i} "} for i in range(5)]))

    # Then the answer is complete in the database, for the page to find when it reconnects
    response.refresh_from_db()
    assert (response.status, response.text) == ("done", "".join(f"조각{i} " for i in range(5)))
