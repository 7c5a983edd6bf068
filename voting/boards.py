"""Every write of the leaderboards: a board's snapshot, a contest's refresh, the cached reads' drop.

A board's figures are assembled by voting/board_assembly.py (pure); this reads what they need,
stores the snapshot and, once it commits, tells the open leaderboard pages
(voting.consumers.leaderboard_announce). Freezing and publishing are voting/lifecycle.py's.
"""
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.models import Category, Contest, Panel
from core.errors import InvalidInput
from voting import board_assembly, dataset, decision, selectors
from voting.consumers import leaderboard_announce
from voting.models import LeaderboardSnapshot, Track


def track_check(track: object) -> None:
    """Raise InvalidInput unless `track` is one of the leaderboard's tracks."""
    if track not in Track.values:
        raise InvalidInput(
            _("track은 %(tracks)s 중 하나여야 합니다.") % {"tracks": ", ".join(Track.values)}
        )


@transaction.atomic
def leaderboard_compute(
    *, contest: Contest, track: str, category: Category | None = None
) -> LeaderboardSnapshot:
    """Compute one leaderboard from the database and store it as a snapshot.

    If the votes are unchanged since the latest snapshot (same SHA-256), that snapshot is
    returned as it is: the figures would be identical, since the bootstrap is seeded.
    Watchers of the leaderboard page are told when a new snapshot lands.
    """
    track_check(track)
    rows = selectors.vote_rows(contest=contest, track=track, category=category)
    digest = dataset.rows_sha256(rows)
    rule = decision.rule_for_board(contest=contest, track=track, category=category)
    if rule is not None:  # the deciding board: the aimed draw follows it (cheap: one fit)
        decision.draw_refresh(contest=contest, rows=rows)
    latest = selectors.snapshot_latest(contest=contest, track=track, category=category)
    if (latest is not None and latest.votes_sha256 == digest
            and latest.payload.get("decision_rule") == rule):
        return latest
    config = settings.LEADERBOARD
    payload = board_assembly.board_payload(
        rows,
        config=config,
        weights=decision.track_weights_for(track),
        answer_texts=selectors.answer_texts,
        zone=timezone.get_default_timezone(),
        rule=rule,
    )
    if track == Track.PANEL:
        panel = Panel.objects.filter(contest=contest).first()
        payload["panel"] = board_assembly.panel_payload(
            rows,
            quotas=dict(panel.quotas) if panel else {},
            profiles=selectors.panel_voters(contest=contest),
            config=config,
            rule=rule,
        )
        if rule is not None:  # the panel decides on its weighted board, not the plain one
            payload["advance"] = payload["panel"]["advance"]
    snapshot = LeaderboardSnapshot(
        contest=contest,
        track=track,
        category=category,
        votes=payload["votes"],
        votes_sha256=digest,
        payload=payload,
    )
    snapshot.full_clean()
    snapshot.save()
    # Cleared before the pages are told, so the board they fetch then is the new one.
    leaderboard_cache_clear()
    event = {"track": track, "category": category.slug if category else None}
    transaction.on_commit(lambda: leaderboard_announce(event))
    return snapshot


def leaderboard_cache_clear() -> None:
    """Make every cached leaderboard read miss: now, and again once the caller's transaction
    commits, so that a read which cached the old board in between does not outlive the commit.

    Called when a snapshot lands and when a contest changes phase (freezing boards, or changing
    which contest the public site shows).
    """
    def clear() -> None:
        cache.set(selectors.LEADERBOARD_CACHE_GENERATION, uuid.uuid4().hex, None)

    clear()
    transaction.on_commit(clear)


def leaderboards_refresh(*, contest: Contest) -> list[LeaderboardSnapshot]:
    """Recompute every board of a contest: each track, overall and per category."""
    boards = []
    for category in [None, *Category.objects.all()]:
        for track in Track.values:
            boards.append(leaderboard_compute(contest=contest, track=track, category=category))
    return boards
