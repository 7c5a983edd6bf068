"""The organizers' console: who may see it, what it shows, its buttons and its downloads."""
import html
import json

import pytest
from django.urls import reverse

from arena.models import Response
from config.celery import app
from contest.models import Contest, ContestTransition
from tests.factories import ContestFactory, EntrantFactory, UserFactory, votes_simulate
from voting import export_jobs
from voting.models import Vote


@pytest.fixture
def demo(db):
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo")
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    votes_simulate(contest, entrants, 12)
    Vote.objects.filter(pk=Vote.objects.order_by("pk").first().pk).update(excluded="봇 의심")
    Response.objects.filter(entrant=entrants[2]).update(status="error", error_code="timeout")
    return contest


@pytest.fixture
def eager_celery(settings, tmp_path):
    # The real task code runs in the request's thread, so a test sees the finished export.
    settings.EXPORTS_DIR = tmp_path
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def finished_job(demo, eager_celery):
    job_id = export_jobs.export_job_start(contest=demo, kind="dataset")
    export_jobs.export_job_run(job_id=job_id, contest_id=demo.pk, kind="dataset")
    return job_id


def console_urls(job_id: str) -> list[tuple[str, str]]:
    return [
        ("get", reverse("console")),
        ("get", reverse("console-data")),
        ("post", reverse("console-transition")),
        ("post", reverse("console-export-start")),
        ("get", reverse("console-export", args=[job_id])),
        ("get", reverse("console-export-status", args=[job_id])),
        ("get", reverse("console-export-file", args=[job_id, "votes.jsonl"])),
        ("get", reverse("console-results")),
    ]


@pytest.mark.django_db
def test_every_console_page_and_export_refuses_non_organizers(client, finished_job):
    client.force_login(UserFactory())
    for method, url in console_urls(finished_job):
        response = getattr(client, method)(url, {"to": "closed", "kind": "dataset"})
        assert response.status_code == 403, url
    assert Contest.objects.get(slug="demo").phase == Contest.Phase.OPEN


@pytest.mark.django_db
def test_every_console_page_sends_anonymous_users_to_log_in(client, finished_job):
    for method, url in console_urls(finished_job):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.django_db
