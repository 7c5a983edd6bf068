"""The public leaderboard page. Figures come from /api/leaderboard; plots are drawn in the page."""
from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from voting.models import Track
from voting.selectors import leaderboard_page_context


@require_safe
def leaderboard_page(request):
    return render(
        request,
        "voting/leaderboard.html",
        {
            **leaderboard_page_context(),
            "tracks": Track.choices,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
            "bootstrap_rounds": settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
        },
    )
