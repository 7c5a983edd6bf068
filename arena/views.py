"""The citizen's battle page, and the first-visit notice accepted on it."""
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from arena.notice import notice_accept, notice_accepted
from contest.models import Category
from arena.exceptions import BattleNotFound
from arena.selectors import battle_shared
from contest.selectors import contest_accepts_judgments, contest_current, contest_pause

# Set for the one page the acceptance redirects to, so that it puts the cursor in the prompt box.
NOTICE_JUST_ACCEPTED = "arena_notice_just_accepted"


@require_http_methods(["GET", "HEAD", "POST"])
@ensure_csrf_cookie
def battle_page(request):
    if request.method == "POST":
        # The notice's one button: a plain form, so it works from the keyboard and without script.
        # Post/redirect/get, so a reload does not ask to send the form again.
        if request.POST.get("notice") == "accept":
            notice_accept(request.session)
            request.session[NOTICE_JUST_ACCEPTED] = True
        return redirect("battle")
    contest = contest_current()
    categories = list(Category.objects.all())
    return render(
        request,
        "arena/battle.html",
        {
            "contest": contest,
            "contest_open": contest_accepts_judgments(contest),
            "pause": contest_pause(contest),
            "categories": categories,
            "examples": [
                (category, prompt) for category in categories
                for prompt in category.example_prompts()
            ],
            "notice_accepted": notice_accepted(request.session),
            "notice_just_accepted": request.session.pop(NOTICE_JUST_ACCEPTED, False),
            "prompt_max_chars": settings.ARENA["PROMPT_MAX_CHARS"],
            "max_turns": settings.ARENA["MAX_TURNS"],
            "pow_enabled": settings.ARENA["POW"]["ENABLED"],
        },
    )


@require_http_methods(["GET", "HEAD"])
def battle_shared_page(request, token: str):
    """A battle its owner chose to share: read-only, kept out of search engines."""
    try:
        shared = battle_shared(token=token)
    except BattleNotFound:
        raise Http404 from None
    response = render(request, "arena/shared.html", {"shared": shared})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
