"""What a citizen is told when a battle cannot start or the contest is paused (issue 32): which
limit was met and when to come back; why the contest stopped and since when."""
import pytest
from django.test import Client

from contest.models import Contest
from contest.services import contest_transition
from tests.conftest import notice_accept
from tests.arena.test_api import assert_error, post
from tests.factories import OrganizerFactory

pytestmark = pytest.mark.django_db


def battle_limits(settings, voter, network):
    settings.ARENA = {**settings.ARENA, "LIMITS": {
        **settings.ARENA["LIMITS"], "battle": {"voter": voter, "network": network}}}


def test_a_capped_start_says_the_hourly_limit_and_when_to_come_back(entrants, settings, fresh_cache):
    battle_limits(settings, ["2/h"], ["100/h"])
    client = notice_accept(Client())
    assert [post(client, "/api/battles", {"prompt": "질문"}).status_code for _ in range(2)] == [201, 201]

    refused = post(client, "/api/battles", {"prompt": "질문"})

    assert_error(refused, 429, "rate_limited")
    message = refused.json()["error"]["message"]
    assert "한 사람이 한 시간에 시작할 수 있는 대결 2번을 모두 썼습니다" in message
    assert "분 뒤에 다시 시도해 주세요" in message
    assert refused["Retry-After"]


def test_a_network_cap_says_it_is_the_networks_and_per_day(entrants, settings, fresh_cache):
    battle_limits(settings, ["100/h"], ["1/d"])
    assert post(notice_accept(Client()), "/api/battles", {"prompt": "질문"}).status_code == 201

    refused = post(notice_accept(Client()), "/api/battles", {"prompt": "질문"})  # another browser, same network

    assert_error(refused, 429, "rate_limited")
    message = refused.json()["error"]["message"]
    assert "같은 네트워크" in message and "하루에" in message and "1번" in message


def test_no_two_models_says_so_and_what_to_do(entrants):
    entrants[1].__class__.objects.exclude(pk=entrants[0].pk).update(enabled=False)
    refused = post(notice_accept(Client()), "/api/battles", {"prompt": "질문"})
    assert_error(refused, 503, "no_entrants")
    assert "잠시 후 다시 시도해 주세요" in refused.json()["error"]["message"]


def test_the_paused_page_gives_the_organizers_reason_and_since_when(client, contest):
    contest_transition(contest=contest, to=Contest.Phase.PAUSED, actor=OrganizerFactory(),
                       reason="모델 서버 점검 중입니다")

    page = client.get("/").content.decode()

    assert "부터 잠시 멈췄습니다" in page
    assert "사유: 모델 서버 점검 중입니다" in page
    assert "다시 열리면 이 페이지에서 바로 대결할 수 있습니다" in page


def test_a_pause_without_a_reason_still_says_since_when(client, contest):
    contest_transition(contest=contest, to=Contest.Phase.PAUSED, actor=OrganizerFactory())
    page = client.get("/").content.decode()
    assert "부터 잠시 멈췄습니다" in page and "사유:" not in page
