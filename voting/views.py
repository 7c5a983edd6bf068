"""The public leaderboard page. Figures come from /api/leaderboard; plots are drawn in the page."""
from django.conf import settings
from django.shortcuts import render

from contest.models import Category
from contest.selectors import contest_current
from voting.models import Track


def leaderboard_page(request):
    return render(
        request,
        "voting/leaderboard.html",
        {
            "contest": contest_current(),
            "tracks": Track.choices,
            "categories": Category.objects.all(),
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
            "bootstrap_rounds": settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
        },
    )
