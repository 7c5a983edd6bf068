"""What the boards do when a contest changes phase (contest.signals.phase_changed).

Closing freezes one snapshot per track and category, in the closing transaction, so no vote can
land between the count and the freeze (vote_cast locks the battle and checks the phase).
Reopening a closed contest unfreezes them, so a later close freezes the boards afresh.
Publishing writes the public files (dataset, manifest, boards) in a Celery task after commit.
Every move clears the cached public boards, which show the current contest's board of record.
"""
from django.db import transaction

from contest.models import Category, Contest
from voting.models import LeaderboardSnapshot, Track
from voting.boards import leaderboard_cache_clear, leaderboard_compute
from voting.tasks import contest_publish_files

Phase = Contest.Phase


def phase_changed_receive(sender, *, contest: Contest, from_phase: str, to_phase: str, **kwargs) -> None:
    """Connected in VotingConfig.ready; runs inside contest_transition's transaction."""
    if to_phase == Phase.PUBLISHED:
        contest_id = contest.pk
        transaction.on_commit(lambda: contest_publish_files.delay(contest_id))
    if to_phase == Phase.CLOSED:
        leaderboards_freeze(contest=contest)
    elif from_phase == Phase.CLOSED and to_phase == Phase.OPEN:
        leaderboards_unfreeze(contest=contest)
    leaderboard_cache_clear()


def leaderboards_freeze(*, contest: Contest) -> list:
    """Compute (or reuse) one snapshot per track and category and mark it as the board of record.

    Expects to run inside the closing transaction, after the phase has changed, so no vote can
    land between the count and the freeze (vote_cast locks the battle and checks the phase).
    """
    LeaderboardSnapshot.objects.filter(contest=contest, frozen=True).update(frozen=False)
    frozen = []
    for category in [None, *Category.objects.all()]:
        for track in Track.values:
            snapshot = leaderboard_compute(contest=contest, track=track, category=category)
            frozen.append(snapshot.pk)
    LeaderboardSnapshot.objects.filter(pk__in=frozen).update(frozen=True)
    return list(LeaderboardSnapshot.objects.filter(pk__in=frozen))


def leaderboards_unfreeze(*, contest: Contest) -> None:
    """Release a reopened contest's frozen boards; the next close freezes new ones."""
    LeaderboardSnapshot.objects.filter(contest=contest, frozen=True).update(frozen=False)
