"""The expert's pages (their queue and one item) and the invitation link. Thin: reads and renders.

Organizer pages of the expert track are in `voting.views_console_expert`.
"""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from config.roles import expert_required
from voting import selectors_expert, services_expert
from voting.exceptions_expert import ItemNotFound, NotAssigned


@expert_required
def queue_page(request):
    assignments = selectors_expert.expert_queue(request.user)
    following = selectors_expert.assignment_next(request.user)
    return render(
        request,
        "expert/queue.html",
        {
            "assignments": assignments,
            "progress": selectors_expert.expert_progress(request.user),
            "next": following,
        },
    )


@expert_required
def item_page(request, item_id: int):
    try:
        assignment = services_expert.assignment_open(assignment_id=item_id, user=request.user)
    except ItemNotFound as error:
        raise Http404(error.message) from error
    except NotAssigned as error:
        raise PermissionDenied(error.message) from error
    return render(
        request,
        "expert/item.html",
        {
            "item": selectors_expert.item_state(assignment),
            "rationale_min": settings.EXPERT["RATIONALE_MIN_CHARS"],
            "skip_min": settings.EXPERT["SKIP_REASON_MIN_CHARS"],
        },
    )


@expert_required
def next_page(request):
    following = selectors_expert.assignment_next(request.user)
    if following is None:
        return redirect("expert-queue")
    return redirect("expert-item", item_id=following.pk)


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: the expert chooses a password once, then logs in."""

    template_name = "expert/welcome.html"
    success_url = reverse_lazy("login")
    reset_url_token = "set-password"
