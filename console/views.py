"""The organizers' console under /console/: live figures, lifecycle buttons, exports, results.

Every view is organizers only (anonymous → login, anyone else → 403). Views are thin: they call
contest.services / console.selectors / voting.exports / voting.export_jobs and shape the answer.
"""
import mimetypes

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from config.roles import organizer_required
from console import selectors as console_selectors
from contest import phases, selectors, services
from contest.models import Contest
from core.errors import DomainError
from voting import export_jobs, exports
from voting.blindness.selectors import audit_shown
from voting.decision import decision_of_record
from voting.models import Track

# What each change of phase does, shown beside its button; the ones that stop or end the contest
# are confirmed on the page (and checked here), publication by typing the contest's slug.
PHASE_EFFECTS = {
    Contest.Phase.OPEN: gettext_noop("시민이 대결하고 투표하며, 전문가가 판정할 수 있게 됩니다."),
    Contest.Phase.PAUSED: gettext_noop("새 대결, 투표, 판정을 잠시 멈춥니다. 다시 열 수 있습니다."),
    Contest.Phase.CLOSED: gettext_noop("투표와 판정을 끝내고 모든 순위표를 고정합니다. 다시 열려면 사유가 필요합니다."),
    Contest.Phase.PUBLISHED: gettext_noop("고정된 순위표, 투표 데이터셋과 매니페스트를 누구나 볼 수 있게 공개합니다. 되돌릴 수 없습니다."),
}
CONFIRMED = (Contest.Phase.PAUSED, Contest.Phase.CLOSED, Contest.Phase.PUBLISHED)

EXPORT_LABELS = {
    "dataset": "투표 데이터 (JSONL · Parquet · 매니페스트)",
    "judgments": "전문가 판정 데이터 (JSONL · Parquet · 매니페스트)",
    "leaderboards": "순위표 (CSV · JSON · Excel)",
    "teams": "팀별 보고서 (Excel)",
}


def _contest_or_404(request) -> Contest:
    contest = selectors.contest_for_console(request.GET.get("contest") or request.POST.get("contest"))
    if contest is None:
        raise Http404(_("대회가 없습니다."))
    return contest


@require_safe
@organizer_required
def console_page(request):
    contest = _contest_or_404(request)
    labels = dict(Contest.Phase.choices)
    return render(request, "console/console.html", {
        "contest": contest,
        "contests": Contest.objects.all(),
        "overview": console_selectors.console_overview(contest=contest),
        "next_phases": [(phase, labels[phase], _(PHASE_EFFECTS[phase]))
                        for phase in phases.transitions_allowed(contest.phase)],
        "confirmed": CONFIRMED,
        "reason_required": [to for (source, to) in phases.REASON_REQUIRED if source == contest.phase],
        "transitions": selectors.contest_transitions(contest=contest),
        "export_kinds": [(kind, _(EXPORT_LABELS[kind])) for kind in export_jobs.JOB_KINDS],
        "blindness": audit_shown(contest=contest),
        "provisional_boards": (console_selectors.boards_provisional(contest=contest)
                               if Contest.Phase.PUBLISHED in phases.transitions_allowed(contest.phase)
                               else []),
        "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
        "decision": decision_of_record(contest=contest),
        "rule_choices": {"board": Contest.DecisionBoard.choices, "tie": Contest.TieRule.choices,
                         "pair_draw": Contest.PairDraw.choices},
        "entrant_names": list(contest.entrants.values_list("display_name", flat=True)),
    })


@require_safe
@organizer_required
def console_data(request):
    contest = _contest_or_404(request)
    return JsonResponse(console_selectors.console_overview(contest=contest))


@require_POST
@organizer_required
def console_transition(request):
    contest = _contest_or_404(request)
    to = request.POST.get("to")
    refusal = _unconfirmed(contest, to, request.POST)
    if refusal:
        messages.error(request, refusal)
        return redirect(f"{reverse('console')}?contest={contest.slug}")
    try:
        contest = services.contest_transition(
            contest=contest, to=to, actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("대회를 '%(phase)s' 단계로 바꿨습니다.")
                         % {"phase": contest.get_phase_display()})
    return redirect(f"{reverse('console')}?contest={contest.slug}")


def _unconfirmed(contest: Contest, to, form) -> str | None:
    """Return why a button press is not yet a decision, or None when it is confirmed."""
    if to in CONFIRMED and form.get("confirm") != to:
        return _("확인란을 선택해야 단계를 바꿉니다. 아무것도 바뀌지 않았습니다.")
    if to == Contest.Phase.PUBLISHED and (form.get("confirm_slug") or "").strip() != contest.slug:
        return _("발표는 되돌릴 수 없어, 대회 슬러그를 정확히 입력해야 합니다. 아무것도 바뀌지 않았습니다.")
    return None


@require_POST
@organizer_required
def console_export_start(request):
    contest = _contest_or_404(request)
    try:
        job_id = export_jobs.export_job_start(contest=contest, kind=request.POST.get("kind"))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('console')}?contest={contest.slug}")
    return redirect("console-export", job_id=job_id)


