"""Battle starts answered in front of Django (arena/fast_start.py), through the ASGI app, on
PostgreSQL.

Each test asks what a citizen sees (the answer, its cookie, the battle stored, both sides'
tasks queued for the workers) and whether Django had to answer: a start that will succeed must
not reach it, every other request must, so that its errors stay Django's own.
"""
import base64
import json
from http.cookies import SimpleCookie

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from arena.fast_start import FastStart
from arena.metrics import BATTLES_STARTED
from arena.models import Battle, Response
from config.celery import app as celery_app
from contest.models import Contest, Entrant
from tests.arena.test_proof_of_work import solve
from tests.asgi import CountingDjango, client_for, django_behind, in_front
from tests.conftest import limits
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def django_app():
    return django_behind("start")


@pytest.fixture
async def front(django_app):
    async with in_front(FastStart, django_app) as app:
        yield app


@pytest.fixture
def queued():
    """The response ids of the generation tasks queued for the workers from now on (this test
    process's queue: a task another test dispatched late may be among them)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = celery_app.conf.task_default_queue
    before = broker.llen(queue)

    def ids():
        new = broker.llen(queue) - before  # pushed at the head of the list
        messages = broker.lrange(queue, 0, new - 1) if new else []
        ids = []
        for message in messages:  # a turn's task names its sides, a side's task the one
            sides = json.loads(base64.b64decode(json.loads(message)["body"]))[0][0]
            ids += sides if isinstance(sides, list) else [sides]
        return sorted(ids)

    return ids


class Visitor:
    """A browser that has loaded the page: its CSRF cookie and token, and its session if any."""

    def __init__(self, *, notice: bool = True):
        browser = Client(enforce_csrf_checks=True)
        browser.get("/")
        self.token = browser.cookies["csrftoken"].value
        if notice:  # accepted on the page, as a citizen does before the composer opens
            browser.post("/", {"notice": "accept", "csrfmiddlewaretoken": self.token})
        self.cookies = {name: morsel.value for name, morsel in browser.cookies.items()}

    async def start(self, app, body=None, *, headers=None, path="/api/battles"):
        async with client_for(app, self.cookies) as client:
            response = await client.post(
                path, content=json.dumps({"prompt": "서울 여행지를 추천해 줘"} if body is None else body),
                headers={"Content-Type": "application/json", "X-CSRFToken": self.token,
                         "Origin": "http://testserver", **(headers or {})},
            )
        for name, morsel in SimpleCookie(response.headers.get("set-cookie", "")).items():
            self.cookies[name] = morsel.value
        return response


async def visitors(n=1):
    return [await sync_to_async(Visitor)() for _ in range(n)]


async def test_a_start_is_stored_queued_and_answered_without_django(entrants, front, django_app, queued):
    (visitor,) = await visitors()
    started = BATTLES_STARTED._value.get()

    response = await visitor.start(front)

    assert response.status_code == 201, response.content
    assert django_app.requests == 0
    body = response.json()
    assert body == {"id": body["id"], "stream": f"/ws/battles/{body['id']}/"}
    assert BATTLES_STARTED._value.get() == started + 1
    session_key = visitor.cookies[settings.SESSION_COOKIE_NAME]
    battle = await sync_to_async(Battle.objects.get)(pk=body["id"])
    assert battle.session_key == session_key
    assert {battle.entrant_a_id, battle.entrant_b_id} <= {e.pk for e in entrants}
    assert battle.entrant_a_id != battle.entrant_b_id
    assert battle.contest_id == entrants[0].contest_id and battle.category_id is None
    responses = await sync_to_async(list)(
        Response.objects.filter(turn__battle=battle).values_list("pk", "side", "entrant_id", "status",
                                                                 "turn__index", "turn__prompt"))
    assert sorted(r[1:] for r in responses) == [
        ("a", battle.entrant_a_id, "pending", 0, "서울 여행지를 추천해 줘"),
        ("b", battle.entrant_b_id, "pending", 0, "서울 여행지를 추천해 줘"),
    ]
    assert {r[0] for r in responses} <= set(queued())  # both sides, for the workers
    assert await sync_to_async(Session.objects.filter(session_key=session_key).exists)()


async def test_the_owner_can_follow_and_read_the_battle_through_django(entrants, front, queued):
    (visitor,) = await visitors()
    body = (await visitor.start(front)).json()

    async with client_for(CountingDjango(), visitor.cookies) as client:
        state = await client.get(f"/api/battles/{body['id']}")

    assert state.status_code == 200, state.content
    assert state.json()["turns"][0]["prompt"] == "서울 여행지를 추천해 줘"


async def test_a_returning_visitor_keeps_its_session(entrants, front, django_app, queued):
    (visitor,) = await visitors()
    first = await visitor.start(front)
    session_key = visitor.cookies[settings.SESSION_COOKIE_NAME]

    second = await visitor.start(front)

    assert second.status_code == 201 and django_app.requests == 0
    assert "set-cookie" not in second.headers  # nothing new to say
    assert await sync_to_async(Battle.objects.filter(session_key=session_key).count)() == 2
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.parametrize("returning", [False, True])
async def test_the_answer_is_the_one_django_gives(entrants, front, django_app, queued, returning):
    by_django, in_front = await visitors(2)
    if returning:
        for visitor in (by_django, in_front):
            await visitor.start(django_app)

    django_answer = await by_django.start(django_app)
    front_answer = await in_front.start(front)

    assert django_app.requests == (3 if returning else 1)
    assert django_answer.status_code == front_answer.status_code == 201

    def headers(response):
        return {k: v for k, v in response.headers.items() if k not in ("content-length", "date", "set-cookie")}

    def cookies(response):
        cookie = SimpleCookie(response.headers.get("set-cookie", ""))
        return {name: {k: v for k, v in morsel.items() if k != "expires"} for name, morsel in cookie.items()}

    assert headers(front_answer) == headers(django_answer)
    assert cookies(front_answer) == cookies(django_answer)
    assert set(front_answer.json()) == set(django_answer.json()) == {"id", "stream"}


async def test_a_category_is_stored_with_the_battle(entrants, front, django_app, queued):
    category = await sync_to_async(CategoryFactory)()
    (visitor,) = await visitors()

    response = await visitor.start(front, {"prompt": "질문", "category": category.slug})

    assert response.status_code == 201 and django_app.requests == 0
    battle = await sync_to_async(Battle.objects.get)(pk=response.json()["id"])
    assert battle.category_id == category.pk


@pytest.mark.parametrize("body, headers, status, code", [
    ({"prompt": ""}, None, 400, "prompt_empty"),
    ({"prompt": "가" * 4001}, None, 400, "prompt_too_long"),
    ({"prompt": 123}, None, 400, "invalid"),
    ({}, None, 400, "invalid"),
    ({"prompt": "질문", "category": "no-such"}, None, 400, "invalid"),
    ({"prompt": "질문", "extra": 1}, None, 201, None),  # Django's schema ignores it: Django's to say
    ({"prompt": "질문"}, {"X-CSRFToken": "wrong"}, 403, "csrf_failed"),
])
async def test_a_start_that_would_be_refused_is_djangos_to_answer(
        entrants, front, django_app, queued, body, headers, status, code):
    (visitor,) = await visitors()

    response = await visitor.start(front, body, headers=headers)

    assert django_app.requests == 1
    assert response.status_code == status, response.content
    if code:
        assert response.json()["error"]["code"] == code
        assert await sync_to_async(Battle.objects.count)() == 0


@pytest.mark.parametrize("contest_change", ["paused", "too_few_entrants"])
async def test_a_contest_that_cannot_start_a_battle_is_djangos_to_answer(
        entrants, front, django_app, queued, contest_change):
    if contest_change == "paused":
        await sync_to_async(Contest.objects.update)(phase=Contest.Phase.PAUSED)
    else:
        await sync_to_async(Entrant.objects.exclude(pk=entrants[0].pk).update)(enabled=False)
    (visitor,) = await visitors()

    response = await visitor.start(front)

    assert django_app.requests == 1
    assert response.status_code in (409, 503), response.content
    assert await sync_to_async(Battle.objects.count)() == 0  # and so no task: it follows the write


async def test_a_rate_limited_start_is_refused_by_django_and_counted_once(
        entrants, front, django_app, queued, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["2/h"], ["100/h"])}
    (visitor,) = await visitors()

    answers = [(await visitor.start(front)).status_code for _ in range(3)]

    assert answers == [201, 201, 429]
    assert django_app.requests == 1  # the refused one only
    assert await sync_to_async(Battle.objects.count)() == 2


def counters() -> dict[bytes, int]:
    """The rate-limit counters of this test's cache namespace, by key."""
    broker = redis.Redis.from_url(settings.REDIS_URL)
    keys = broker.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*rl:*")
    return {key: int(broker.get(key)) for key in keys}


