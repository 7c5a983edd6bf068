"""The console's decision: the rule's form (a change after opening needs a reason), the live
decision panel, and the next round in one step. Organizers only; thin over contest.services and
voting.decision."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from config.roles import organizer_required
from console.views import _contest_or_404
from contest import services
from contest.models import Contest
from core.errors import DomainError
from voting.decision import decision_of_record


def _back(contest: Contest):
    return redirect(f"{reverse('console')}?contest={contest.slug}#decision-form")


def rule_from_form(form) -> dict:
    """Return the rule fields the form sent, as the model takes them ("" for k: none declared).

    Values are passed as text; the model's validation says what is wrong with any of them."""
    rule = {name: form.get(name) for name in Contest.RULE_FIELDS if name in form}
    if "advance_k" in rule:
        rule["advance_k"] = rule["advance_k"].strip() or None
    return rule


@require_POST
@organizer_required
def console_rule_set(request):
    contest = _contest_or_404(request)
    try:
        services.contest_rule_set(contest=contest, rule=rule_from_form(request.POST),
                                  actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("결정 규칙을 저장했습니다."))
    return _back(contest)


@require_safe
@organizer_required
def console_decision(request):
    """The decision panel alone, which the console page fetches again every minute."""
    contest = _contest_or_404(request)
    return render(request, "console/_decision.html", {"decision": decision_of_record(contest=contest)})


@require_POST
@organizer_required
def console_next_round(request):
    contest = _contest_or_404(request)
    try:
        nxt = services.contest_next_round(
            contest=contest, advancing=request.POST.getlist("advancing"),
            slug=request.POST.get("slug", "").strip(), title=request.POST.get("title", "").strip(),
            actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return _back(contest)
    messages.success(request, _("다음 라운드 '%(title)s'을(를) 준비 중 단계로 만들었습니다.") % {"title": nxt.title})
    return redirect(f"{reverse('console')}?contest={nxt.slug}")
