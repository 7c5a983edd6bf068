"""The blindness audit where people see it: the console, the public results and the export."""
import json

import pytest
from django.test import Client
from django.urls import reverse

from arena.models import Response
from contest.models import Contest
from tests.factories import ContestFactory, EntrantFactory, votes_simulate
from voting import dataset, exports
from voting.blindness.publication import AUDIT_FILE, AUDIT_MANIFEST_FILE
from voting.blindness.services import blindness_audit_run
from voting.models import BlindnessAudit

SECRET = "비밀표지-XYZZY"


def contest_with_answers(*, slug="audited", phase=Contest.Phase.OPEN):
    contest = ContestFactory(slug=slug, phase=phase)
    entrants = [EntrantFactory(contest=contest, display_name=f"모델{n}") for n in range(3)]
    votes_simulate(contest, entrants, 30)
    for n, entrant in enumerate(entrants):
        Response.objects.filter(entrant=entrant).update(
            text=f"<script>alert(1)</script>{SECRET} 말투{n} " + "라 " * (n + 2),
            ttft_ms=200 + 100 * n, total_ms=1500)
    return contest, entrants


@pytest.mark.django_db
def test_console_shows_the_latest_audit_with_its_confusion_matrix_and_no_answer_text(
    organizer_client
):
    contest, entrants = contest_with_answers()
    page = organizer_client.get(reverse("console"), {"contest": "audited"}).content.decode()
    assert "아직 블라인드 감사 결과가 없습니다" in page
    assert "manage.py blindness_audit --contest audited" in page
    # When the organizer presses the button
    answer = organizer_client.post(reverse("console-blindness-run"), {"contest": "audited"},
                                   follow=True)
    page = answer.content.decode()
    # Then the console shows per-model attribution, chance and the three confusion tables
    assert "블라인드 감사를 마쳤습니다" in page
    assert BlindnessAudit.objects.filter(contest=contest).count() == 1
    assert 'data-blindness="chance">33.3%' in page
    assert page.count("data-blindness-confusion=") == 3
    assert all(entrant.display_name in page for entrant in entrants)
    assert SECRET not in page and "alert(1)" not in page


@pytest.mark.django_db
def test_console_button_on_a_contest_without_answers_says_why_and_stores_nothing(organizer_client):
    ContestFactory(slug="empty")
    answer = organizer_client.post(reverse("console-blindness-run"), {"contest": "empty"},
                                   follow=True)
    assert answer.status_code == 200
    assert "블라인드 감사를 할 수 없습니다" in answer.content.decode()
    assert not BlindnessAudit.objects.exists()
    assert organizer_client.post(reverse("console-blindness-run"),
                                 {"contest": "nope"}).status_code == 404


@pytest.mark.django_db
def test_console_in_english_translates_the_section(organizer_client):
    contest_with_answers()
    organizer_client.cookies["django_language"] = "en"
    page = organizer_client.get(reverse("console"), {"contest": "audited"}).content.decode()
    assert "Blindness audit" in page


@pytest.mark.django_db
def test_public_results_carry_the_audit_only_once_published(client):
    contest, entrants = contest_with_answers()
    blindness_audit_run(contest=contest)
    assert client.get(reverse("results"), {"contest": "audited"}).status_code == 404
    Contest.objects.filter(pk=contest.pk).update(phase=Contest.Phase.PUBLISHED)
    page = client.get(reverse("results"), {"contest": "audited"}).content.decode()
    assert "블라인드 감사" in page and "우연 수준" in page
    assert all(entrant.display_name in page for entrant in entrants)
    assert SECRET not in page and "alert(1)" not in page
    assert "지금 감사 실행" not in page  # no organizer's button on the public page


@pytest.mark.django_db
def test_published_files_list_the_audit_in_its_manifest_with_its_sha256(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    contest, _entrants = contest_with_answers(phase=Contest.Phase.PUBLISHED)
    names = exports.published_files_write(contest_id=contest.pk)
    public = exports.published_files(contest)
    assert {AUDIT_FILE, AUDIT_MANIFEST_FILE} <= set(names) and AUDIT_FILE in public
    folder = exports.published_folder(contest)
    manifest = json.loads((folder / AUDIT_MANIFEST_FILE).read_text(encoding="utf-8"))
    assert set(manifest) == {"contest", "phase", "snapshot", "rows", "files", "redactions"}
    assert manifest["files"] == {AUDIT_FILE: dataset.file_sha256(folder / AUDIT_FILE)}
    assert manifest["rows"] == 60 and manifest["phase"] == "published"
    assert exports.manifest_verify(folder / AUDIT_MANIFEST_FILE) == []
    document = json.loads((folder / AUDIT_FILE).read_text(encoding="utf-8"))
    assert document["report"]["answers"] == 60 and document["reason"] is None
    assert SECRET not in (folder / AUDIT_FILE).read_text(encoding="utf-8")
    # A changed byte in the audit file is caught by the manifest
    (folder / AUDIT_FILE).write_text(" " + (folder / AUDIT_FILE).read_text(encoding="utf-8"))
    assert exports.manifest_verify(folder / AUDIT_MANIFEST_FILE) == [AUDIT_FILE]


@pytest.mark.django_db
def test_a_published_contest_without_enough_answers_publishes_the_reason(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    contest = ContestFactory(slug="tiny", phase=Contest.Phase.PUBLISHED)
    names = exports.published_files_write(contest_id=contest.pk)
    assert AUDIT_FILE in names
    document = json.loads((exports.published_folder(contest) / AUDIT_FILE).read_text(encoding="utf-8"))
    assert document["report"] is None and "at least 2 models" in document["reason"]


@pytest.mark.django_db
def test_the_audit_says_what_its_figure_means_and_when_to_act(organizer_client):
    # Given answers each model writes in its own recognisable way (말투0, 말투1, 말투2).
    contest, entrants = contest_with_answers()
    blindness_audit_run(contest=contest)
    page = organizer_client.get(reverse("console"), {"contest": "audited"}).content.decode()
    # Then the console says to act, why, and what to do first.
    assert 'data-blindness-verdict="act"' in page
    assert "조치가 필요합니다" in page and "공통 시스템 프롬프트" in page
    assert "33.3%" in page  # the guessing level the figure is compared with
    # And the published results carry the same verdict.
    Contest.objects.filter(pk=contest.pk).update(phase=Contest.Phase.PUBLISHED)
    public = Client().get(reverse("results"), {"contest": "audited"}).content.decode()
    assert 'data-blindness-verdict="act"' in public
