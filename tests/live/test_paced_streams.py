"""Paced streams over the real stack, timed from outside as a probe would: a websocket client
notes when each message arrives, while a very fast and a very slow mock team answer."""
import asyncio
import json
import time

import httpx
import pytest
import websockets

from arena.models import Response
from contest.models import Contest
from tests.factories import ContestFactory, EntrantFactory, TeamFactory
from tests.live.test_battle_end_to_end import browser_session

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

# The live stack's mock server runs at MOCK_TEAMS_SPEED=4: every delay below is a quarter.
FAST = {"ttft_ms": 0, "tokens_per_second": 2000, "answer": "빠른 팀의 긴 답입니다. " * 80}
SLOW = {"ttft_ms": 6000, "tokens_per_second": 2, "answer": "느린 팀의 답. " * 60}
# Both panes' messages leave one web process back to back; a client sees them this close.
IN_STEP_SECONDS = 0.05


@pytest.fixture
def two_speeds(live_stack, transactional_db):
    """An open contest of two entrants: one answering at once and fast, one late and slow."""
    contest = ContestFactory(slug="paced", title="속도 대회")
    for persona, settings in (("ax", FAST), ("varco", SLOW)):
        httpx.put(f"{live_stack.mock_url}/_control/{persona}", json=settings).raise_for_status()
        EntrantFactory(contest=contest, team=TeamFactory(), base_url=f"{live_stack.mock_url}/{persona}/v1",
                       model=persona, timeout_seconds=20)
    yield contest
    httpx.post(f"{live_stack.mock_url}/_control/reset").raise_for_status()


async def listen(stack, client, stream, *, turn=0, stop_after=None) -> dict:
    """Receive one turn's messages with their arrival times (seconds since connecting).

    Stops once both sides ended, or after `stop_after` token messages (a dropped connection).
    """
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    received = []
    async with websockets.connect(stack.ws_url + stream, open_timeout=10,
                                  additional_headers={"Cookie": cookie, "Origin": stack.web_url}) as socket:
        began = time.monotonic()
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
            if message.get("turn", turn) != turn:
                continue
            received.append((time.monotonic() - began, message))
            finals = {m["side"] for _, m in received if m["type"] in ("done", "error")}
            tokens = [m for _, m in received if m["type"] == "token"]
            if finals == {"a", "b"} or stop_after is not None and len(tokens) >= stop_after:
                return {"began": began, "messages": received}


def first_text(result, side) -> float:
    return next(t for t, m in result["messages"] if m["side"] == side and m["type"] == "token" and m["text"])


def final(result, side) -> tuple[float, dict]:
    return next((t, m) for t, m in result["messages"] if m["side"] == side and m["type"] in ("done", "error"))


def tokens_of(result, side) -> list[dict]:
    return [m for _, m in result["messages"] if m["side"] == side and m["type"] == "token"]


def joined(tokens: list[dict]) -> str:
    """A side's text as the page builds it: a snapshot replaces, a batch already seen is dropped."""
    text, seen = "", 0
    for message in tokens:
        if message.get("snapshot"):
            text, seen = message["text"], message["seq"]
        elif message["seq"] > seen:
            text, seen = text + message["text"], message["seq"]
    return text


def start(stack, prompt="서울의 가을 여행지를 추천해 줘"):
    client = browser_session(stack)
    started = client.post("/api/battles", json={"prompt": prompt})
    assert started.status_code == 201, started.text
    return client, started.json()


def speeds_by_side(battle_id, turn=0) -> dict:
    return {r.side: r.entrant.model for r in
            Response.objects.filter(turn__battle_id=battle_id, turn__index=turn).select_related("entrant")}


def assert_in_step(result, battle_id, turn=0):
    """Both panes start and end together, and each got its whole answer once, in order."""
    assert abs(first_text(result, "a") - first_text(result, "b")) <= IN_STEP_SECONDS
    (end_a, done_a), (end_b, done_b) = final(result, "a"), final(result, "b")
    assert abs(end_a - end_b) <= IN_STEP_SECONDS
    saved = {r.side: r for r in Response.objects.filter(turn__battle_id=battle_id, turn__index=turn)}
    for side, done in (("a", done_a), ("b", done_b)):
        assert done["type"] == "done" and done["ttft_ms"] is None and done["total_ms"] is None
        tokens = tokens_of(result, side)
        assert [m["seq"] for m in tokens] == list(range(1, len(tokens) + 1))
        assert tokens[0]["snapshot"] is True and not any(m.get("snapshot") for m in tokens[1:])
        assert joined(tokens) == done["text"] == saved[side].text


