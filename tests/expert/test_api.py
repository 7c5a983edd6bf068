"""The expert's JSON API: their queue, one judgment per item, refusals that change nothing."""
import json

import pytest

from expert import services
from expert.models import Assignment, ExpertJudgment
from tests.factories import EntrantFactory, TeamFactory, UserFactory, expert_make, expert_pairs_make

pytestmark = pytest.mark.django_db

GOOD = {
    "criteria": {"accuracy": "a", "helpfulness": "b", "korean": "tie", "instruction": "a", "safety": "tie"},
    "overall": "a",
    "rationale": "A가 법 조항을 정확히 인용했고 B는 기한을 틀렸습니다.",
    "seconds": 95,
}


@pytest.fixture
def queue(contest):
    teams = [TeamFactory(name=f"비밀팀{n}") for n in range(3)]
    entrants = [EntrantFactory(contest=contest, team=t, display_name=f"SecretModel{n}") for n, t in enumerate(teams)]
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=2)  # 6 pairs
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, seed=1)
    return {"experts": experts, "pairs": pairs, "entrants": entrants, "teams": teams}


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def login(client, user):
    client.force_login(user)
    return client


def test_expert_gets_next_item_without_any_identity(client, queue):
    login(client, queue["experts"][0])
    response = client.get("/api/expert/next")
    assert response.status_code == 200
    item = response.json()
    assert set(item) >= {"id", "prompt", "a", "b", "criteria", "progress"}
    assert item["progress"] == {"done": 0, "skipped": 0, "total": 6}
    assert item["judging"] == "open"
    assert [c["label"] for c in item["criteria"]] == ["정확성", "유용성", "한국어 표현", "지시 이행", "안전성"]
    body = response.content.decode()
    for name in [e.display_name for e in queue["entrants"]] + [t.name for t in queue["teams"]]:
        assert name not in body


def test_a_judgment_is_recorded_once_and_the_queue_moves_on(client, queue):
    login(client, queue["experts"][0])
    item = client.get("/api/expert/next").json()
    response = post(client, f"/api/expert/items/{item['id']}/judgment", GOOD)
    assert response.status_code == 201
    assert response.json()["progress"] == {"done": 1, "skipped": 0, "total": 6}
    assert response.json()["next"] not in (None, item["id"])
    judgment = ExpertJudgment.objects.get(assignment_id=item["id"])
    assert judgment.overall == "a" and judgment.seconds == 95
    # A second submission is refused and changes nothing.
    again = post(client, f"/api/expert/items/{item['id']}/judgment", {**GOOD, "overall": "b"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_judged"
    assert ExpertJudgment.objects.get(assignment_id=item["id"]).overall == "a"


def test_someone_elses_item_is_refused(client, queue):
    other = Assignment.objects.filter(expert=queue["experts"][1]).first()
    login(client, queue["experts"][0])
    response = post(client, f"/api/expert/items/{other.pk}/judgment", GOOD)
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_assigned"
    assert client.get(f"/api/expert/items/{other.pk}").status_code == 403
    assert not ExpertJudgment.objects.exists()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"criteria": {**GOOD["criteria"], "safety": None}}, "rubric_incomplete"),
        ({"criteria": {"accuracy": "a"}}, "rubric_incomplete"),
        ({"overall": None}, "rubric_incomplete"),
        ({"rationale": "좋음"}, "rationale_too_short"),
        ({"rationale": "                              "}, "rationale_too_short"),
        ({"overall": "left"}, "rubric_incomplete"),
        ({"criteria": {**GOOD["criteria"], "accuracy": "both_bad"}}, "invalid"),
        ({"criteria": {**GOOD["criteria"], "style": "a"}}, "invalid"),
        ({"seconds": -1}, "invalid"),
        ({"seconds": "ten"}, "invalid"),
        ({"rationale": 12345}, "invalid"),
    ],
)
def test_an_incomplete_or_malformed_judgment_is_refused_and_changes_nothing(client, queue, change, code):
    login(client, queue["experts"][0])
    item = client.get("/api/expert/next").json()
    response = post(client, f"/api/expert/items/{item['id']}/judgment", {**GOOD, **change})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not ExpertJudgment.objects.exists()
    assert Assignment.objects.get(pk=item["id"]).status == "assigned"


def test_the_missing_criteria_are_named(client, queue):
    login(client, queue["experts"][0])
    item = client.get("/api/expert/next").json()
    response = post(client, f"/api/expert/items/{item['id']}/judgment", {**GOOD, "criteria": {"accuracy": "a"}})
    message = response.json()["error"]["message"]
    assert "safety" in message and "korean" in message


def test_drafts_are_kept_and_skips_need_a_reason(client, queue):
    login(client, queue["experts"][0])
    item = client.get("/api/expert/next").json()
    saved = client.put(f"/api/expert/items/{item['id']}/draft", json.dumps({"overall": "b", "rationale": "작성 중"}),
                       content_type="application/json")
    assert saved.status_code == 200
    assert client.get(f"/api/expert/items/{item['id']}").json()["draft"]["rationale"] == "작성 중"
    refused = post(client, f"/api/expert/items/{item['id']}/skip", {"reason": ""})
    assert refused.status_code == 400
    skipped = post(client, f"/api/expert/items/{item['id']}/skip", {"reason": "의료 분야라 판단이 어렵습니다"})
    # A skipped item is not done (nobody judged it): progress counts it apart.
    assert skipped.status_code == 200 and skipped.json()["progress"] == {"done": 0, "skipped": 1, "total": 6}
    assert post(client, f"/api/expert/items/{item['id']}/judgment", GOOD).status_code == 409


def test_the_queue_ends_with_204(client, contest):
    login(client, expert_make())
    assert client.get("/api/expert/next").status_code == 204


def test_only_experts_may_use_the_api(client, queue):
    assert client.get("/api/expert/next").status_code == 401
    client.force_login(UserFactory())
    response = client.get("/api/expert/next")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_a_closed_contest_takes_no_judgment(client, queue, contest):
    contest.phase = "closed"
    contest.save()
    login(client, queue["experts"][0])
    item = Assignment.objects.filter(expert=queue["experts"][0]).first()
    response = post(client, f"/api/expert/items/{item.pk}/judgment", GOOD)
    assert response.status_code == 409 and response.json()["error"]["code"] == "contest_closed"
