"""The public leaderboard page. Figures come from /api/leaderboard; plots are drawn in the page."""
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from voting.models import Track
from voting.selectors import leaderboard_page_context


# Each plot is drawn by the page (static/voting/leaderboard.js) and has the same figures as a table.
PLOTS = (
    ("ratings", _("점수와 95% 신뢰구간")),
    ("winrate", _("승률 (행 모델이 열 모델을 이긴 비율)")),
    ("battles", _("대결 수")),
    ("time", _("날짜별 투표 수")),
)


@require_safe
def leaderboard_page(request):
    """The board as the address says (?track=…&category=…, so a view can be shared); an unknown
    track or category in the address opens the default view rather than an error."""
    context = leaderboard_page_context()
    track = request.GET.get("track")
    if track not in Track.values:
        track = Track.CITIZEN
    category = request.GET.get("category") or ""
    if category not in {each.slug for each in context["categories"]}:
        category = ""
    return render(
        request,
        "voting/leaderboard.html",
        {
            **context,
            "track": track,
            "category": category,
            "tracks": Track.choices,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
            "bootstrap_rounds": settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
            "style_min_votes": settings.LEADERBOARD["STYLE_MIN_VOTES"],
            "plots": PLOTS,
        },
    )
