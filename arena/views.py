"""The citizen's battle page."""
from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from contest.models import Category
from contest.selectors import contest_accepts_judgments, contest_current


@require_safe
@ensure_csrf_cookie
def battle_page(request):
    contest = contest_current()
    return render(
        request,
        "arena/battle.html",
        {
            "contest": contest,
            "contest_open": contest_accepts_judgments(contest),
            "categories": Category.objects.all(),
            "prompt_max_chars": settings.ARENA["PROMPT_MAX_CHARS"],
            "max_turns": settings.ARENA["MAX_TURNS"],
            "pow_enabled": settings.ARENA["POW"]["ENABLED"],
        },
    )
