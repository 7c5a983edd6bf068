import pytest

from arena import services as arena_services
from arena.exceptions import (
    AlreadyVoted,
    BattleNotFound,
    BattleNotVotable,
    ContestNotOpen,
    NotBattleOwner,
)
from arena.models import Response
from contest.models import Contest
from core.errors import InvalidInput
from voting.models import Vote
from voting.policy import Refusal
from voting.services import REFUSAL_ERRORS, vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def battle(entrants):
    battle = arena_services.battle_start(session_key="owner", prompt="질문")
    Response.objects.filter(turn__battle=battle).update(status=Response.Status.DONE, text="답")
    return battle


def test_vote_reveals_both_teams_and_is_stored_once(battle):
    reveal = vote_cast(battle_id=battle.pk, session_key="owner", choice="a")

    assert reveal == {
        "a": {"team": battle.entrant_a.team.name, "model": battle.entrant_a.display_name},
        "b": {"team": battle.entrant_b.team.name, "model": battle.entrant_b.display_name},
    }
    vote = Vote.objects.get()
    assert vote.choice == "a"
    assert vote.voter and "owner" not in vote.voter


def test_second_vote_is_refused_and_first_kept(battle):
    vote_cast(battle_id=battle.pk, session_key="owner", choice="tie")
    with pytest.raises(AlreadyVoted):
        vote_cast(battle_id=battle.pk, session_key="owner", choice="b")
    assert list(Vote.objects.values_list("choice", flat=True)) == ["tie"]


@pytest.mark.parametrize("choice", ["A", "left", "", None, 1, ["a"], "both bad"])
def test_invalid_choice_is_refused(battle, choice):
    with pytest.raises(InvalidInput):
        vote_cast(battle_id=battle.pk, session_key="owner", choice=choice)
    assert not Vote.objects.exists()


def test_vote_by_another_session_or_on_unknown_battle_is_refused(battle):
    with pytest.raises(NotBattleOwner):
        vote_cast(battle_id=battle.pk, session_key="someone-else", choice="a")
    with pytest.raises(BattleNotFound):
        vote_cast(battle_id="00000000-0000-0000-0000-000000000000", session_key="owner", choice="a")
    assert not Vote.objects.exists()


@pytest.mark.parametrize("status", [Response.Status.PENDING, Response.Status.STREAMING, Response.Status.ERROR])
def test_vote_refused_unless_both_sides_completed(battle, status):
    Response.objects.filter(turn__battle=battle, side="b").update(status=status)
    with pytest.raises(BattleNotVotable):
        vote_cast(battle_id=battle.pk, session_key="owner", choice="a")
    assert not Vote.objects.exists()


def test_vote_refused_when_contest_not_open(battle):
    Contest.objects.filter(pk=battle.contest_id).update(phase=Contest.Phase.CLOSED)
    with pytest.raises(ContestNotOpen):
        vote_cast(battle_id=battle.pk, session_key="owner", choice="a")
    assert not Vote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_vote_in_progress_does_not_hold_up_a_vote_on_another_battle(entrants, settings):
    """Only the battle's own row is locked: the contest, entrants and teams stay free."""
    import threading

    from django.db import connection, transaction

    from arena.selectors import battle_get_for_owner
    from contest.selectors import contest_lock_shared

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one write at a time")
    first, second = (
        arena_services.battle_start(session_key=owner, prompt="질문") for owner in ("one", "two")
    )
    Response.objects.update(status=Response.Status.DONE, text="답")
    holding, release = threading.Event(), threading.Event()

    def vote_in_progress():
        # Given a vote on the first battle that holds its locks (battle, then contest)...
        with transaction.atomic():
            battle = battle_get_for_owner(battle_id=first.pk, session_key="one", lock=True)
            contest_lock_shared(contest_id=battle.contest_id)
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=vote_in_progress)
    holder.start()
    try:
        assert holding.wait(10)
        outcome = []
        voter = threading.Thread(
            target=lambda: (
                outcome.append(vote_cast(battle_id=second.pk, session_key="two", choice="b")),
                connection.close(),
            )
        )
        # ...when the second battle's owner votes, then the vote goes through meanwhile.
        voter.start()
        voter.join(5)
        assert outcome, "the second vote waited for the first battle's locks"
    finally:
        release.set()
        holder.join(10)
    assert Vote.objects.get().battle_id == second.pk


@pytest.mark.parametrize("refusal", list(Refusal), ids=lambda refusal: refusal.name.lower())
def test_each_refusal_of_the_policy_is_raised_with_its_code_and_status(refusal):
    error = REFUSAL_ERRORS[refusal]
    assert (error.code, error.status) == (refusal.code, refusal.status)
