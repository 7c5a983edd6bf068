"""Votes answered in front of Django (voting/fast_vote.py), through the ASGI app, on PostgreSQL.

Each test asks what a citizen sees (the answer, the stored vote, the audit chain) and whether
Django had to answer: a vote that will be stored must not reach it, every other request must,
so that its errors stay Django's own.
"""
import asyncio
import hashlib
import json
import logging
import time
from dataclasses import fields

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client

from arena.models import Battle, Response
from arena.services import turn_new
from contest.models import Contest, Entrant, Team
from tests.asgi import client_for, django_behind, in_front
from tests.factories import CategoryFactory
from tests.conftest import limits
from voting import audit, chain, selectors
from voting.fast_vote import FastVote, rechecks
from voting.policy import Refusal, VoteFacts
from voting.metrics import VOTES_ACCEPTED
from voting.models import ChainHead, Vote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def django_app():
    return django_behind("vote")


@pytest.fixture
async def front(django_app):
    async with in_front(FastVote, django_app) as app:
        yield app


class Citizen:
    """A browser with its session, its CSRF token and one battle."""

    def __init__(self, prompt="서울 여행지를 추천해 줘"):
        self.browser = browser = Client(enforce_csrf_checks=True)
        browser.get("/")
        self.token = browser.cookies["csrftoken"].value
        browser.post("/", {"notice": "accept", "csrfmiddlewaretoken": self.token})
        started = browser.post("/api/battles", {"prompt": prompt}, content_type="application/json",
                               headers={"X-CSRFToken": self.token, "Origin": "http://testserver"})
        assert started.status_code == 201, started.content
        self.battle = started.json()["id"]
        self.cookies = {name: morsel.value for name, morsel in browser.cookies.items()}

    def finish(self, text="경복궁과 북촌 한옥마을을 추천합니다.", status=Response.Status.DONE):
        Response.objects.filter(turn__battle_id=self.battle).update(status=Response.Status.DONE,
                                                                    text=text)
        if status != Response.Status.DONE:
            Response.objects.filter(turn__battle_id=self.battle, side="b").update(status=status)

    async def vote(self, app, body=None, *, headers=None, cookies=None, battle=None):
        async with client_for(app, self.cookies if cookies is None else cookies) as client:
            return await client.post(
                f"/api/battles/{battle or self.battle}/vote",
                content=json.dumps({"choice": "a"} if body is None else body),
                headers={"Content-Type": "application/json", "X-CSRFToken": self.token,
                         "Origin": "http://testserver", **(headers or {})},
            )


def citizens(n=1, **kwargs):
    return [Citizen(**kwargs) for _ in range(n)]


def chain_problems():
    head = ChainHead.objects.get(name=selectors.VOTE_CHAIN)
    entries, problems = audit.vote_chain_check()
    return chain.chain_verify(entries, head=(head.length, head.hash)) + problems


@sync_to_async
def chain_started():
    """The chain's first vote, cast through Django, which makes the chain's head."""
    (first,) = citizens()
    first.finish()
    voted = first.browser.post(f"/api/battles/{first.battle}/vote", {"choice": "b"},
                         content_type="application/json",
                         headers={"X-CSRFToken": first.token, "Origin": "http://testserver"})
    assert voted.status_code == 200


async def test_a_vote_is_stored_chained_and_revealed_without_django(entrants, front, django_app):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()

    accepted = VOTES_ACCEPTED.labels("fast")._value.get()
    response = await citizen.vote(front, {"choice": "tie"})

    assert response.status_code == 200, response.content
    assert django_app.requests == 0
    assert VOTES_ACCEPTED.labels("fast")._value.get() == accepted + 1  # counted for /metrics
    battle = await sync_to_async(Battle.objects.select_related(
        "entrant_a__team", "entrant_b__team").get)(pk=citizen.battle)
    assert response.json() == {"reveal": {
        "a": {"team": battle.entrant_a.team.name, "model": battle.entrant_a.display_name},
        "b": {"team": battle.entrant_b.team.name, "model": battle.entrant_b.display_name},
    }}
    vote = await sync_to_async(Vote.objects.get)(battle_id=citizen.battle)
    assert vote.choice == "tie" and vote.excluded == "" and vote.chain_seq == 2
    assert await sync_to_async(chain_problems)() == []


