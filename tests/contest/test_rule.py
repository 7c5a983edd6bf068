"""The contest's decision rule: declared freely before it opens, changed after only with a
reason that is logged (and published beside the result)."""
import pytest

from contest.exceptions import PhaseTransitionRefused
from contest.models import Contest, ContestRuleChange
from contest.services import contest_rule_set
from core.errors import InvalidInput
from tests.factories import ContestFactory, EntrantFactory, OrganizerFactory
from voting.models import Track

pytestmark = pytest.mark.django_db


def test_the_decision_boards_are_the_leaderboards_tracks():
    assert Contest.DecisionBoard.values == Track.values


def test_a_draft_contest_declares_its_rule_without_a_reason():
    contest = ContestFactory(phase=Contest.Phase.DRAFT)
    for _ in range(5):
        EntrantFactory(contest=contest)

    contest_rule_set(contest=contest, rule={"advance_k": 4, "decision_board": "combined",
                                            "decision_confidence": 0.9, "pair_draw": "decision"})

    contest.refresh_from_db()
    assert contest.rule() == {"k": 4, "board": "combined", "confidence": 0.9,
                              "tie": "share", "pair_draw": "decision"}
    assert not ContestRuleChange.objects.exists()


@pytest.mark.parametrize("phase", ["open", "paused", "closed"])
def test_a_rule_change_after_opening_without_a_reason_is_refused_and_changes_nothing(phase):
    contest = ContestFactory(phase=phase, advance_k=2)
    for _ in range(5):
        EntrantFactory(contest=contest)

    with pytest.raises(PhaseTransitionRefused) as refused:
        contest_rule_set(contest=contest, rule={"advance_k": 3}, reason="  ")

    assert "사유" in str(refused.value.message)
    contest.refresh_from_db()
    assert contest.advance_k == 2
    assert not ContestRuleChange.objects.exists()


def test_a_rule_change_after_opening_with_a_reason_is_logged_with_who_and_why():
    contest = ContestFactory(phase=Contest.Phase.OPEN, advance_k=2)
    for _ in range(5):
        EntrantFactory(contest=contest)
    organizer = OrganizerFactory()

    contest_rule_set(contest=contest, rule={"advance_k": 3}, actor=organizer,
                     reason="심사위원회 결정으로 세 팀 진출")

    contest.refresh_from_db()
    assert contest.advance_k == 3
    change = ContestRuleChange.objects.get(contest=contest)
    assert (change.actor, change.reason) == (organizer, "심사위원회 결정으로 세 팀 진출")
    assert change.before["k"] == 2 and change.after["k"] == 3


@pytest.mark.parametrize(("rule", "words"), [
    ({"advance_k": 5}, "참가 모델 수"),
    ({"advance_k": 0}, ""),
    ({"decision_board": "twitter"}, ""),
    ({"decision_confidence": 1.5}, ""),
    ({"decision_confidence": "high"}, ""),
    ({"decision_tie": "coin"}, ""),
    ({"pair_draw": "loudest"}, ""),
    ({"phase": "open"}, "알 수 없는 규칙 항목"),
    ({}, "결정 규칙"),
])
def test_bad_rule_values_get_a_clear_error_and_change_nothing(rule, words):
    contest = ContestFactory(phase=Contest.Phase.DRAFT, advance_k=2)
    for _ in range(5):
        EntrantFactory(contest=contest)

    with pytest.raises(InvalidInput) as refused:
        contest_rule_set(contest=contest, rule=rule)

    assert words in str(refused.value.message)
    contest.refresh_from_db()
    assert contest.rule()["k"] == 2 and contest.phase == Contest.Phase.DRAFT


@pytest.mark.parametrize(("phase", "words"), [("closed", "다시 연 뒤"), ("published", "발표된 결과")])
def test_a_closed_or_published_contests_rule_is_frozen_even_with_a_reason(phase, words):
    # The decision froze with the boards; a closed contest reopens (with its reason) first.
    contest = ContestFactory(phase=phase, advance_k=2)
    for _ in range(5):
        EntrantFactory(contest=contest)

    with pytest.raises(PhaseTransitionRefused) as refused:
        contest_rule_set(contest=contest, rule={"advance_k": 3}, reason="심사위원회 결정")

    assert words in str(refused.value.message)
    contest.refresh_from_db()
    assert contest.advance_k == 2 and not ContestRuleChange.objects.exists()