async def test_a_start_refused_by_the_cap_is_counted_once_not_in_both_paths(
        entrants, front, django_app, queued, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["2/h"], ["100/h"])}
    (visitor,) = await visitors()

    answers = [(await visitor.start(front)).status_code for _ in range(4)]

    # Four attempts: the voter's counter and the network's say four, not six
    assert answers == [201, 201, 429, 429] and django_app.requests == 2
    assert sorted(counters().values()) == [4, 4]


async def test_a_made_up_session_cookie_starts_nothing_and_opens_no_counters(
        entrants, front, django_app, queued, settings, fresh_cache):
    (visitor,) = await visitors()
    await visitor.start(front)
    before = counters()
    forger = await sync_to_async(Visitor)(notice=False)
    refused = []
    for n in range(20):
        forger.cookies[settings.SESSION_COOKIE_NAME] = f"madeup{n:02d}sessionkey0123456789abcdef"
        refused.append(await forger.start(front))

    assert {response.status_code for response in refused} == {403}
    assert {response.json()["error"]["code"] for response in refused} == {"notice_required"}
    assert counters() == before
    assert await sync_to_async(Battle.objects.count)() == 1


async def test_a_solved_challenge_starts_once_on_the_fast_path(
        entrants, front, django_app, queued, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "POW": {**settings.ARENA["POW"], "ENABLED": True,
                                               "MAX_NUMBER": 2000}}
    (visitor,) = await visitors()
    async with client_for(django_app) as client:
        solution = solve((await client.get("/api/pow")).json())

    accepted = await visitor.start(front, {"prompt": "질문", "pow": solution})
    replayed = await visitor.start(front, {"prompt": "질문", "pow": solution})
    missing = await visitor.start(front, {"prompt": "질문"})

    assert accepted.status_code == 201 and django_app.requests == 3  # the challenge, then the two refused
    assert replayed.status_code == 400 and replayed.json()["error"]["code"] == "pow_replayed"
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "pow_required"
    assert await sync_to_async(Battle.objects.count)() == 1