async def test_the_answer_is_the_one_django_gives(entrants, front, django_app):
    await chain_started()
    by_django, in_front = await sync_to_async(citizens)(2)
    for citizen in (by_django, in_front):
        await sync_to_async(citizen.finish)()

    django_answer = await by_django.vote(django_app)
    front_answer = await in_front.vote(front)

    assert django_app.requests == 1  # the first vote only
    assert django_answer.status_code == front_answer.status_code == 200
    assert set(django_answer.json()["reveal"]) == set(front_answer.json()["reveal"]) == {"a", "b"}

    def headers(response):
        return {k: v for k, v in response.headers.items() if k not in ("content-length", "date")}

    assert headers(front_answer) == headers(django_answer)
    assert await sync_to_async(chain_problems)() == []


async def test_an_identity_leak_is_excluded_as_django_excludes_it(entrants, front, django_app):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    team = entrants[0].team
    team.identity_terms = "Leakmodel"
    await sync_to_async(team.save)()
    await sync_to_async(citizen.finish)(text="저는 Leakmodel입니다. 경복궁을 추천해요.")

    assert (await citizen.vote(front)).status_code == 200

    assert django_app.requests == 0
    vote = await sync_to_async(Vote.objects.get)(battle_id=citizen.battle)
    assert vote.excluded == "identity_leak"


# How to build each refusal voting.policy declares: both paths ask the policy, so each is
# refused in front of Django by handing the vote to Django, which answers with the policy's
# code and status. A refusal added to the policy without a case here fails the suite.
CASES = {
    Refusal.INVALID_CHOICE: "bad_choice",
    Refusal.NOT_FOUND: "unknown",
    Refusal.NOT_OWNER: "stranger",
    Refusal.ALREADY_VOTED: "twice",
    Refusal.CONTEST_CLOSED: "closed",
    Refusal.SIDE_UNFINISHED: "streaming",
    Refusal.SIDE_FAILED: "failed",
}

# Requests refused before the policy is asked: Django's middleware, its body parsing, a session.
REFUSED = {
    # name: (how the request is spoiled, status, code Django answers)
    "no session cookie": ("no_session", 403, "forbidden"),
    "a wrong CSRF token": ("bad_token", 403, "csrf_failed"),
    "another site's Origin": ("bad_origin", 403, "csrf_failed"),
    "a body that is not JSON": ("not_json", 400, "invalid"),
    "an oversized body": ("huge", 413, "too_large"),
}


def test_every_refusal_of_the_vote_policy_has_a_case():
    assert set(CASES) == set(Refusal), "a refusal without a case is not checked on both paths"


def test_the_write_checks_again_every_fact_that_can_change_between_read_and_write():
    can_change = {field.name for field in fields(VoteFacts)} - {"choice_valid", "battle_found"}
    assert set(rechecks()) == can_change


@pytest.mark.parametrize("refusal", list(Refusal), ids=lambda refusal: refusal.name.lower())
async def test_a_vote_the_policy_refuses_is_refused_alike_on_both_paths(
    entrants, contest, front, django_app, refusal
):
    # The case for this refusal; none is a failure (see the test above), not a skip.
    await refused_alike(contest, front, django_app, CASES[refusal], refusal.status, refusal.code)


@pytest.mark.parametrize("spoil, status, code", REFUSED.values(), ids=REFUSED.keys())
async def test_a_vote_that_would_be_refused_is_djangos_to_answer(
    entrants, contest, front, django_app, spoil, status, code
):
    await refused_alike(contest, front, django_app, spoil, status, code)