def test_a_fast_and_a_slow_team_start_and_finish_together(live_stack, two_speeds):
    client, battle = start(live_stack)
    result = asyncio.run(listen(live_stack, client, battle["stream"]))
    assert_in_step(result, battle["id"])
    # The slow team's first text came about 1.5 s after the fast team had finished: the fast
    # pane waited for it
    assert first_text(result, "a") >= 1.0
    # And the true timings are in the database, far apart, and shown after the vote
    saved = {r.entrant.model: r for r in Response.objects.filter(turn__battle_id=battle["id"]).select_related("entrant")}
    assert saved["varco"].ttft_ms - saved["ax"].ttft_ms >= 1000
    sides = speeds_by_side(battle["id"])

    # When the citizen asks a follow-up, it is paced the same way
    follow = client.post(f"/api/battles/{battle['id']}/turns", json={"prompt": "더 짧게 정리해 줘"})
    assert follow.status_code == 201, follow.text
    second = asyncio.run(listen(live_stack, client, battle["stream"], turn=1))
    assert_in_step(second, battle["id"], turn=1)

    assert client.post(f"/api/battles/{battle['id']}/vote", json={"choice": "a"}).status_code == 200
    state = client.get(f"/api/battles/{battle['id']}").json()["turns"][0]
    assert {side: state[side]["ttft_ms"] for side in "ab"} == {
        side: saved[sides[side]].ttft_ms for side in "ab"}


def test_with_the_setting_off_each_pane_streams_at_its_teams_own_pace(live_stack, two_speeds):
    Contest.objects.filter(pk=two_speeds.pk).update(paced_streams=False)
    client, battle = start(live_stack)
    result = asyncio.run(listen(live_stack, client, battle["stream"]))
    sides = {persona: side for side, persona in speeds_by_side(battle["id"]).items()}
    fast, slow = sides["ax"], sides["varco"]
    # The fast team's whole answer is in before the slow team says anything
    assert final(result, fast)[0] + 1.0 <= first_text(result, slow)
    assert final(result, fast)[0] + 1.0 <= final(result, slow)[0]
    # And the page builds each side's whole answer from the worker's own batches, as before
    for side in "ab":
        assert joined(tokens_of(result, side)) == final(result, side)[1]["text"]


def test_a_failing_side_ends_the_pacing_and_the_other_is_not_held(live_stack, two_speeds):
    # Given the slow team accepts the request and then says nothing until its 2 s deadline
    httpx.put(f"{live_stack.mock_url}/_control/varco", json={"fault": "timeout"}).raise_for_status()
    two_speeds.entrants.filter(model="varco").update(timeout_seconds=2)
    client, battle = start(live_stack)
    result = asyncio.run(listen(live_stack, client, battle["stream"]))
    sides = {persona: side for side, persona in speeds_by_side(battle["id"]).items()}
    fast, slow = sides["ax"], sides["varco"]
    # Then the failing side's error comes at its deadline, and the fast side, held until then,
    # follows at once and whole
    error_at, error = final(result, slow)
    done_at, done = final(result, fast)
    assert error["type"] == "error" and error["code"] == "timeout"
    assert error_at >= 1.5 and abs(done_at - error_at) <= IN_STEP_SECONDS
    assert first_text(result, fast) >= 1.5
    assert done["type"] == "done" and joined(tokens_of(result, fast)) == done["text"]


def test_a_reconnect_mid_answer_resumes_in_step(live_stack, two_speeds):
    client, battle = start(live_stack)
    # Given the page saw the first few batches and lost its connection
    before = asyncio.run(listen(live_stack, client, battle["stream"], stop_after=4))
    assert abs(first_text(before, "a") - first_text(before, "b")) <= IN_STEP_SECONDS
    # When it connects again mid-answer
    after = asyncio.run(listen(live_stack, client, battle["stream"]))
    # Then its first messages replace both panes with the same amount of text
    opening = [m for _, m in after["messages"][:2]]
    assert {m["side"] for m in opening} == {"a", "b"}
    assert all(m["type"] == "token" and m["snapshot"] for m in opening)
    assert len(opening[0]["text"]) == len(opening[1]["text"]) > 0
    assert abs(after["messages"][0][0] - after["messages"][1][0]) <= IN_STEP_SECONDS
    # And the rest goes on in step to the end, each pane's text whole
    assert_in_step(after, battle["id"])
