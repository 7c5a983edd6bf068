"""The decision in the console and on /results/: the declared rule, each entrant's probability
in plain words with a bar, the rule's form (a change after opening needs a reason) and the next
round in one step."""
import pytest
from django.test import Client
from django.urls import reverse

from contest.models import Contest, ContestRuleChange
from contest.services import contest_rule_set, contest_transition
from tests.factories import ContestFactory, EntrantFactory, votes_simulate
from voting import boards
from voting.models import Track

pytestmark = pytest.mark.django_db
NAMES = ("A.X", "EXAONE", "Solar", "VARCO", "HyperCLOVA X")


@pytest.fixture
def decided(db):
    """A contest whose citizens' board decides 2 of 5, with a clear top two and enough votes."""
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo")
    entrants = [EntrantFactory(contest=contest, display_name=name) for name in NAMES]
    contest = contest_rule_set(contest=contest, rule={"advance_k": 2}, reason="규칙 선언")
    votes_simulate(contest, entrants, 300, seed=5)
    boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)
    return contest


def test_the_console_shows_the_rule_the_probabilities_in_words_and_bars(organizer_client, decided):
    page = organizer_client.get(f"{reverse('console')}?contest=demo").content.decode()

    assert 'id="decision"' in page
    assert "시민 순위표에서 2팀 진출" in page
    assert "이상 확률로 진출" in page
    assert page.count('class="bar bar-') == 5
    assert "규칙 선언" in page  # the change after opening, with its reason


def test_the_live_panel_is_served_alone_to_organizers_only(organizer_client, decided):
    url = f"{reverse('console-decision')}?contest=demo"
    assert 'id="decision-sentence"' in organizer_client.get(url).content.decode()
    assert Client().get(url).status_code in (302, 403)


def test_the_consoles_rule_change_after_opening_without_a_reason_is_refused(organizer_client, decided):
    page = organizer_client.post(reverse("console-rule-set"),
                                 {"contest": "demo", "advance_k": "3"}, follow=True)

    assert "사유를 적어야" in page.content.decode()
    assert Contest.objects.get(slug="demo").advance_k == 2
    assert ContestRuleChange.objects.count() == 1  # only the declaration's


@pytest.mark.parametrize(("field", "value"), [
    ("advance_k", "many"), ("advance_k", "9"), ("decision_confidence", "2"),
    ("decision_board", "twitter"), ("pair_draw", "loudest"),
])
def test_bad_rule_input_in_the_console_gets_a_clear_error_and_changes_nothing(
        organizer_client, decided, field, value):
    before = Contest.objects.get(slug="demo").rule()
    page = organizer_client.post(reverse("console-rule-set"),
                                 {"contest": "demo", field: value, "reason": "바꿔 봄"}, follow=True)
    assert page.status_code == 200
    assert 'class="notice error"' in page.content.decode()
    assert Contest.objects.get(slug="demo").rule() == before


def test_results_show_the_decision_once_published(client, decided):
    contest_transition(contest=decided, to=Contest.Phase.CLOSED)
    contest_transition(contest=decided, to=Contest.Phase.PUBLISHED)

    page = client.get("/results/?contest=demo").content.decode()

    assert 'id="decision-sentence"' in page and "진출" in page
    assert page.count('class="bar bar-') == 5


def test_the_next_round_starts_from_the_console_with_the_advancing_entrants(organizer_client, decided):
    contest_transition(contest=decided, to=Contest.Phase.CLOSED)
    contest_transition(contest=decided, to=Contest.Phase.PUBLISHED)
    page = organizer_client.get(f"{reverse('console')}?contest=demo").content.decode()
    assert 'id="next-round-form"' in page

    organizer_client.post(reverse("console-next-round"), {
        "contest": "demo", "advancing": ["A.X", "EXAONE"], "slug": "round-2", "title": "2차"})

    nxt = Contest.objects.get(slug="round-2")
    assert nxt.previous_round == decided and nxt.phase == Contest.Phase.DRAFT
    assert sorted(nxt.entrants.values_list("display_name", flat=True)) == ["A.X", "EXAONE"]