async def refused_alike(contest, front, django_app, spoil, status, code):
    """Spoil a vote as `spoil` says; then the fast path stores nothing and hands it to Django,
    which answers `status` and `code`."""
    await chain_started()
    citizen, stranger = await sync_to_async(citizens)(2)
    await sync_to_async(citizen.finish)()
    body, headers, cookies, battle = None, None, None, None
    if spoil == "streaming":
        await sync_to_async(Response.objects.filter(
            turn__battle_id=citizen.battle, side="a").update)(status=Response.Status.STREAMING)
    elif spoil == "failed":
        await sync_to_async(citizen.finish)(status=Response.Status.ERROR)
    elif spoil == "stranger":
        cookies, headers = stranger.cookies, {"X-CSRFToken": stranger.token}
    elif spoil == "no_session":
        cookies = {"csrftoken": citizen.cookies["csrftoken"]}
    elif spoil == "bad_token":
        headers = {"X-CSRFToken": "x" * 32}
    elif spoil == "bad_origin":
        headers = {"Origin": "https://evil.example"}
    elif spoil == "bad_choice":
        body = {"choice": "c"}
    elif spoil == "not_json":
        body = "{choice"
    elif spoil == "huge":
        body = {"choice": "a", "padding": "가" * 200_000}
    elif spoil == "closed":
        await sync_to_async(Contest.objects.filter(pk=contest.pk).update)(phase=Contest.Phase.CLOSED)
    elif spoil == "twice":
        assert (await citizen.vote(front)).status_code == 200
    elif spoil == "unknown":
        battle = "00000000-0000-4000-8000-000000000000"
    else:
        raise AssertionError(f"no way to build {spoil!r}")
    stored = await sync_to_async(Vote.objects.count)()
    reached = django_app.requests

    if spoil == "not_json":
        async with client_for(front, citizen.cookies) as client:
            response = await client.post(f"/api/battles/{citizen.battle}/vote", content=body,
                                         headers={"Content-Type": "application/json",
                                                  "X-CSRFToken": citizen.token,
                                                  "Origin": "http://testserver"})
    else:
        response = await citizen.vote(front, body, headers=headers, cookies=cookies, battle=battle)

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert django_app.requests == reached + 1
    assert await sync_to_async(Vote.objects.count)() == stored


async def test_a_refused_vote_counts_once_against_the_limit(entrants, front, django_app, settings):
    await chain_started()
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["2/h"], ["100/h"])}
    (citizen,) = await sync_to_async(citizens)()

    # Given a vote refused while the battle still streams (Django counts it, once)...
    assert (await citizen.vote(front)).status_code == 409
    await sync_to_async(citizen.finish)()

    # ...the second attempt is within the budget of two, and stored in front of Django.
    assert (await citizen.vote(front)).status_code == 200
    assert django_app.requests == 1
    # A third is over it: Django answers 429.
    refused = await citizen.vote(front)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"


async def test_a_contest_closed_between_read_and_write_stores_nothing(
    entrants, contest, front, django_app, monkeypatch
):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()
    store = FastVote.store

    async def closed_meanwhile(self, conn, vote, read):
        await conn.execute("UPDATE contest_contest SET phase = 'closed' WHERE id = %s", [contest.pk])
        return await store(self, conn, vote, read)

    monkeypatch.setattr(FastVote, "store", closed_meanwhile)

    response = await citizen.vote(front)

    assert response.status_code == 409 and response.json()["error"]["code"] == "contest_closed"
    assert not await sync_to_async(Vote.objects.filter(battle_id=citizen.battle).exists)()
    assert await sync_to_async(chain_problems)() == []


async def test_a_turn_added_between_read_and_write_stores_nothing(entrants, front, django_app, monkeypatch):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()
    store = FastVote.store

    @sync_to_async
    def next_turn():
        battle = Battle.objects.get(pk=citizen.battle)
        turn, responses = turn_new(battle=battle, index=1, prompt="부산은 어때?")
        turn.save()
        for response in responses:
            response.turn = turn
            response.save()

    async def turned_meanwhile(self, conn, vote, read):
        await next_turn()  # the citizen's next turn, both sides still pending
        return await store(self, conn, vote, read)

    monkeypatch.setattr(FastVote, "store", turned_meanwhile)

    response = await citizen.vote(front)

    assert response.status_code == 409 and response.json()["error"]["code"] == "not_votable"
    assert not await sync_to_async(Vote.objects.filter(battle_id=citizen.battle).exists)()
    assert await sync_to_async(chain_problems)() == []


async def test_concurrent_votes_are_each_stored_once_and_chained_in_order(entrants, front):
    await chain_started()
    crowd = await sync_to_async(citizens)(12)
    for citizen in crowd:
        await sync_to_async(citizen.finish)()

    # Twelve citizens at once, and the first of them twice.
    answers = await asyncio.gather(*(c.vote(front) for c in crowd), crowd[0].vote(front))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 12 + [409]
    assert await sync_to_async(Vote.objects.count)() == 13
    assert await sync_to_async(chain_problems)() == []


