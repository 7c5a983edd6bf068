"""The expert's pages (their queue and one item) and the invitation link. Thin: reads and renders.

Organizer pages of the expert track are in `expert.views_console`.
"""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from config.roles import expert_required
from config.second_factor import enrolment_invite
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
    """The invitation link: the expert chooses a password once, then signs in.

    Only the expert's own invitation token opens it (expert.onboarding.invitation_tokens), never
    a password-reset token, and only for an account that is an expert and nothing more and has
    no authenticator yet; any other link gets the same "used or invalid" page. Where a second
    factor is required, the expert is signed in with the password just set, as far as the
    enrolment of an authenticator app (config.second_factor) and nothing else.
    """

    template_name = "expert/welcome.html"
    reset_url_token = "set-password"
    token_generator = onboarding.invitation_tokens

    @property
    def post_reset_login(self):
        return settings.TWO_FACTOR_REQUIRED

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and onboarding.invitation_valid(user) else None

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.post_reset_login:
            enrolment_invite(self.request, form.user)
        return response

    def get_success_url(self):
        return reverse("second-factor") if settings.TWO_FACTOR_REQUIRED else reverse("login")
