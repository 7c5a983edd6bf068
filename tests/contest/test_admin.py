"""The contest's own settings in the admin: the system prompt is fixed once the contest opens."""
import pytest

from contest.models import Contest

pytestmark = pytest.mark.django_db


def change_form(contest, **overrides):
    data = {"title": contest.title, "slug": contest.slug, "paced_streams": "on",
            "system_prompt": contest.system_prompt,
            # the decision rule's defaults (contest.Contest.RULE_FIELDS)
            "decision_board": "citizen", "decision_confidence": "0.95", "decision_tie": "share",
            "pair_draw": "uniform",
            "entrants-TOTAL_FORMS": "0", "entrants-INITIAL_FORMS": "0",
            "entrants-MIN_NUM_FORMS": "0", "entrants-MAX_NUM_FORMS": "1000"}
    data.update(overrides)
    return data


def test_a_draft_contests_system_prompt_can_be_written(contest, admin_client):
    contest.phase = Contest.Phase.DRAFT
    contest.save()
    page = admin_client.post(f"/admin/contest/contest/{contest.pk}/change/",
                             change_form(contest, system_prompt="이름을 밝히지 마세요."))
    assert page.status_code == 302
    contest.refresh_from_db()
    assert contest.system_prompt == "이름을 밝히지 마세요."


def test_an_open_contests_system_prompt_cannot_be_changed(contest, admin_client):
    contest.phase = Contest.Phase.OPEN
    contest.system_prompt = "처음 문구"
    contest.save()
    form = admin_client.get(f"/admin/contest/contest/{contest.pk}/change/").content.decode()
    assert 'name="system_prompt"' not in form and "처음 문구" in form
    admin_client.post(f"/admin/contest/contest/{contest.pk}/change/",
                      change_form(contest, system_prompt="바꾼 문구"))
    contest.refresh_from_db()
    assert contest.system_prompt == "처음 문구"


@pytest.mark.parametrize("query", ["excluded__exact=%00", "q=%00", "choice__exact=a%00b",
                                   "%00=1"])
def test_a_nul_in_an_admin_filter_or_search_is_a_400_not_a_500(admin_client, query):
    # PostgreSQL's text cannot hold a NUL: the list must refuse it before the database sees it
    response = admin_client.get(f"/admin/voting/vote/?{query}")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_open_contests_decision_rule_cannot_be_changed_in_the_admin(contest, admin_client):
    # After opening, the rule changes only in the console, with a reason (contest_rule_set).
    contest.phase = Contest.Phase.OPEN
    contest.advance_k = 2
    contest.save()
    admin_client.post(f"/admin/contest/contest/{contest.pk}/change/",
                      change_form(contest, advance_k="3", pair_draw="decision"))
    contest.refresh_from_db()
    assert (contest.advance_k, contest.pair_draw) == (2, "uniform")
