"""What the organizers' console reads: the live figures of a contest across every app."""
import math
from collections import Counter
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from arena.models import Battle, Response
from contest.models import Contest, Entrant
from contest.phases import transitions_allowed
from contest.selectors import contest_accepts_judgments, entrants_healthy
from voting.models import Vote


def _percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile of a small list (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def console_overview(*, contest: Contest, hours: int = 48) -> dict:
    """Return what the organizers' console shows: votes, battles, endpoint health, exclusions.

    Figures are computed from the database on every call (the console polls it every few
    seconds); the percentiles are taken in Python over the contest's responses, which is fine
    for a contest's scale of tens of thousands of responses.
    """
    votes = Vote.objects.filter(battle__contest=contest)
    counted = votes.filter(excluded="")
    by_team: Counter = Counter()
    by_entrant_pair = counted.values_list("battle__entrant_a__team__name", "battle__entrant_b__team__name")
    for team_a, team_b in by_entrant_pair:
        by_team[team_a] += 1
        by_team[team_b] += 1
    by_category = Counter(
        name or str(_("분야 없음"))
        for name in counted.values_list("battle__category__name", flat=True)
    )
    since = timezone.now() - timedelta(hours=hours)
    per_hour: Counter = Counter()
    seoul = timezone.get_default_timezone()
    for moment in counted.filter(created_at__gte=since).values_list("created_at", flat=True):
        per_hour[moment.astimezone(seoul).strftime("%m-%d %H:00")] += 1

    battles = Battle.objects.filter(contest=contest)
    statuses: dict = {}
    for battle_id, status in Response.objects.filter(turn__battle__contest=contest).values_list(
        "turn__battle_id", "status"
    ):
        statuses.setdefault(battle_id, set()).add(status)
    failed = sum(1 for found in statuses.values() if found & Response.FAILED)
    running = sum(
        1 for found in statuses.values() if not found & Response.FAILED and found & Response.UNFINISHED
    )
    started = battles.count()

    healthy = set(entrants_healthy(contest=contest).values_list("pk", flat=True))
    timings: dict = {}
    for entrant_id, status, code, ttft, total in Response.objects.filter(
        entrant__contest=contest
    ).values_list("entrant_id", "status", "error_code", "ttft_ms", "total_ms"):
        entry = timings.setdefault(entrant_id, {"ttft": [], "total": [], "errors": Counter(), "n": 0})
        if status in Response.UNFINISHED:
            continue
        entry["n"] += 1
        if status in Response.FAILED:
            entry["errors"][code or "unknown"] += 1
        else:
            if ttft is not None:
                entry["ttft"].append(ttft)
            if total is not None:
                entry["total"].append(total)
    entrants = []
    for entrant in Entrant.objects.filter(contest=contest).select_related("team").order_by("pk"):
        entry = timings.get(entrant.pk, {"ttft": [], "total": [], "errors": Counter(), "n": 0})
        errors = sum(entry["errors"].values())
        entrants.append({
            "id": entrant.pk,
            "name": entrant.display_name,
            "team": entrant.team.name,
            "enabled": entrant.enabled,
            "in_sampler": entrant.pk in healthy,
            "consecutive_failures": entrant.consecutive_failures,
            "probed_at": entrant.probed_at.isoformat() if entrant.probed_at else None,
            "probe_error": entrant.probe_error,
            "responses": entry["n"],
            "ttft_p50": _percentile(entry["ttft"], 0.5),
            "ttft_p90": _percentile(entry["ttft"], 0.9),
            "total_p50": _percentile(entry["total"], 0.5),
            "total_p90": _percentile(entry["total"], 0.9),
            "error_rate": round(errors / entry["n"], 4) if entry["n"] else None,
            "errors_by_code": dict(entry["errors"].most_common()),
        })

    excluded = votes.exclude(excluded="")
    return {
        "contest": {"slug": contest.slug, "title": contest.title, "phase": contest.phase,
                    "phase_label": str(contest.get_phase_display()),
                    "accepts_judgments": contest_accepts_judgments(contest),
                    "next_phases": transitions_allowed(contest.phase)},
        "votes": {
            "total": votes.count(),
            "counted": counted.count(),
            "excluded": excluded.count(),
            "by_track": {"citizen": counted.count()},
            "by_team": dict(by_team.most_common()),
            "by_category": dict(by_category.most_common()),
            "per_hour": [{"hour": hour, "votes": n} for hour, n in sorted(per_hour.items())],
        },
        "battles": {
            "started": started,
            "completed": sum(
                1 for found in statuses.values() if not found & (Response.UNFINISHED | Response.FAILED)
            ),
            "failed": failed,
            "running": running,
        },
        "entrants": entrants,
        "excluded_reasons": dict(Counter(excluded.values_list("excluded", flat=True)).most_common()),
        "excluded_recent": [
            {"battle_id": str(battle_id), "reason": reason, "created_at": created.isoformat()}
            for battle_id, reason, created in excluded.order_by("-created_at").values_list(
                "battle_id", "excluded", "created_at"
            )[:50]
        ],
        # The expert track (issue 7) adds its progress and agreement here.
        "expert": None,
    }


def boards_provisional(*, contest: Contest) -> list[str]:
    """Return the labels of the contest's overall boards that are provisional (잠정): a model on
    them has fewer than LEADERBOARD_PROVISIONAL_VOTES counted votes or judgments. Boards with no
    votes at all are left out (they publish as empty, not as a ranking). Reads the latest
    snapshots only; computes nothing."""
    from django.conf import settings

    from voting.board_assembly import provisional_models
    from voting.models import Track
    from voting.selectors import snapshot_latest

    threshold = settings.LEADERBOARD["PROVISIONAL_VOTES"]
    labels = dict(Track.choices)
    found = []
    for track in Track.values:
        snapshot = snapshot_latest(contest=contest, track=track, category=None)
        models = snapshot.payload.get("models", []) if snapshot else []
        if models and provisional_models(models, threshold):
            found.append(str(labels[track]))
    return found