@sync_to_async
def backend_terminate(pid: int) -> None:
    """End a PostgreSQL backend and wait until it has gone (the signal is asynchronous)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


async def test_a_connection_dropped_before_the_write_leaves_the_vote_to_django(
    entrants, front, django_app, monkeypatch
):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()
    store = FastVote.store

    async def connection_dropped(self, conn, vote, read):
        # PostgreSQL drops the very connection the vote is about to be written on.
        await backend_terminate(conn.info.backend_pid)
        return await store(self, conn, vote, read)

    monkeypatch.setattr(FastVote, "store", connection_dropped)

    response = await citizen.vote(front)

    # Django, on its own connection, stores the vote once and answers as it always does.
    assert response.status_code == 200 and set(response.json()["reveal"]) == {"a", "b"}
    assert django_app.requests == 1
    assert await sync_to_async(Vote.objects.filter(battle_id=citizen.battle).count)() == 1
    assert await sync_to_async(chain_problems)() == []


async def test_without_a_database_the_vote_is_the_apis_503(entrants, front, monkeypatch):
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()

    def no_database(**kwargs):
        from django.db import OperationalError

        raise OperationalError("couldn't get a connection after 10.00 sec")

    async def no_connection(self, conn, vote, read):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(FastVote, "store", no_connection)
    monkeypatch.setattr("voting.services.vote_cast", no_database)

    response = await citizen.vote(front)

    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "2"
    assert not await sync_to_async(Vote.objects.filter(battle_id=citizen.battle).exists)()


async def test_the_chained_content_is_the_bytes_djangos_path_hashes(entrants, front, django_app):
    # Given teams and models whose names need escaping, and a battle in a category
    for n, entrant in enumerate(entrants):
        await sync_to_async(Team.objects.filter(pk=entrant.team_id).update)(
            name=f'팀 "{n}" \\ \u2028 😀 </script>')
        await sync_to_async(Entrant.objects.filter(pk=entrant.pk).update)(
            display_name=f'Model-{n} "따옴표" \t')
    await chain_started()
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)(text='답 "인용" \\ \u2028 </script> 😀\n## 제목')
    category = await sync_to_async(CategoryFactory)()
    await sync_to_async(Battle.objects.filter(pk=citizen.battle).update)(category=category)

    response = await citizen.vote(front, {"choice": "b"})
    assert response.status_code == 200 and django_app.requests == 0

    # Then the vote's hash is over exactly the content Django's path derives from the rows:
    # the battle, its category, and each side's entrant with the reveal the citizen was shown
    vote = await sync_to_async(Vote.objects.select_related("battle").get)(battle_id=citizen.battle)
    content = await sync_to_async(audit.vote_content_of)(vote)
    assert chain.link_hash(vote.chain_prev, content) == vote.chain_hash
    assert content["category"] == category.pk and content["turns"] == 1
    assert content["transcript"] == hashlib.sha256(chain.canonical({"turns": [[
        "서울 여행지를 추천해 줘", *['답 "인용" \\ \u2028 </script> 😀\n## 제목'] * 2]]})).hexdigest()
    reveal = response.json()["reveal"]
    assert {side: {"team": content[side]["team"], "model": content[side]["model"]}
            for side in "ab"} == reveal
    assert [content[side]["entrant"] for side in "ab"] == [vote.battle.entrant_a_id,
                                                           vote.battle.entrant_b_id]
    assert await sync_to_async(chain_problems)() == []


DEEP = 100_000


@pytest.mark.parametrize("body", [
    '{"choice": ' + "[" * DEEP + "]" * DEEP + "}",
    "[" * DEEP + "]" * DEEP,
], ids=["nested choice", "nested array"])
async def test_a_deeply_nested_body_goes_to_django_unchanged_and_quietly(
    entrants, django_app, caplog, body
):
    received = []

    async def django(scope, receive, send):
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        received.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = FastVote(django)
    (citizen,) = await sync_to_async(citizens)()
    await sync_to_async(citizen.finish)()
    try:
        with caplog.at_level(logging.INFO, logger="voting"):
            async with client_for(app, citizen.cookies) as client:
                response = await client.post(
                    f"/api/battles/{citizen.battle}/vote", content=body,
                    headers={"Content-Type": "application/json", "X-CSRFToken": citizen.token,
                             "Origin": "http://testserver"})
    finally:
        await app.close()

    assert response.status_code == 400
    assert received == [body.encode()]
    assert [record.getMessage() for record in caplog.records if record.name.startswith("voting")] == []
    assert not await sync_to_async(Vote.objects.filter(battle_id=citizen.battle).exists)()
