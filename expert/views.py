"""The expert's pages (their queue and one item) and the invitation link. Thin: reads and renders.

Organizer pages of the expert track are in `expert.views_console`.
"""
from base64 import b32encode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django_otp import login as otp_login

from config.roles import expert_required
from core.errors import DomainError
from expert import judging, onboarding, selectors
from expert.exceptions import ItemNotFound, NotAssigned


@expert_required
def queue_page(request):
    assignments = selectors.expert_queue(request.user)
    following = selectors.assignment_next(request.user)
    return render(
        request,
        "expert/queue.html",
        {
            "assignments": assignments,
            "progress": selectors.expert_progress(request.user),
            "next": following,
            "judging": selectors.judging_state(following),
            "saved": request.GET.get("saved") == "1",
        },
    )


@expert_required
def item_page(request, item_id: int):
    try:
        assignment = judging.assignment_open(assignment_id=item_id, user=request.user)
    except ItemNotFound as error:
        raise Http404(error.message) from error
    except NotAssigned as error:
        raise PermissionDenied(error.message) from error
    return render(
        request,
        "expert/item.html",
        {
            "item": selectors.item_state(assignment),
            "rationale_min": settings.EXPERT["RATIONALE_MIN_CHARS"],
            "skip_min": settings.EXPERT["SKIP_REASON_MIN_CHARS"],
            # The judgment just submitted on the previous item (static/expert/item.js).
            "saved": request.GET.get("saved") == "1",
        },
    )


@expert_required
def next_page(request):
    following = selectors.assignment_next(request.user)
    if following is None:
        return redirect("expert-queue")
    return redirect("expert-item", item_id=following.pk)


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: the expert chooses a password once, then logs in.

    Where a second factor is required, the expert is signed in with the password just set and
    sent to add an authenticator app before anything else.
    """

    template_name = "expert/welcome.html"
    reset_url_token = "set-password"

    @property
    def post_reset_login(self):
        return settings.TWO_FACTOR_REQUIRED

    def get_success_url(self):
        return reverse("expert-second-factor") if settings.TWO_FACTOR_REQUIRED else reverse("login")


@login_required
def second_factor_page(request):
    """Add the invited expert's authenticator app: show its key, confirm it with a code."""
    try:
        device = onboarding.expert_second_factor_start(user=request.user)
    except DomainError:
        return redirect("expert-queue")
    error = None
    if request.method == "POST":
        try:
            device = onboarding.expert_second_factor_confirm(
                user=request.user, token=request.POST.get("otp_token")
            )
        except DomainError as failure:
            error = failure.message
        else:
            otp_login(request, device)
            return redirect("expert-queue")
    return render(
        request,
        "expert/second_factor.html",
        {"key": b32encode(device.bin_key).decode(), "config_url": device.config_url, "error": error},
    )
