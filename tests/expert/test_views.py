"""The expert's pages: their queue with progress, an item, and nothing that names a team or model."""
import html
import re

import pytest

from expert import services
from expert.models import Assignment
from tests.factories import EntrantFactory, TeamFactory, UserFactory, expert_make, expert_pairs_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(contest):
    teams = [TeamFactory(name=f"비밀팀{n}") for n in range(3)]
    entrants = [EntrantFactory(contest=contest, team=t, display_name=f"SecretModel{n}") for n, t in enumerate(teams)]
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=2)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, seed=1)
    return {"experts": experts, "names": [e.display_name for e in entrants] + [t.name for t in teams]}


def test_queue_page_shows_progress_and_links_to_the_next_item(client, queue):
    client.force_login(queue["experts"][0])
    page = client.get("/expert/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "0 / 6" in text
    first = Assignment.objects.filter(expert=queue["experts"][0]).order_by("position").first()
    assert f'href="/expert/items/{first.pk}/"' in text
    for name in queue["names"]:
        assert name not in text


def test_item_page_shows_the_rubric_and_no_identity(client, queue):
    client.force_login(queue["experts"][0])
    item = Assignment.objects.filter(expert=queue["experts"][0]).first()
    page = client.get(f"/expert/items/{item.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("정확성", "유용성", "한국어 표현", "지시 이행", "안전성", "둘 다 부족", "판정 근거"):
        assert label in text
    for name in queue["names"]:
        assert name not in text
    assert "<script>" not in text.replace('<script id="item-data" type="application/json">', "")
    assert 'style="' not in text


def test_the_rubric_says_what_each_criterion_asks_in_the_pages_language(client, queue):
    client.force_login(queue["experts"][0])
    item = Assignment.objects.filter(expert=queue["experts"][0]).first()
    korean = client.get(f"/expert/items/{item.pk}/").content.decode()
    assert 'id="criterion-accuracy"' in korean and 'href="#criterion-accuracy"' in korean
    assert "사실, 수치, 계산, 인용이 맞는가" in korean
    # Each criterion has a worked example, folded under it
    assert korean.count('<details class="criterion-example"') == 5
    assert "태조 이성계" in example_of(korean, "accuracy")
    client.cookies["django_language"] = "en"
    english = client.get(f"/expert/items/{item.pk}/").content.decode()
    for label in ("Accuracy", "Helpfulness", "Korean language", "Following instructions", "Safety"):
        assert label in english
    assert "정확성" not in english and "Are the facts, figures" in english
    assert "<summary>See an example</summary>" in english
    assert example_of(english, "accuracy").startswith("Example: asked")
    assert "태조" not in english
    # The API sends the same rubric.
    rubric = client.get("/api/expert/next").json()["criteria"]
    assert rubric[0] == {"key": "accuracy", "label": "Accuracy",
                         "description": english.split('id="criterion-accuracy-help">')[1].split("</p>")[0],
                         "example": html.unescape(example_of(english, "accuracy"))}


def example_of(page: str, key: str) -> str:
    return page.split(f'id="criterion-{key}-example">')[1].split("<p>")[1].split("</p>")[0]


def test_an_organizers_own_criterion_is_shown_as_written(client, queue):
    from expert.models import PromptSet

    PromptSet.objects.update(criteria=[
        {"key": "tone", "label": "어조", "description": "공손한가", "example": "<b>반말</b>로 답하면 불리합니다"},
        {"key": "length", "label": "길이"},
    ])
    client.force_login(queue["experts"][0])
    item = Assignment.objects.filter(expert=queue["experts"][0]).first()
    page = client.get(f"/expert/items/{item.pk}/").content.decode()
    assert "어조" in page and "공손한가" in page
    # its example as text, never as markup; a criterion without one offers none
    assert example_of(page, "tone") == "&lt;b&gt;반말&lt;/b&gt;로 답하면 불리합니다"
    assert 'id="criterion-length-example"' not in page


def test_the_queue_tells_apart_the_pairs_of_one_prompt(client, queue):
    client.force_login(queue["experts"][0])
    text = client.get("/expert/").content.decode()
    mine = Assignment.objects.filter(expert=queue["experts"][0]).select_related("pair")
    repeats = max(sum(1 for a in mine if a.pair.prompt_id == b.pair.prompt_id) for b in mine)
    assert repeats > 1  # the fixture gives one expert several pairs of a prompt
    assert f"같은 질문, 다른 모델 쌍 1/{repeats}" in text
    assert f"같은 질문, 다른 모델 쌍 {repeats}/{repeats}" in text


def test_someone_elses_item_page_is_forbidden_and_unknown_is_404(client, queue):
    client.force_login(queue["experts"][0])
    other = Assignment.objects.filter(expert=queue["experts"][1]).first()
    assert client.get(f"/expert/items/{other.pk}/").status_code == 403
    assert client.get("/expert/items/999999/").status_code == 404


def test_pages_need_an_expert_login(client, queue):
    assert client.get("/expert/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/expert/").status_code == 403


def test_next_page_goes_to_the_first_unjudged_item(client, queue):
    client.force_login(queue["experts"][0])
    first = Assignment.objects.filter(expert=queue["experts"][0]).order_by("position").first()
    assert client.get("/expert/next/").url == f"/expert/items/{first.pk}/"


def test_after_the_contest_closes_the_queue_and_the_item_say_judging_has_ended(client, queue, contest):
    from contest.models import Contest
    from contest.services import contest_transition

    expert = queue["experts"][0]
    client.force_login(expert)
    item = Assignment.objects.filter(expert=expert).order_by("position").first()
    # Given a contest closed while the expert still had items.
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)

    # Then the queue offers no way to go on, and says why.
    text = client.get("/expert/").content.decode()
    assert 'id="start"' not in text and "이어서 평가하기" not in text and "평가 시작" not in text
    assert 'id="judging-closed"' in text and "평가가 끝났습니다" in text
    # And an item shows its answers but no rubric.
    page = client.get(f"/expert/items/{item.pk}/").content.decode()
    assert 'id="judgment-form"' not in page and "판정 근거" not in page
    assert "평가가 끝났습니다" in page


def test_while_the_contest_is_paused_the_queue_says_it_will_reopen(client, queue, contest):
    from contest.models import Contest
    from contest.services import contest_transition

    client.force_login(queue["experts"][0])
    contest_transition(contest=contest, to=Contest.Phase.PAUSED)
    text = client.get("/expert/").content.decode()
    assert 'id="start"' not in text and 'data-judging="waiting"' in text and "다시 열리면" in text


def test_progress_counts_skipped_items_apart_from_judged_ones(client, queue):
    expert = queue["experts"][0]
    client.force_login(expert)
    first = Assignment.objects.filter(expert=expert).order_by("position").first()
    response = client.post(f"/api/expert/items/{first.pk}/skip", {"reason": "의료 분야라 판단이 어렵습니다"},
                           content_type="application/json")
    assert response.status_code == 200
    text = " ".join(html.unescape(re.sub("<[^>]+>", "", client.get("/expert/").content.decode())).split())
    assert "판정 0 / 6" in text and "건너뜀 1" in text
    # The expert has begun: the button goes on rather than starting over.
    assert "이어서 평가하기" in text
