"""The console's blindness audit button: run the audit of a contest now (organizers only)."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.roles import organizer_required
from contest import selectors
from stats.attribution import MIN_ANSWERS_PER_MODEL, AuditImpossible
from voting.blindness.services import blindness_audit_run


@require_POST
@organizer_required
def console_blindness_run(request):
    """Run the audit in the request: a contest's answers take seconds (docs/performance.md);
    `manage.py blindness_audit` does the same from a shell."""
    contest = selectors.contest_for_console(request.POST.get("contest"))
    if contest is None:
        raise Http404(_("대회가 없습니다."))
    try:
        blindness_audit_run(contest=contest)
    except AuditImpossible:
        messages.error(request, _("블라인드 감사를 할 수 없습니다: 답변이 %(minimum)s개 이상인 모델이 "
                                  "둘 이상 있어야 합니다.") % {"minimum": MIN_ANSWERS_PER_MODEL})
    else:
        messages.success(request, _("블라인드 감사를 마쳤습니다."))
    return redirect(f"{reverse('console')}?contest={contest.slug}#blindness")
