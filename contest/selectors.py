"""Reads of contests and entrants."""
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.exceptions import InvalidInput
from contest.models import Category, Contest, Entrant

# An entrant that failed this many times in a row is left out of new battles until
# HEALTH_RETRY_AFTER has passed since its last failure; then one battle tries it again.
HEALTH_MAX_FAILURES = 3
HEALTH_RETRY_AFTER = timedelta(seconds=60)


def contest_current() -> Contest | None:
    """Return the contest the public site is about: the newest open one, else the newest."""
    contests = Contest.objects.exclude(phase=Contest.Phase.DRAFT)
    return contests.filter(phase=Contest.Phase.OPEN).first() or contests.first()


def entrants_healthy(*, contest: Contest) -> QuerySet[Entrant]:
    """Return the contest's enabled entrants that have not failed repeatedly just now."""
    retry_from = timezone.now() - HEALTH_RETRY_AFTER
    return (
        Entrant.objects.filter(contest=contest, enabled=True)
        .filter(
            Q(consecutive_failures__lt=HEALTH_MAX_FAILURES) | Q(last_failure_at__lt=retry_from)
        )
        .order_by("pk")
    )


def category_by_slug(slug: object) -> Category | None:
    """Return the category a request names, None when it names none, or raise InvalidInput."""
    if slug in (None, ""):
        return None
    if not isinstance(slug, str):
        raise InvalidInput(_("category는 문자열이어야 합니다."))
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise InvalidInput(_("알 수 없는 분야입니다: %(slug)s") % {"slug": slug[:50]})
    return category


def contest_accepts_judgments(contest: Contest | None) -> bool:
    """Return whether the contest takes votes and expert judgments now (only in its open phase).

    Every service that records a vote or a judgment asks this, under the lock of the row it
    writes, so nothing is accepted once a contest is paused, closed or published.
    """
    return contest is not None and contest.phase == Contest.Phase.OPEN


def contest_transitions(*, contest: Contest, limit: int = 50):
    """Return the contest's lifecycle log, newest first."""
    return contest.transitions.select_related("actor").order_by("-created_at", "-pk")[:limit]


def snapshots_frozen(*, contest: Contest):
    """Return the boards frozen when the contest closed (track, then overall before categories)."""
    from voting.models import LeaderboardSnapshot

    return (
        LeaderboardSnapshot.objects.filter(contest=contest, frozen=True)
        .select_related("category")
        .order_by("track", "category__name")
    )
