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
