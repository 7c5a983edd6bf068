"""The vote and leaderboard JSON API (contract in DESIGN.md)."""
from django.conf import settings
from django.http import JsonResponse

from config.api import json_api, json_body
from contest.models import Entrant
from contest.selectors import category_by_slug, contest_current
from voting import selectors, services
from voting.models import Track


@json_api("POST")
def battle_vote(request, battle_id):
    body = json_body(request)
    reveal = services.vote_cast(
        battle_id=battle_id,
        session_key=request.session.session_key or "",
        choice=body.get("choice"),
    )
    return JsonResponse({"reveal": reveal})


@json_api("GET")
def leaderboard(request):
    """Return the latest leaderboard snapshot (computing the first one if none exists yet)."""
    track = request.GET.get("track", Track.CITIZEN)
    services.track_check(track)
    slug = request.GET.get("category")
    category = category_by_slug(slug)
    contest = contest_current()
    if contest is None:
        return JsonResponse({"models": [], "method": "bradley-terry", "votes": 0, "track": track})
    snapshot = selectors.snapshot_latest(contest=contest, track=track, category=category)
    if snapshot is None:
        snapshot = services.leaderboard_compute(contest=contest, track=track, category=category)
    teams = dict(
        Entrant.objects.filter(contest=contest).values_list("display_name", "team__name")
    )
    return JsonResponse(
        {
            **snapshot.payload,
            "track": track,
            "category": slug or None,
            "contest": contest.slug,
            "computed_at": snapshot.computed_at.isoformat(),
            "votes_sha256": snapshot.votes_sha256,
            "chain_head": selectors.chain_head_get(selectors.VOTE_CHAIN),
            "teams": teams,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
        }
    )
