"""The anomalous-voter screen's writes: flag who fails the test, record the organizers' decision.

The test itself is stats/anomaly.py (pure); the votes it reads are the citizen board's rows.
An organizer's decision (exclude or clear) recomputes the contest's boards in a worker.
"""
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from contest.models import Contest
from core.errors import InvalidInput
from stats import anomaly
from voting import selectors
from voting.models import Track, VoterReview, VoterReviewLog


@transaction.atomic
def voters_screen(*, contest: Contest) -> list[VoterReview]:
    """Run the anomalous-voter test on a contest's counted citizen votes; flag who fails it.

    A voter below settings.ANOMALY["ALPHA"] gets a review in status 'flagged' (logged, with no
    actor). A voter already reviewed keeps the organizers' decision; only the figures are
    updated. Votes excluded for any reason, an excluded voter's among them, are not tested and
    are not part of anyone's history. Returns the reviews flagged by this run.
    """
    rows = [
        row
        for row in selectors.vote_rows(contest=contest, track=Track.CITIZEN)
        if not row["excluded"]
    ]
    config = settings.ANOMALY
    columns = {key: [row[key] for row in rows] for key in ("model_a", "model_b", "winner", "voter")}
    failing = anomaly.voters_flag(
        columns["model_a"],
        columns["model_b"],
        columns["winner"],
        columns["voter"],
        alpha=config["ALPHA"],
        min_votes=config["MIN_VOTES"],
    )
    flagged = []
    for test in failing:
        figures = {
            "votes": test.votes,
            "statistic": test.statistic,
            "p_fisher": test.p_fisher,
            "p_favour": test.p_favour,
            "favoured": test.favoured,
            "z_favour": test.z_favour,
            "p_value": test.p_value,
        }
        review, created = VoterReview.objects.select_for_update().get_or_create(
            contest=contest, voter=test.voter, defaults=figures
        )
        if not created:
            for field, value in figures.items():
                setattr(review, field, value)
            review.full_clean()
            review.save()
            continue
        VoterReviewLog.objects.create(
            review=review, action=VoterReviewLog.Action.FLAGGED, p_value=test.p_value
        )
        flagged.append(review)
    return flagged


@transaction.atomic
def voter_review_decide(*, review_id: int, status: str, actor, note: str = "") -> VoterReview:
    """Exclude a flagged voter's votes from the boards, or clear them; log who did it.

    Either decision can be reversed later by the other; each is logged. The contest's boards
    are recomputed (by a worker) once the decision commits. Raises InvalidInput for a status
    other than 'excluded' or 'cleared'.
    """
    if status not in (VoterReview.Status.EXCLUDED, VoterReview.Status.CLEARED):
        raise InvalidInput(_("검토 결과는 제외 또는 정상 확인이어야 합니다."))
    review = VoterReview.objects.select_for_update().get(pk=review_id)
    review.status = status
    review.full_clean()
    review.save(update_fields=["status"])
    VoterReviewLog.objects.create(
        review=review, action=status, actor=actor, note=note, p_value=review.p_value
    )
    contest_id = review.contest_id
    transaction.on_commit(lambda: _leaderboards_refresh_later(contest_id))
    return review


def _leaderboards_refresh_later(contest_id: int) -> None:
    from voting.tasks import contest_leaderboards_refresh

    contest_leaderboards_refresh.delay(contest_id)
