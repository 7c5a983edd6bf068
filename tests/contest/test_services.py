"""The contest lifecycle: every allowed transition, every refusal, and the freeze at closing."""
import pytest

from arena.exceptions import ContestNotOpen
from contest.exceptions import PhaseTransitionRefused
from contest.models import Contest, ContestTransition
from contest.phases import TRANSITIONS
from contest.selectors import contest_accepts_judgments
from contest.services import contest_transition
from core.errors import InvalidInput
from tests.factories import (
    CategoryFactory,
    ContestFactory,
    EntrantFactory,
    OrganizerFactory,
    votes_simulate,
)
from voting import dataset as voting_dataset
from voting import selectors as voting_selectors
from voting.models import LeaderboardSnapshot, Track, Vote
from voting.selectors import snapshots_frozen
from voting.boards import leaderboard_compute
from voting.services import vote_cast

Phase = Contest.Phase
ALLOWED = [
    ("draft", "open", ""),
    ("open", "paused", ""),
    ("open", "closed", ""),
    ("paused", "open", ""),
    ("paused", "closed", ""),
    ("closed", "open", "집계 오류로 다시 엽니다"),
    ("closed", "published", ""),
]
REFUSED = [
    (source, target)
    for source in Phase.values
    for target in Phase.values
    if target not in TRANSITIONS[source]
]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target", "reason"), ALLOWED)
def test_allowed_transition_changes_phase_and_logs_who_when_why(source, target, reason):
    contest = ContestFactory(phase=source)
    organizer = OrganizerFactory()

    contest_transition(contest=contest, to=target, actor=organizer, reason=reason)

    contest.refresh_from_db()
    assert contest.phase == target
    log = ContestTransition.objects.get(contest=contest)
    assert (log.from_phase, log.to_phase, log.actor, log.reason) == (
        source, target, organizer, reason,
    )
    assert log.created_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_illegal_transition_is_refused_in_korean_and_changes_nothing(source, target):
    contest = ContestFactory(phase=source)

    with pytest.raises(PhaseTransitionRefused) as refused:
        contest_transition(contest=contest, to=target, actor=None, reason="사유")

    assert "단계" in str(refused.value.message)
    contest.refresh_from_db()
    assert contest.phase == source
    assert not ContestTransition.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopening_a_closed_contest_needs_a_reason(reason):
    contest = ContestFactory(phase=Phase.CLOSED)

    with pytest.raises(PhaseTransitionRefused, match="사유"):
        contest_transition(contest=contest, to=Phase.OPEN, reason=reason)

    contest.refresh_from_db()
    assert contest.phase == Phase.CLOSED


@pytest.mark.django_db
@pytest.mark.parametrize("to", ["finished", "", None, 3, ["open"]])
def test_unknown_phase_is_invalid_input(to):
    contest = ContestFactory(phase=Phase.OPEN)
    with pytest.raises(InvalidInput):
        contest_transition(contest=contest, to=to)
    contest.refresh_from_db()
    assert contest.phase == Phase.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("reason", [42, "가" * 2001])
def test_bad_reason_is_invalid_input(reason):
    contest = ContestFactory(phase=Phase.CLOSED)
    with pytest.raises(InvalidInput):
        contest_transition(contest=contest, to=Phase.OPEN, reason=reason)
    contest.refresh_from_db()
    assert contest.phase == Phase.CLOSED


@pytest.mark.django_db
def test_closing_freezes_one_snapshot_per_track_and_category_with_the_votes_hash():
    contest = ContestFactory(phase=Phase.OPEN)
    categories = [CategoryFactory(), CategoryFactory()]
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    votes_simulate(contest, entrants, 30, category=categories[0])

    contest_transition(contest=contest, to=Phase.CLOSED)

    frozen = list(snapshots_frozen(contest=contest))
    assert len(frozen) == len(Track.values) * (1 + len(categories))
    keys = {(snapshot.track, snapshot.category_id) for snapshot in frozen}
    assert len(keys) == len(frozen)
    overall = next(s for s in frozen if s.track == Track.CITIZEN and s.category is None)
    rows = voting_selectors.vote_rows(contest=contest, track=Track.CITIZEN)
    assert overall.votes == 30
    assert overall.votes_sha256 == voting_dataset.rows_sha256(rows)


@pytest.mark.django_db
def test_frozen_board_stays_the_board_of_record_after_a_later_recompute():
    contest = ContestFactory(phase=Phase.OPEN)
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    votes_simulate(contest, entrants, 20)
    contest_transition(contest=contest, to=Phase.CLOSED)
    frozen = voting_selectors.snapshot_latest(contest=contest, track=Track.CITIZEN)

    # An organizer excludes a vote after closing and someone recomputes.
    Vote.objects.filter(pk=Vote.objects.first().pk).update(excluded="duplicate")
    leaderboard_compute(contest=contest, track=Track.CITIZEN)

    assert LeaderboardSnapshot.objects.filter(contest=contest, track="citizen").count() == 2
    assert voting_selectors.snapshot_latest(contest=contest, track=Track.CITIZEN) == frozen


@pytest.mark.django_db
def test_reopening_unfreezes_and_closing_again_freezes_afresh():
    contest = ContestFactory(phase=Phase.OPEN)
    contest_transition(contest=contest, to=Phase.CLOSED)
    assert snapshots_frozen(contest=contest).exists()

    contest_transition(contest=contest, to=Phase.OPEN, reason="이의 제기 검토")
    assert not snapshots_frozen(contest=contest).exists()

    contest_transition(contest=contest, to=Phase.CLOSED)
    assert snapshots_frozen(contest=contest).count() == len(Track.values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phase", "accepts"),
    [("draft", False), ("open", True), ("paused", False), ("closed", False), ("published", False)],
)
def test_contest_accepts_judgments_only_while_open(phase, accepts):
    assert contest_accepts_judgments(ContestFactory(phase=phase)) is accepts
    assert contest_accepts_judgments(None) is False


@pytest.mark.django_db
@pytest.mark.parametrize("phase", ["paused", "closed", "published"])
def test_no_vote_is_accepted_once_the_contest_leaves_open(phase):
    contest = ContestFactory(phase=Phase.OPEN)
    entrants = [EntrantFactory(contest=contest) for _ in range(2)]
    votes_simulate(contest, entrants, 1)
    battle = Vote.objects.get().battle
    Vote.objects.all().delete()
    Contest.objects.filter(pk=contest.pk).update(phase=phase)

    with pytest.raises(ContestNotOpen):
        vote_cast(battle_id=battle.pk, session_key=battle.session_key, choice="a")

    assert not Vote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/leaderboard/"])
def test_public_pages_show_the_phase(client, url):
    ContestFactory(phase=Phase.CLOSED, title="국민 대결")
    page = client.get(url).content.decode()
    assert 'data-phase="closed"' in page
    assert "종료" in page


@pytest.mark.django_db
def test_seed_demo_prints_a_fresh_organizer_login_that_reaches_the_console(client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    password = out.getvalue().split("password '")[1].split("'")[0]
    assert client.login(username="organizer", password=password)
    assert client.get("/console/").status_code == 200

    call_command("seed_demo", stdout=StringIO())
    assert not client.login(username="organizer", password=password)
