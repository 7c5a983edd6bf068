"""Leaderboard reads replayed in front of Django (config/read_cache.py), through the ASGI app."""
import pytest
import redis.asyncio
from asgiref.sync import sync_to_async
from django.test import Client

from config.read_cache import LeaderboardReadCache
from tests.asgi import CountingDjango, client_for
from tests.factories import EntrantFactory, OrganizerFactory, votes_simulate
from voting import boards

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def django_app():
    return CountingDjango()


@pytest.fixture
def front(django_app):
    return LeaderboardReadCache(django_app)


@pytest.fixture
def field(contest):
    return [EntrantFactory(contest=contest, display_name=f"Model-{i}") for i in range(3)]


def without_date(response):
    return [(k, v) for k, v in response.headers.multi_items() if k != "date"]


async def test_a_board_read_again_is_djangos_answer_until_a_new_snapshot_lands(
    contest, field, front, django_app
):
    await sync_to_async(votes_simulate)(contest, field, 20)
    await sync_to_async(boards.leaderboard_compute)(contest=contest, track="citizen")
    async with client_for(front) as client:
        first = await client.get("/api/leaderboard")
        again = await client.get("/api/leaderboard")
        # The second reader gets Django's answer byte for byte, without Django working again.
        assert first.status_code == again.status_code == 200
        assert again.content == first.content and without_date(again) == without_date(first)
        assert django_app.requests == 1

        # When new votes are counted, then the very next read shows the new board.
        await sync_to_async(votes_simulate)(contest, field, 5, seed=3)
        await sync_to_async(boards.leaderboard_compute)(contest=contest, track="citizen")
        assert (await client.get("/api/leaderboard")).json()["votes"] == 25 != first.json()["votes"]
        assert django_app.requests == 2


async def test_a_contest_phase_change_shows_at_once(contest, front):
    from contest.services import contest_transition

    async with client_for(front) as client:
        assert 'data-phase="open"' in (await client.get("/leaderboard/")).text
        await sync_to_async(contest_transition)(contest=contest, to="paused", actor=None)
        assert 'data-phase="paused"' in (await client.get("/leaderboard/")).text


async def test_each_language_gets_its_own_page_and_board(contest, front):
    async with client_for(front) as korean, \
            client_for(front, cookies={"django_language": "en"}) as english:
        assert '<html lang="ko">' in (await korean.get("/leaderboard/")).text
        assert '<html lang="en">' in (await english.get("/leaderboard/")).text
        assert '<html lang="ko">' in (await korean.get("/leaderboard/")).text
        assert (await english.get("/api/leaderboard")).headers["content-language"] == "en"
        assert (await korean.get("/api/leaderboard")).headers["content-language"] == "ko"


async def test_a_signed_in_page_is_never_replayed_to_anyone(contest, front, django_app):
    browser = Client()
    await sync_to_async(lambda: browser.force_login(OrganizerFactory()))()
    signed_in = {"sessionid": browser.cookies["sessionid"].value}
    async with client_for(front) as anonymous, client_for(front, cookies=signed_in) as own:
        assert "로그아웃" not in (await anonymous.get("/leaderboard/")).text
        # The organizer's page is made for them (the sign-out form), not replayed
        assert "로그아웃" in (await own.get("/leaderboard/")).text
        assert "로그아웃" in (await own.get("/leaderboard/")).text
        # and never handed to the next anonymous visitor.
        assert "로그아웃" not in (await anonymous.get("/leaderboard/")).text
    assert django_app.requests == 3


async def test_the_anonymous_page_sets_no_cookie_and_the_language_switch_needs_no_token(contest):
    from config.asgi import application

    async with client_for(application) as client:
        page = await client.get("/leaderboard/")
        assert page.status_code == 200 and "set-cookie" not in page.headers
        switched = await client.post("/i18n/setlang/", data={"language": "en",
                                                               "next": "/leaderboard/"})
        assert switched.status_code == 302 and switched.headers["location"] == "/leaderboard/"
        assert '<html lang="en">' in (await client.get("/leaderboard/")).text


async def test_errors_and_other_paths_always_reach_django(contest, front, django_app):
    async with client_for(front) as client:
        for _ in range(2):
            assert (await client.get("/api/leaderboard?track=nope")).status_code == 400
            assert (await client.get("/")).status_code == 200
    assert django_app.requests == 4


async def test_without_the_generation_every_read_goes_to_django(contest, front, django_app):
    # When the Redis holding the board's generation does not answer, nothing is replayed.
    unreachable = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    front.redis = lambda: unreachable
    async with client_for(front) as client:
        for _ in range(2):
            assert (await client.get("/api/leaderboard")).status_code == 200
    assert django_app.requests == 2


async def test_a_kept_board_is_never_replayed_to_a_request_for_another_host(contest, front):
    async with client_for(front) as client:
        for _ in range(2):  # the board is computed on the first read, kept from the second
            assert (await client.get("/api/leaderboard")).status_code == 200
        # The same read for a host the site does not serve reaches Django, which refuses it
        refused = await client.get("/api/leaderboard", headers={"host": "evil.example"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_host"
        head = await client.head("/api/leaderboard")
        assert head.status_code == 200 and head.content == b""
