"""The battle and vote JSON API, through Django's test client, error by error."""
import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from arena.models import Battle, Response
from arena.notice import NOTICE_ACCEPTED
from contest.models import Contest
from tests.conftest import notice_accept
from voting.models import Vote

pytestmark = pytest.mark.django_db


def post(client, url, body=None, **extra):
    return client.post(url, body if body is not None else {}, content_type="application/json", **extra)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def battle_finish(battle_id):
    Response.objects.filter(turn__battle_id=battle_id).update(status=Response.Status.DONE, text="답")


@pytest.fixture
def client(db):
    return notice_accept(Client())


@pytest.fixture
def started(client, entrants):
    response = post(client, "/api/battles", {"prompt": "안녕하세요"})
    assert response.status_code == 201
    return response.json()["id"]


def test_start_battle_returns_id_and_stream(client, entrants):
    response = post(client, "/api/battles", {"prompt": "한국의 수도는?"})

    assert response.status_code == 201
    body = response.json()
    assert body["stream"] == f"/ws/battles/{body['id']}/"
    assert Battle.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    "body, code",
    [
        ({"prompt": ""}, "prompt_empty"),
        ({"prompt": "   "}, "prompt_empty"),
        ({}, "invalid"),
        ({"prompt": 123}, "invalid"),
        ({"prompt": "가" * 4001}, "prompt_too_long"),
        ({"prompt": "질문", "category": "no-such"}, "invalid"),
        ({"prompt": "질문", "category": {"x": 1}}, "invalid"),
    ],
)
def test_start_battle_bad_input_is_400_and_stores_nothing(client, entrants, body, code):
    assert_error(post(client, "/api/battles", body), 400, code)
    assert Battle.objects.count() == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"prompt"', "\xff\xfe"])
def test_malformed_json_is_400(client, entrants, raw):
    response = client.post("/api/battles", raw, content_type="application/json")
    assert_error(response, 400, "invalid")


def test_huge_body_is_413(client, entrants):
    response = post(client, "/api/battles", {"prompt": "가" * 200_000})
    assert_error(response, 413, "too_large")
    assert Battle.objects.count() == 0


def test_wrong_method_is_405(client, started):
    assert_error(client.get("/api/battles"), 405, "method_not_allowed")
    assert_error(post(client, f"/api/battles/{started}"), 405, "method_not_allowed")


def test_unknown_api_path_is_json_404(client, db):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_closed_contest_is_409(client, entrants, contest):
    contest.phase = Contest.Phase.CLOSED
    contest.save()
    assert_error(post(client, "/api/battles", {"prompt": "질문"}), 409, "contest_closed")


def test_no_entrants_is_503(client, contest):
    assert_error(post(client, "/api/battles", {"prompt": "질문"}), 503, "no_entrants")




def test_battle_state_for_owner_hides_identity(client, started, entrants):
    body = client.get(f"/api/battles/{started}").json()

    assert body["id"] == started
    assert body["status"] == "streaming"
    assert body["reveal"] is None
    assert body["turns"][0]["prompt"] == "안녕하세요"
    assert set(body["turns"][0]) == {"prompt", "a", "b"}
    for entrant in entrants:
        assert entrant.display_name not in str(body) and entrant.team.name not in str(body)


def test_a_paced_battle_shows_no_side_finished_before_the_other(client, started):
    # Given side A finished and side B still streaming, in a contest that paces its streams
    Response.objects.filter(turn__battle_id=started, side="a").update(status="done", text="빠른 답")
    Response.objects.filter(turn__battle_id=started, side="b").update(status="streaming")
    # When the owner polls the battle, both sides read alike: streaming, no text yet
    turn = client.get(f"/api/battles/{started}").json()["turns"][0]
    assert {side: (turn[side]["status"], turn[side]["text"]) for side in "ab"} == {
        "a": ("streaming", ""), "b": ("streaming", "")}
    # When the setting is off, the true state shows
    Contest.objects.update(paced_streams=False)
    turn = client.get(f"/api/battles/{started}").json()["turns"][0]
    assert (turn["a"]["status"], turn["a"]["text"], turn["b"]["status"]) == ("done", "빠른 답", "streaming")


def test_a_paced_battle_shows_a_failed_side_and_the_other_at_once(client, started):
    Response.objects.filter(turn__battle_id=started, side="a").update(status="done", text="다 쓴 답")
    Response.objects.filter(turn__battle_id=started, side="b").update(status="error", error_code="timeout")
    turn = client.get(f"/api/battles/{started}").json()["turns"][0]
    assert (turn["a"]["status"], turn["a"]["text"], turn["b"]["status"]) == ("done", "다 쓴 답", "error")


def test_unknown_battle_is_404(client, db):
    url = "/api/battles/00000000-0000-0000-0000-000000000000"
    assert_error(client.get(url), 404, "not_found")
    assert_error(post(client, url + "/vote", {"choice": "a"}), 404, "not_found")
    assert_error(post(client, url + "/turns", {"prompt": "다음"}), 404, "not_found")


def test_malformed_battle_id_is_json_404(client, db):
    assert_error(client.get("/api/battles/not-a-uuid"), 404, "not_found")


def test_someone_elses_battle_is_403_everywhere(started):
    battle_finish(started)
    stranger = notice_accept(Client())
    assert_error(stranger.get(f"/api/battles/{started}"), 403, "forbidden")
    assert_error(post(stranger, f"/api/battles/{started}/vote", {"choice": "a"}), 403, "forbidden")
    assert_error(post(stranger, f"/api/battles/{started}/turns", {"prompt": "x"}), 403, "forbidden")
    assert not Vote.objects.exists()


