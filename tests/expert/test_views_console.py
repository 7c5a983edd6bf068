"""The organizers' expert-track pages: import with preview, the pipeline, results, disputes."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from expert import judging, services
from expert.models import Adjudication, Answer, Assignment, Pair, Prompt, PromptSet
from tests.factories import EntrantFactory, TeamFactory, expert_make, expert_pairs_make

pytestmark = pytest.mark.django_db


def test_import_previews_then_imports_on_confirmation(organizer_client, contest):
    upload = SimpleUploadedFile("set.csv", "domain,prompt\n법률,전세 보증금 반환 절차\n의료,두통이 잦을 때\n".encode())
    page = organizer_client.post("/console/expert/import/", {"title": "1차", "file": upload, "contest": contest.slug})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="preview"' in text and "전세 보증금 반환 절차" in text
    assert not PromptSet.objects.exists()
    rows = page.context["rows_jsonl"]
    done = organizer_client.post("/console/expert/import/", {"title": "1차", "rows": rows, "confirm": "1", "contest": contest.slug})
    assert done.status_code == 302
    assert list(Prompt.objects.values_list("domain", flat=True)) == ["law", "medicine"]


def test_import_with_bad_rows_names_them_and_imports_nothing(organizer_client, contest):
    upload = SimpleUploadedFile("set.csv", "domain,prompt\n법률,좋은 질문\n천문,별\n법률,\n".encode())
    page = organizer_client.post("/console/expert/import/", {"title": "1차", "file": upload, "contest": contest.slug})
    text = page.content.decode()
    assert 'data-row="3"' in text and 'data-row="4"' in text and 'data-row="2"' not in text
    assert "천문" in text
    assert not PromptSet.objects.exists()


def test_pipeline_buttons_and_progress(organizer_client, contest, monkeypatch):
    monkeypatch.setattr("expert.tasks.answer_generate.delay", lambda answer_id: None)
    [EntrantFactory(contest=contest) for _ in range(3)]
    prompt_set = PromptSet.objects.create(contest=contest, title="세트")
    Prompt.objects.create(prompt_set=prompt_set, domain="law", text="질문")
    organizer_client.post(f"/console/expert/sets/{prompt_set.pk}/", {"action": "generate"})
    page = organizer_client.get(f"/console/expert/?contest={contest.slug}")
    assert "0 / 3" in page.content.decode()
    prompt_set.prompts.first().answers.update(status="done", text="답")
    prompt_set.prompts.first().answers.filter(pk=prompt_set.prompts.first().answers.first().pk).update(status="error")
    page = organizer_client.get(f"/console/expert/?contest={contest.slug}")
    assert "2 / 3, 1개 실패" in page.content.decode()
    organizer_client.post(f"/console/expert/sets/{prompt_set.pk}/", {"action": "pairs"})
    assert Pair.objects.count() == 1
    expert_make(domains=["law"])
    page = organizer_client.post(f"/console/expert/sets/{prompt_set.pk}/", {"action": "assign", "k": "3"}, follow=True)
    assert Assignment.objects.count() == 1
    assert "모자란" in page.content.decode()  # one expert for k = 3
    bad = organizer_client.post(f"/console/expert/sets/{prompt_set.pk}/", {"action": "assign", "k": "0"}, follow=True)
    assert "k" in bad.content.decode() and Assignment.objects.count() == 1


def test_pairs_are_made_only_from_answers_and_more_only_when_asked(organizer_client, contest, monkeypatch):
    monkeypatch.setattr("expert.tasks.answer_generate.delay", lambda answer_id: None)
    [EntrantFactory(contest=contest) for _ in range(4)]
    prompt_set = PromptSet.objects.create(contest=contest, title="세트")
    for n in range(3):
        Prompt.objects.create(prompt_set=prompt_set, domain="law", text=f"질문 {n}")
    url = f"/console/expert/sets/{prompt_set.pk}/"
    organizer_client.post(url, {"action": "generate"})
    overview = organizer_client.get(f"/console/expert/?contest={contest.slug}").content.decode()
    assert 'data-pending="true"' in overview  # the page keeps the progress current
    # Before any answer is done: a clear message, not "0개를 만들었습니다".
    early = organizer_client.post(url, {"action": "pairs"}, follow=True).content.decode()
    assert "완료된 답변이 없어" in early and "0개를 만들었습니다" not in early
    Answer.objects.update(status="done", text="답")
    organizer_client.post(url, {"action": "pairs", "size": "6"})
    assert Pair.objects.count() == 6
    # A second click does not multiply the experts' work: it asks first.
    again = organizer_client.post(url, {"action": "pairs"}, follow=True).content.decode()
    assert "이미 비교 쌍 6개가 있습니다" in again and Pair.objects.count() == 6
    assert 'name="more"' in again and "기존 쌍 6개에 더해 만듭니다" in again
    organizer_client.post(url, {"action": "pairs", "size": "9", "more": "1"})
    assert Pair.objects.count() == 9
    organizer_client.post(url, {"action": "pairs", "more": "1"})  # all the rest: 3 × C(4, 2)
    assert Pair.objects.count() == 18
    none_left = organizer_client.post(url, {"action": "pairs", "more": "1"}, follow=True).content.decode()
    assert "새로 만들 비교 쌍이 없습니다 (이미 18개)" in none_left and Pair.objects.count() == 18


def test_results_and_disputes(organizer_client, contest, settings):
    # Minimums below this small contest's 6 items and 12 judgments per model, so figures show.
    settings.LEADERBOARD = {**settings.LEADERBOARD, "AGREEMENT_MIN_ITEMS": 5, "PROVISIONAL_VOTES": 10}
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=2)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, seed=2)
    for n, expert in enumerate(experts):
        for assignment in Assignment.objects.filter(expert=expert):
            judging.judgment_submit(
                assignment_id=assignment.pk, user=expert, overall="a" if n < 2 else "b",
                criteria={c["key"]: "a" for c in prompt_set.criteria},
                rationale="충분히 긴 판정 근거를 여기에 적었습니다.", seconds=10,
            )
    page = organizer_client.get(f"/console/expert/results/?contest={contest.slug}")
    text = page.content.decode()
    assert page.status_code == 200 and 'id="alpha"' in text and "Kendall" in text
    results = page.context["results"]
    assert results["agreement"]["judgments"] == 18 and len(results["board"]["models"]) == 3
    assert set(results["criteria_boards"]) == {"accuracy", "helpfulness", "korean", "instruction", "safety"}
    # Criteria read as the experts saw them, never as keys; the comparison says how it ranks.
    for label in ("α · 정확성", "기준별 순위: 정확성", "기준별 순위: 한국어 표현", "기준별 순위: 안전성"):
        assert label in text
    assert "α · accuracy" not in text and "기준별 순위: helpfulness" not in text
    assert 'id="comparison-note"' in text and "다시 매긴 순위" in text
    disputes = organizer_client.get(f"/console/expert/disputes/?contest={contest.slug}")
    disputed = disputes.context["pairs"]
    assert disputed  # left/right are random, so "always A" disagrees somewhere
    pair = disputed[0]
    organizer_client.post(f"/console/expert/disputes/{pair.pk}/", {"decision": "answer_1", "note": "1번이 법령을 정확히 인용"})
    organizer_client.post(f"/console/expert/disputes/{pair.pk}/", {"decision": "nonsense", "note": "x"})
    assert list(Adjudication.objects.values_list("decision", flat=True)) == ["answer_1"]


def test_console_is_for_organizers_only(expert_client):
    from django.test import Client

    assert expert_client.get("/console/expert/").status_code == 403
    assert Client().get("/console/expert/results/").status_code == 302


def test_answers_that_name_their_own_team_are_flagged_for_the_organizer(organizer_client, contest):
    entrants = [EntrantFactory(contest=contest, display_name=f"Model{n}") for n in range(2)]
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=1)
    answer = prompt_set.prompts.first().answers.first()
    answer.text = f"저는 {answer.entrant.team.name}에서 만든 모델입니다."
    answer.save()
    page = organizer_client.get(f"/console/expert/?contest={contest.slug}")
    assert f"/admin/expert/answer/{answer.pk}/change/" in page.content.decode()


def test_the_arenas_identity_terms_flag_answers_naming_any_team(organizer_client, contest):
    named = TeamFactory(identity_terms="엑사원, EXAONE")
    entrants = [EntrantFactory(contest=contest, team=named), EntrantFactory(contest=contest)]
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=1)
    other = prompt_set.prompts.first().answers.get(entrant=entrants[1])
    other.text = "저는 EXAONE입니다. 질문에 답하겠습니다."
    other.save()
    page = organizer_client.get(f"/console/expert/?contest={contest.slug}")
    assert f"/admin/expert/answer/{other.pk}/change/" in page.content.decode()


def test_results_show_no_agreement_or_tau_and_mark_boards_provisional_on_few_judgments(
    organizer_client, contest
):
    # Given one judgment on one pair (the defaults ask for 10 items and 30 per model).
    entrants = [EntrantFactory(contest=contest) for _ in range(2)]
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=1)
    expert = expert_make(domains=["law"])
    services.assignments_create(prompt_set=prompt_set, k=1, seed=2)
    assignment = Assignment.objects.filter(expert=expert).first()
    judging.judgment_submit(
        assignment_id=assignment.pk, user=expert, overall="a",
        criteria={c["key"]: "a" for c in prompt_set.criteria},
        rationale="충분히 긴 판정 근거를 여기에 적었습니다.", seconds=10,
    )

    # When the organizer opens the results.
    text = organizer_client.get(f"/console/expert/results/?contest={contest.slug}").content.decode()

    # Then no alpha, kappa or tau is printed, the notes say why, and the board is 잠정
    # with no zero-width interval shown as certain.
    assert 'id="alpha"' not in text and 'id="kendall"' not in text
    assert 'id="agreement-note"' in text and 'id="kendall-note"' in text
    assert "data-provisional" in text and "잠정" in text
    assert " – " not in text.split('id="comparison"')[0].split("전문가 순위")[1]
