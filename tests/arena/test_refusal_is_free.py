"""Refusal is free: a request refused by a cap, by the proof of work or for want of the
first-visit notice writes nothing durable.

No session row, no cached session, no spent proof of work, no session cookie; only the counters
that the refusal itself must bump (django-ratelimit's, `rl:` in their key) may grow. A visitor
who has accepted the notice has a session from then on (that acceptance is the visitor's own
act, not the refused request's).
"""
import base64
import json

import altcha
import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from arena.models import Battle, Turn
from tests.conftest import limits, notice_accept

NETWORK = "198.51.100.{}"


def redis_keys() -> set[bytes]:
    """The keys of this test's cache and of the run's channel layer, counters aside."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefixes = (settings.CACHES["default"]["KEY_PREFIX"],
                settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    keys = set()
    for prefix in prefixes:
        keys |= {key for key in client.scan_iter(match=f"{prefix}*", count=1000)
                 if b":rl:" not in key}
    return keys


def start(client: Client, host: int, **body):
    return client.post("/api/battles", {"prompt": "질문", **body},
                       content_type="application/json", REMOTE_ADDR=NETWORK.format(host))


@pytest.fixture
def network_cap_of_one(settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["1/h"])}


def test_500_refused_battles_leave_sessions_and_redis_as_they_were(entrants, network_cap_of_one):
    # Given a network whose one battle an hour is spent, and 20 of its visitors who have
    # accepted the notice
    assert start(notice_accept(Client()), 1).status_code == 201
    accepted = [notice_accept(Client()) for _ in range(20)]
    sessions, keys = Session.objects.count(), redis_keys()
    # When 500 new visitors of that network (no cookie at all) ask for a battle
    visitor, refused = Client(), []
    for n in range(500):
        visitor.cookies.clear()
        refused.append(start(visitor, 2 + n % 200))
    # and the 20 that accepted the notice ask too
    capped = [start(client, 2 + n) for n, client in enumerate(accepted)]
    # Then each is refused (the new ones for want of the notice, the others by the cap), is
    # given no session cookie, and leaves nothing behind
    assert {response.status_code for response in refused} == {403}
    assert {response.json()["error"]["code"] for response in refused} == {"notice_required"}
    assert {response.status_code for response in capped} == {429}
    assert not any(response.cookies for response in refused + capped)
    assert Session.objects.count() == sessions
    assert redis_keys() == keys
    assert Battle.objects.count() == 1


def test_a_visitor_with_a_session_refused_by_the_cap_keeps_what_they_had(
        entrants, network_cap_of_one):
    client = notice_accept(Client())
    assert start(client, 1).status_code == 201
    sessions, keys = Session.objects.count(), redis_keys()
    assert [start(client, 1).status_code for _ in range(20)] == [429] * 20
    assert Session.objects.count() == sessions and redis_keys() == keys


def test_a_refused_turn_or_vote_creates_no_session(entrants, fresh_cache):
    owner = notice_accept(Client())
    battle_id = start(owner, 1).json()["id"]
    sessions, keys = Session.objects.count(), redis_keys()
    stranger = Client()
    turn = stranger.post(f"/api/battles/{battle_id}/turns", {"prompt": "더"},
                         content_type="application/json")
    vote = stranger.post(f"/api/battles/{battle_id}/vote", {"choice": "a"},
                         content_type="application/json")
    assert turn.status_code == 403 and vote.status_code == 403
    assert not turn.cookies and not vote.cookies
    assert Session.objects.count() == sessions and redis_keys() == keys
    assert Turn.objects.filter(battle_id=battle_id).count() == 1


@pytest.fixture
def pow_on(settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "POW": {**settings.ARENA["POW"], "ENABLED": True,
                                               "MAX_NUMBER": 2000}}


def solve(challenge: dict) -> str:
    found = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = found.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize("bad", [None, "not base64!", base64.b64encode(b'{"number": 1}').decode()])
def test_a_refused_proof_of_work_writes_nothing_not_even_a_counter(entrants, pow_on, bad):
    client = redis.Redis.from_url(settings.REDIS_URL)
    visitor = notice_accept(Client())
    sessions = Session.objects.count()
    before = set(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}*"))
    response = start(visitor, 1, **({} if bad is None else {"pow": bad}))
    assert response.status_code == 400 and response.json()["error"]["code"].startswith("pow_")
    assert not response.cookies
    assert set(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}*")) == before
    assert Session.objects.count() == sessions


def test_a_solution_refused_by_the_cap_is_not_spent(entrants, pow_on, settings):
    # Given a network at its cap and a correct solution
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["0/h"])}
    solution = solve(Client().get("/api/pow").json())
    visitors = [notice_accept(Client()) for _ in range(3)]
    keys, sessions = redis_keys(), Session.objects.count()
    # When the battle is refused by the cap
    assert start(visitors[0], 1, pow=solution).status_code == 429
    # Then the solution was not spent and no session was made: it still starts a battle later
    assert redis_keys() == keys and Session.objects.count() == sessions
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["100/h"])}
    assert start(visitors[1], 1, pow=solution).status_code == 201
    replay = start(visitors[2], 1, pow=solution)
    assert replay.json()["error"]["code"] == "pow_replayed"


def test_a_refused_prompt_spends_no_solution_and_creates_no_session(entrants, pow_on):
    solution = solve(Client().get("/api/pow").json())
    visitors = [notice_accept(Client()) for _ in range(2)]
    keys, sessions = redis_keys(), Session.objects.count()
    refused = visitors[0].post("/api/battles", {"prompt": "   ", "pow": solution},
                               content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "prompt_empty"
    assert redis_keys() == keys and Session.objects.count() == sessions
    assert start(visitors[1], 1, pow=solution).status_code == 201


def test_a_new_voters_first_battle_counts_on_their_own_budget(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["2/h"], ["1000/h"])}
    client = notice_accept(Client())
    assert [start(client, 1).status_code for _ in range(3)] == [201, 201, 429]