def _job_or_404(job_id: str) -> dict:
    job = export_jobs.export_job_get(job_id)
    if job is None:
        raise Http404(_("내보내기 작업을 찾을 수 없습니다."))
    return job


@require_safe
@organizer_required
def console_export_page(request, job_id: str):
    job = _job_or_404(job_id)
    return render(request, "console/export.html", {"job": job, "kind_label": _(EXPORT_LABELS[job["kind"]])})


@require_safe
@organizer_required
def console_export_status(request, job_id: str):
    return JsonResponse(_job_or_404(job_id))


@require_safe
@organizer_required
def console_export_file(request, job_id: str, name: str):
    job = _job_or_404(job_id)
    if job.get("status") != "done" or name not in job.get("files", []):
        raise Http404(_("파일이 없습니다."))
    path = export_jobs.export_job_folder(job["id"]) / name
    if not path.is_file():
        raise Http404(_("파일이 없습니다."))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type=content_type)


# The interval plot of the printable page is drawn on the server, so it prints without scripts.
PLOT_WIDTH, PLOT_ROW, PLOT_LEFT, PLOT_RIGHT = 640, 26, 170, 20


def _interval_plot(models: list[dict]) -> dict:
    if not models:
        return {"height": 0, "rows": [], "ticks": []}
    low = min(row["ci_lower"] for row in models)
    high = max(row["ci_upper"] for row in models)
    span = max(high - low, 1.0)
    low, high = low - span * 0.05, high + span * 0.05
    inner = PLOT_WIDTH - PLOT_LEFT - PLOT_RIGHT

    def x(value: float) -> float:
        return round(PLOT_LEFT + (value - low) / (high - low) * inner, 1)

    step = 10 ** max(0, len(str(int(span))) - 1)
    first = int(low // step + 1) * step
    ticks = [{"x": x(value), "label": int(value)} for value in range(first, int(high) + 1, step)][:12]
    rows = [
        {"y": 20 + i * PLOT_ROW, "label": row["model"], "x1": x(row["ci_lower"]),
         "x2": x(row["ci_upper"]), "cx": x(row["rating"]), "rating": row["rating"]}
        for i, row in enumerate(models)
    ]
    return {"height": 30 + len(models) * PLOT_ROW, "rows": rows, "ticks": ticks,
            "width": PLOT_WIDTH, "axis_y": 20 + len(models) * PLOT_ROW - 8}


def _results_context(contest: Contest, **extra) -> dict:
    """What the printable results page shows: the overall boards with their plots, when the
    results were published (or, before that, printed), and the provisional threshold."""
    boards = [
        board for board in exports.boards_of_record(contest=contest) if board["category"] is None
    ]
    for board in boards:
        board["plot"] = _interval_plot(board["models"] if board["ratings_shown"] else [])
    published = (contest.transitions.filter(to_phase=Contest.Phase.PUBLISHED)
                 .order_by("-created_at").values_list("created_at", flat=True).first())
    return {
        "contest": contest, "boards": boards, "published_at": published,
        "printed_at": timezone.now(), "any_provisional": any(b["provisional"] for b in boards),
        "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
        "blindness": audit_shown(contest=contest),
        "decision": decision_of_record(contest=contest), **extra,
    }


@require_safe
@organizer_required
def console_results(request):
    """A results page that prints cleanly: one page per track, table and interval plot."""
    contest = _contest_or_404(request)
    return render(request, "console/results.html",
                  _results_context(contest, tracks=dict(Track.choices)))


# --- public results, once published ------------------------------------------------------

# The phases a visitor can already see a contest in, whose results are still to come.
RESULTS_PENDING = (Contest.Phase.OPEN, Contest.Phase.PAUSED, Contest.Phase.CLOSED)

def _published_contest(slug: str | None) -> Contest:
    contest = selectors.contest_for_console(slug)
    if contest is None or contest.phase != Contest.Phase.PUBLISHED:
        raise Http404(_("아직 결과가 발표되지 않았습니다."))
    return contest


@require_safe
def results_public(request):
    """The published results for everyone: the printable boards and the files to verify them.

    Before publication a contest the public already sees (open, paused or closed) gets a page
    saying when its results come (still a 404: there are no results at this address yet); a
    draft or an unknown contest gets the site's 404 page.
    """
    try:
        contest = _published_contest(request.GET.get("contest"))
    except Http404:
        pending = selectors.contest_for_console(request.GET.get("contest"))
        if pending is None or pending.phase not in RESULTS_PENDING:
            raise
        return render(request, "console/results_pending.html", {"contest": pending}, status=404)
    return render(request, "console/results.html",
                  _results_context(contest, files=exports.published_files(contest)))


@require_safe
def results_public_file(request, slug: str, name: str):
    contest = _published_contest(slug)
    if name not in exports.published_files(contest):
        raise Http404(_("파일이 없습니다."))
    path = exports.published_folder(contest) / name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type=content_type)