def test_console_shows_votes_battles_health_and_exclusions(organizer_client, demo):
    page = organizer_client.get(reverse("console"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "운영 콘솔" in text and 'data-phase="open"' in text
    data = organizer_client.get(reverse("console-data")).json()
    assert data["votes"] == {**data["votes"], "total": 12, "counted": 11, "excluded": 1}
    assert sum(data["votes"]["by_team"].values()) == 22
    assert data["excluded_reasons"] == {"봇 의심": 1}
    failing = next(e for e in data["entrants"] if e["errors_by_code"])
    assert failing["errors_by_code"] == {"timeout": failing["responses"]}
    assert failing["error_rate"] == 1.0
    healthy = [e for e in data["entrants"] if not e["errors_by_code"]]
    assert all(e["ttft_p50"] is None or e["ttft_p50"] >= 0 for e in healthy)
    assert data["battles"]["started"] == 12
    assert data["battles"]["failed"] >= 1


@pytest.mark.django_db
def test_lifecycle_buttons_close_and_publish_and_log_the_organizer(organizer_client, demo):
    organizer_client.post(reverse("console-transition"),
                          {"contest": "demo", "to": "closed", "confirm": "closed"})
    organizer_client.post(reverse("console-transition"), {
        "contest": "demo", "to": "published", "confirm": "published", "confirm_slug": "demo"})
    assert Contest.objects.get(slug="demo").phase == Contest.Phase.PUBLISHED
    assert list(ContestTransition.objects.order_by("pk").values_list("to_phase", flat=True)) == [
        "closed", "published",
    ]
    assert all(log.actor is not None for log in ContestTransition.objects.all())


@pytest.mark.django_db
def test_pausing_closing_and_publishing_need_a_confirmation_first(organizer_client, demo):
    # One click is not a decision: without the box ticked (and, to publish, the slug typed)
    # nothing changes and the page says why.
    console = organizer_client.get(reverse("console") + "?contest=demo").content.decode()
    assert 'data-confirm="paused"' in console and 'data-confirm="closed"' in console
    assert "투표와 판정을 끝내고 모든 순위표를 고정합니다" in console
    for form in ({"to": "paused"}, {"to": "closed"}, {"to": "closed", "confirm": "paused"}):
        page = organizer_client.post(reverse("console-transition"), {"contest": "demo", **form},
                                     follow=True)
        assert "확인란을 선택해야 단계를 바꿉니다" in page.content.decode()
    assert Contest.objects.get(slug="demo").phase == Contest.Phase.OPEN
    organizer_client.post(reverse("console-transition"),
                          {"contest": "demo", "to": "closed", "confirm": "closed"})
    console = organizer_client.get(reverse("console") + "?contest=demo").content.decode()
    assert 'name="confirm_slug"' in console and "되돌릴 수 없습니다" in console
    for slug in ("", "dem", "other"):
        page = organizer_client.post(reverse("console-transition"), {
            "contest": "demo", "to": "published", "confirm": "published", "confirm_slug": slug},
            follow=True)
        assert "대회 슬러그를 정확히 입력해야 합니다" in page.content.decode()
    assert Contest.objects.get(slug="demo").phase == Contest.Phase.CLOSED
    assert not ContestTransition.objects.filter(to_phase="published").exists()


@pytest.mark.django_db
def test_an_illegal_button_press_shows_a_korean_message_and_changes_nothing(
    organizer_client, demo
):
    page = organizer_client.post(reverse("console-transition"), {
        "contest": "demo", "to": "published", "confirm": "published", "confirm_slug": "demo"},
        follow=True)
    assert "단계로 바꿀 수 없습니다" in page.content.decode()
    assert Contest.objects.get(slug="demo").phase == Contest.Phase.OPEN


@pytest.mark.django_db(transaction=True)
def test_export_button_runs_the_task_and_offers_the_files(organizer_client, demo, eager_celery):
    page = organizer_client.post(reverse("console-export-start"),
                                 {"contest": "demo", "kind": "dataset"}, follow=True)
    assert page.status_code == 200
    job_id = page.redirect_chain[-1][0].rstrip("/").split("/")[-1]
    status = organizer_client.get(reverse("console-export-status", args=[job_id])).json()
    assert status["status"] == "done"
    assert status["files"] == ["manifest.json", "pair-draws-manifest.json", "pair-draws.jsonl",
                               "style-features-manifest.json", "style-features.jsonl",
                               "vote-reasons-manifest.json", "vote-reasons.jsonl",
                               "votes.jsonl", "votes.parquet"]
    download = organizer_client.get(reverse("console-export-file", args=[job_id, "manifest.json"]))
    manifest = json.loads(b"".join(download.streaming_content))
    assert manifest["contest"] == "demo" and manifest["rows"] == 12


@pytest.mark.django_db
def test_unknown_export_kind_or_file_is_refused(organizer_client, finished_job):
    page = organizer_client.post(reverse("console-export-start"),
                                 {"contest": "demo", "kind": "everything"}, follow=True)
    assert "내보내기 종류는" in page.content.decode()
    missing = organizer_client.get(reverse("console-export-file", args=[finished_job, "x.csv"]))
    assert missing.status_code == 404
    assert organizer_client.get(reverse("console-export-status", args=["nojob"])).status_code == 404


@pytest.mark.django_db
def test_results_page_has_one_printable_section_per_track_with_an_svg_plot(
    organizer_client, demo
):
    # Enough votes for the citizens' board to be rated (a dozen shows counts only: test_withheld.py)
    votes_simulate(demo, list(demo.entrants.order_by("pk")), 18, seed=1)
    page = organizer_client.get(reverse("console-results")).content.decode()
    assert page.count('class="results-page"') == 4  # citizen, expert, combined, panel
    assert "<svg" in page and "break-after" not in page  # print rules live in results.css


@pytest.mark.django_db(transaction=True)
def test_publishing_makes_the_results_and_the_dataset_public(client, demo, eager_celery):
    # Before publication nobody sees the public results
    assert client.get(reverse("results")).status_code == 404
    from contest.services import contest_transition

    contest_transition(contest=demo, to="closed")
    assert client.get(reverse("results")).status_code == 404
    # When the organizers publish
    contest_transition(contest=demo, to="published")
    # Then anyone gets the boards, and the dataset with its manifest
    page = client.get(reverse("results"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "votes.parquet" in text and "manifest.json" in text
    manifest = json.loads(b"".join(
        client.get(reverse("results-file", args=["demo", "manifest.json"])).streaming_content
    ))
    assert manifest["phase"] == "published" and manifest["rows"] == 12
    assert client.get(reverse("results-file", args=["demo", "secret.txt"])).status_code == 404
    assert "결과와 공개 데이터" in client.get("/").content.decode()


@pytest.mark.django_db
def test_publish_form_warns_in_words_when_a_board_is_provisional(organizer_client, demo, settings):
    # Given a closed contest whose citizen board has 11 counted votes (under 30 per model).
    organizer_client.post(reverse("console-transition"),
                          {"contest": "demo", "to": "closed", "confirm": "closed"})

    # When the organizer opens the console, the publish form says which boards are 잠정.
    console = organizer_client.get(reverse("console") + "?contest=demo").content.decode()
    assert 'id="publish-provisional"' in console
    warning = console.split('id="publish-provisional"')[1].split("</p>")[0]
    assert "시민" in warning and "잠정" in warning and "30건 미만" in warning

    # And with a threshold the boards meet, there is no warning.
    settings.LEADERBOARD = {**settings.LEADERBOARD, "PROVISIONAL_VOTES": 1}
    console = organizer_client.get(reverse("console") + "?contest=demo").content.decode()
    assert 'id="publish-provisional"' not in console


@pytest.mark.django_db
def test_results_page_marks_provisional_boards_dates_in_kst_and_hides_zero_width_intervals(
    organizer_client, demo
):
    # Given a published contest whose boards rest on thirty votes: rated, and yet provisional
    # (a dozen would show counts only: tests/console/test_withheld.py).
    votes_simulate(demo, list(demo.entrants.order_by("pk")), 18, seed=1)
    organizer_client.post(reverse("console-transition"),
                          {"contest": "demo", "to": "closed", "confirm": "closed"})
    organizer_client.post(reverse("console-transition"), {
        "contest": "demo", "to": "published", "confirm": "published", "confirm_slug": "demo"})

    # When anyone opens /results/.
    page = organizer_client.get("/results/?contest=demo").content.decode()

    # Then the publication date is in KST, every board with votes is 잠정 with the reason,
    # and the style column is replaced by a note (too few votes).
    assert 'id="results-provisional"' in page and "잠정" in page
    published = ContestTransition.objects.get(to_phase="published").created_at
    from zoneinfo import ZoneInfo

    assert published.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M") + " KST" in page
    assert "표본이 부족해 계산하지 않음" in page and "no-style" in page
    assert "검증 정보" in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_phase_buttons_and_messages_read_without_templated_particles(organizer_client, demo, language):
    # "'진행 중'(으)로" reads as a form letter: each phase is named with a particle that fits.
    if language == "en":
        organizer_client.cookies["django_language"] = "en"
    console = organizer_client.get(reverse("console") + "?contest=demo").content.decode()
    assert "(으)로" not in console
    page = organizer_client.post(reverse("console-transition"),
                                 {"contest": "demo", "to": "paused", "confirm": "paused"}, follow=True)
    text = html.unescape(page.content.decode())
    assert "(으)로" not in text
    if language == "ko":
        assert "'일시 중지' 단계로 바꾸기" in console
        assert "'일시 중지' 단계로 바꿉니다" in console
        assert "대회를 '일시 중지' 단계로 바꿨습니다." in text
    else:
        assert "Contest phase changed to 'Paused'." in text
    # And the export buttons are the site's buttons, not bare native ones.
    assert console.count('class="secondary" data-export=') == 4