async def test_the_fast_path_draws_as_the_contest_says_and_records_the_pairs_probability(
        entrants, front, django_app, queued):
    # Given a contest drawing toward the decision, with one pair favoured in the cache
    from arena import draw

    contest = await sync_to_async(Contest.objects.get)(pk=entrants[0].contest_id)
    contest.pair_draw = Contest.PairDraw.DECISION
    await sync_to_async(contest.save)()
    ids = [entrant.pk for entrant in entrants]
    probabilities = {(a, b): 0.0001 for i, a in enumerate(ids) for b in ids[i + 1:]}
    probabilities[(ids[0], ids[1])] = 1 - 0.0001 * (len(probabilities) - 1)
    await sync_to_async(draw.draw_probabilities_store)(contest_id=contest.pk, probabilities=probabilities)
    (visitor,) = await visitors()

    response = await visitor.start(front)

    # Then the fast path stored it, with the favoured pair and its probability
    assert response.status_code == 201 and django_app.requests == 0
    battle = await sync_to_async(Battle.objects.get)(pk=response.json()["id"])
    assert {battle.entrant_a_id, battle.entrant_b_id} == {ids[0], ids[1]}
    assert battle.pair_probability == pytest.approx(probabilities[(ids[0], ids[1])])
    await sync_to_async(draw.draw_probabilities_store)(contest_id=contest.pk, probabilities=None)
