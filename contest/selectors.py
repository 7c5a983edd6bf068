"""Reads of contests and entrants."""
from django.core.validators import slug_re
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contest.models import Category, Contest, ContestTransition, Entrant
from core.errors import InvalidInput

# An entrant that failed this many times in a row is left out of new battles until the health
# probe (arena.health, on the beat schedule) gets an answer from it; no citizen's battle is
# spent finding out whether it recovered.
HEALTH_MAX_FAILURES = 3


def contests_open() -> QuerySet[Contest]:
    """Return the contests open now, the one the public site is about first."""
    contests = Contest.objects.exclude(phase=Contest.Phase.DRAFT).filter(phase__in=Contest.ACCEPTING)
    return contests.order_by(*Contest._meta.ordering, "-pk")


def contest_current() -> Contest | None:
    """Return the contest the public site is about: the newest open one, else the newest."""
    return contests_open().first() or Contest.objects.exclude(phase=Contest.Phase.DRAFT).first()


def entrants_healthy(*, contest) -> QuerySet[Entrant]:
    """Return the contest's enabled entrants that have not failed repeatedly (`contest`: a
    Contest, or an expression that gives its id)."""
    return Entrant.objects.filter(
        contest=contest, enabled=True, consecutive_failures__lt=HEALTH_MAX_FAILURES
    ).order_by("pk")


def contest_lock_shared(*, contest_id: int) -> Contest:
    """Return the contest with its row locked FOR SHARE until the caller's transaction ends.

    For writes that must not cross a phase change (votes): they share the lock with one
    another, so they do not wait for each other, while contest_transition's FOR UPDATE waits
    for all of them and they wait for it. The caller must be inside a transaction. On SQLite,
    where one write transaction runs at a time (BEGIN IMMEDIATE), it is a plain read.
    """
    if connection.vendor != "postgresql":
        return Contest.objects.get(pk=contest_id)
    table = connection.ops.quote_name(Contest._meta.db_table)
    column = connection.ops.quote_name(Contest._meta.pk.column)
    locked = Contest.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s FOR SHARE", [contest_id])
    return list(locked)[0]


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
    return contest is not None and Contest.accepts_judgments_in(contest.phase)


def contest_transitions(*, contest: Contest, limit: int = 50):
    """Return the contest's lifecycle log, newest first."""
    return contest.transitions.select_related("actor").order_by("-created_at", "-pk")[:limit]


def contest_pause(contest: Contest | None) -> ContestTransition | None:
    """Return the transition that paused the contest (its reason and time, for the citizens'
    page), or None when it is not paused."""
    if contest is None or contest.phase != Contest.Phase.PAUSED:
        return None
    return contest.transitions.filter(to_phase=Contest.Phase.PAUSED).order_by("-created_at", "-pk").first()


def contest_for_console(slug: object = None) -> Contest | None:
    """Return the contest an organizer asked for by slug, else the public one, else the newest.

    A slug that no contest can have (a NUL, which PostgreSQL refuses outright) finds none."""
    if isinstance(slug, str) and slug:
        if not slug_re.fullmatch(slug):
            return None
        return Contest.objects.filter(slug=slug).first()
    return contest_current() or Contest.objects.first()