def test_vote_before_both_sides_finished_is_409(client, started):
    Response.objects.filter(turn__battle_id=started, side="a").update(status="done")
    assert_error(post(client, f"/api/battles/{started}/vote", {"choice": "a"}), 409, "not_votable")
    assert not Vote.objects.exists()


@pytest.mark.parametrize("body", [{"choice": "c"}, {"choice": None}, {}, {"choice": ["a"]}])
def test_invalid_choice_is_400(client, started, body):
    battle_finish(started)
    assert_error(post(client, f"/api/battles/{started}/vote", body), 400, "invalid")
    assert not Vote.objects.exists()


def test_vote_reveals_and_second_vote_is_409(client, started):
    battle_finish(started)
    battle = Battle.objects.select_related("entrant_a__team", "entrant_b__team").get(pk=started)

    response = post(client, f"/api/battles/{started}/vote", {"choice": "both_bad"})

    assert response.status_code == 200
    assert response.json()["reveal"]["a"] == {
        "team": battle.entrant_a.team.name,
        "model": battle.entrant_a.display_name,
    }
    state = client.get(f"/api/battles/{started}").json()
    assert state["status"] == "voted" and state["reveal"]["b"]["team"] == battle.entrant_b.team.name
    assert_error(post(client, f"/api/battles/{started}/vote", {"choice": "a"}), 409, "already_voted")
    assert Vote.objects.get().choice == "both_bad"


def test_vote_in_closed_contest_is_409(client, started, contest):
    battle_finish(started)
    contest.phase = Contest.Phase.CLOSED
    contest.save()
    assert_error(post(client, f"/api/battles/{started}/vote", {"choice": "a"}), 409, "contest_closed")


def test_follow_up_turn_is_201_and_errors_are_409(client, started):
    assert_error(post(client, f"/api/battles/{started}/turns", {"prompt": "다음"}), 409, "turn_not_allowed")
    battle_finish(started)
    response = post(client, f"/api/battles/{started}/turns", {"prompt": "다음"})
    assert response.status_code == 201 and response.json()["turn"] == 1
    assert_error(post(client, f"/api/battles/{started}/turns", {"prompt": ""}), 400, "prompt_empty")


def test_api_refuses_post_without_csrf_token_from_a_browser(entrants):
    browser = Client(enforce_csrf_checks=True)
    assert_error(post(browser, "/api/battles", {"prompt": "질문"}), 403, "csrf_failed")
    assert Battle.objects.count() == 0


def test_battle_page_is_korean_and_names_no_model(client, entrants):
    page = client.get("/").content.decode()
    assert '<html lang="ko">' in page
    assert "A가 더 좋음" in page and "둘 다 별로" in page
    for entrant in entrants:
        assert entrant.display_name not in page and entrant.team.name not in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_page_stays_korean_for_an_english_browser_until_english_is_chosen(client, db):
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    assert '<html lang="ko">' in client.get("/", **english_browser).content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/", **english_browser).content.decode()
    assert '<html lang="en">' in page and "A is better" in page


def test_vote_without_a_free_database_connection_is_json_503(client, started, monkeypatch):
    from django.db import OperationalError

    def pool_exhausted(**kwargs):
        raise OperationalError("couldn't get a connection after 10.00 sec")

    battle_finish(started)
    monkeypatch.setattr("voting.services.vote_cast", pool_exhausted)

    response = post(client, f"/api/battles/{started}/vote", {"choice": "a"})

    assert_error(response, 503, "unavailable")
    assert response["Retry-After"] == "2"
    assert not Vote.objects.exists()


def test_a_start_from_a_session_that_never_accepted_the_notice_is_refused_and_creates_nothing(entrants):
    # Given an API client that never saw the notice (no session), and one with a made-up cookie
    sessions = Session.objects.count()
    newcomer, forger = Client(), Client()
    forger.cookies["sessionid"] = "madeupsessionkey0123456789abcdef"

    for visitor in (newcomer, forger):
        # When it sends a prompt
        refused = post(visitor, "/api/battles", {"prompt": "내 전화번호는 010-1234-5678이야"})

        # Then nothing goes to the teams: a clear 403 that says what to do, and nothing stored
        assert_error(refused, 403, "notice_required")
        assert "/privacy/" in refused.json()["error"]["message"]
    assert Battle.objects.count() == 0 and Session.objects.count() == sessions


def test_an_api_client_accepts_the_notice_explicitly_then_starts(entrants):
    visitor = Client()

    accepted = post(visitor, "/api/notice", {"accept": True})

    assert accepted.status_code == 200
    assert accepted.json() == {"accepted": True, "privacy": "/privacy/"}
    assert post(visitor, "/api/battles", {"prompt": "안녕"}).status_code == 201


@pytest.mark.parametrize("body", [{}, {"accept": False}, {"accept": "yes"}, {"accept": 1}])
def test_anything_but_an_explicit_acceptance_is_400_and_creates_no_session(entrants, body):
    sessions = Session.objects.count()
    assert_error(post(Client(), "/api/notice", body), 400, "invalid")
    assert Session.objects.count() == sessions


def test_the_page_s_acceptance_counts_for_the_api_too(entrants):
    visitor = Client()
    visitor.post("/", {"notice": "accept"})
    assert post(visitor, "/api/battles", {"prompt": "안녕"}).status_code == 201


def test_a_turn_from_a_session_without_the_notice_is_refused(client, started):
    # Given the owner's session no longer holds the acceptance
    battle_finish(started)
    session = client.session
    del session[NOTICE_ACCEPTED]
    session.save()

    refused = post(client, f"/api/battles/{started}/turns", {"prompt": "더 알려 줘"})

    assert_error(refused, 403, "notice_required")
    assert Battle.objects.get(pk=started).turns.count() == 1
