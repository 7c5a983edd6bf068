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
    return render(
        request,
        "voting/leaderboard.html",
        {
            **leaderboard_page_context(),
            "tracks": Track.choices,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
            "bootstrap_rounds": settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
            "style_min_votes": settings.LEADERBOARD["STYLE_MIN_VOTES"],
            "plots": PLOTS,
        },
    )
