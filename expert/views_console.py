"""The organizers' expert-track pages under /console/expert/: prompt sets and their import,
pre-generation, pairs and assignment, invitations, agreement, disputes and results.

Thin: each form is parsed here, then one service or selector does the work. Domain errors are
shown on the page; nothing is written when one is raised.
"""
import json

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.roles import organizer_required
from contest.models import Contest, Team
from contest.selectors import contest_current, contest_for_console
from core.errors import DomainError
from expert import judging, onboarding, selectors, services
from expert.exceptions import ImportRejected
from expert.models import Domain, Pair, PromptSet


def _contest(request) -> Contest | None:
    slug = request.GET.get("contest") or request.POST.get("contest")
    if slug:  # the console's own lookup: a slug no contest can have (a NUL) finds none
        contest = contest_for_console(slug)
        if contest is None:
            raise Http404
        return contest
    return contest_current()


@organizer_required
def overview_page(request):
    contest = _contest(request)
    prompt_sets = []
    if contest is not None:
        for prompt_set in PromptSet.objects.filter(contest=contest).prefetch_related("prompts"):
            prompt_sets.append(
                {
                    "set": prompt_set,
                    "prompts": prompt_set.prompts.count(),
                    "progress": selectors.pregeneration_progress(prompt_set),
                    "pairs": Pair.objects.filter(prompt__prompt_set=prompt_set).count(),
                    "gold": Pair.objects.filter(prompt__prompt_set=prompt_set, gold_answer__isnull=False).count(),
                    "naming": selectors.answers_naming_themselves(prompt_set),
                }
            )
    return render(
        request,
        "console/expert_overview.html",
        {"contest": contest, "prompt_sets": prompt_sets},
    )


@organizer_required
@require_POST
def prompt_set_action(request, prompt_set_id: int):
    """Run one step of the pipeline on a prompt set: generate, retry, pair or assign."""
    prompt_set = get_object_or_404(PromptSet, pk=prompt_set_id)
    action = request.POST.get("action")
    try:
        if action == "generate":
            created = services.answers_generate(prompt_set=prompt_set)
            messages.success(request, _("답변 %(n)d개 생성을 시작했습니다.") % {"n": created})
        elif action == "retry":
            retried = services.answers_retry(prompt_set=prompt_set)
            messages.success(request, _("실패한 답변 %(n)d개를 다시 시도합니다.") % {"n": retried})
        elif action == "pairs":
            size = _int_or_none(request.POST.get("size"))
            existing = Pair.objects.filter(prompt__prompt_set=prompt_set).count()
            if existing and request.POST.get("more") != "1":
                # More pairs change every expert's workload: asked for, never by a second click.
                messages.error(request, _("이미 비교 쌍 %(n)d개가 있습니다. 더 만들려면 ‘기존 쌍에 더해 만듭니다’를 선택하세요.") % {"n": existing})
                return redirect(f"/console/expert/?contest={prompt_set.contest.slug}")
            created = services.pairs_form(prompt_set=prompt_set, size=size)
            if created:
                messages.success(request, _("비교 쌍 %(n)d개를 만들었습니다.") % {"n": created})
            else:
                messages.info(request, _("새로 만들 비교 쌍이 없습니다 (이미 %(n)d개).") % {"n": existing})
        elif action == "assign":
            plan = services.assignments_create(
                prompt_set=prompt_set,
                k=_int_or_none(request.POST.get("k")),
                gold_per_expert=_int_or_none(request.POST.get("gold_per_expert")),
            )
            messages.success(request, _("배정 %(n)d건을 추가했습니다.") % {"n": len(plan.placements)})
            if plan.short:
                messages.warning(
                    request,
                    _("전문가가 모자란 쌍이 %(n)d개 있습니다 (분야가 맞고 이해 상충이 없는 전문가가 k명보다 적음).")
                    % {"n": len(plan.short)},
                )
        else:
            messages.error(request, _("알 수 없는 작업입니다."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(f"/console/expert/?contest={prompt_set.contest.slug}")


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # the service refuses it with its own message


class ImportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("질문 세트 제목"), max_length=200)
    file = forms.FileField(
        label=gettext_lazy("파일 (CSV, JSONL, XLSX)"), required=False,
        help_text=gettext_lazy("열: domain(분야), prompt(질문), note(메모, 선택)"),
    )


@organizer_required
def import_page(request):
    """Upload → preview (or every bad row with why) → confirm. The confirmation re-sends the
    previewed rows, which are validated again before anything is written."""
    contest = _contest(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "contest": contest, "domains": Domain.choices}
    if request.method == "POST" and contest is not None and form.is_valid():
        try:
            if "confirm" in request.POST:
                prompt_set = onboarding.prompt_set_import(
                    contest=contest, title=form.cleaned_data["title"], filename="preview.jsonl",
                    content=request.POST.get("rows", "").encode(),
                )
                messages.success(request, _("질문 %(n)d개를 가져왔습니다.") % {"n": prompt_set.prompts.count()})
                return redirect(f"/console/expert/?contest={contest.slug}")
            upload = form.cleaned_data["file"]
            if upload is None:
                form.add_error("file", _("파일을 골라 주세요."))
            else:
                rows = onboarding.prompts_parse(filename=upload.name, content=upload.read())
                context["preview"] = rows
                context["rows_jsonl"] = "\n".join(
                    json.dumps({"domain": r["domain"], "prompt": r["text"], "note": r["note"]}, ensure_ascii=False)
                    for r in rows
                )
        except ImportRejected as rejected:
            context["bad_rows"] = rejected.rows
            context["error"] = rejected.message
        except DomainError as error:
            context["error"] = error.message
    return render(request, "console/expert_import.html", context)


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("이메일"))
    domains = forms.MultipleChoiceField(
        label=gettext_lazy("분야"), choices=Domain.choices, widget=forms.CheckboxSelectMultiple
    )
    affiliations = forms.CharField(
        label=gettext_lazy("소속·이해관계 신고"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    conflicts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("이해 상충 팀 (이 팀의 모델이 나오는 쌍은 배정하지 않음)"),
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
    )


@organizer_required
def invite_page(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = onboarding.expert_invite(
                email=form.cleaned_data["email"],
                domains=form.cleaned_data["domains"],
                affiliations=form.cleaned_data["affiliations"],
                conflicts=list(form.cleaned_data["conflicts"]),
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(
                request, _("%(email)s에게 초대 메일을 보냈습니다 (가명 %(pseudonym)s).")
                % {"email": profile.user.email, "pseudonym": profile.pseudonym},
            )
            return redirect("console-expert-invite")
        except DomainError as error:
            form.add_error(None, str(error.message))
    return render(request, "console/expert_invite.html", {"form": form})


@organizer_required
def results_page(request):
    contest = _contest(request)
    results = selectors.expert_results(contest=contest) if contest else None
    return render(request, "console/expert_results.html", {"contest": contest, "results": results})


@organizer_required
def disputes_page(request):
    contest = _contest(request)
    pairs = selectors.pairs_disputed(contest=contest) if contest else []
    return render(
        request,
        "console/expert_disputes.html",
        {"contest": contest, "pairs": pairs, "decisions": judging.ADJUDICATION_DECISIONS},
    )


@organizer_required
@require_POST
def adjudicate(request, pair_id: int):
    pair = get_object_or_404(Pair.objects.select_related("prompt__prompt_set__contest"), pk=pair_id)
    try:
        judging.adjudication_record(
            pair=pair, organizer=request.user, decision=request.POST.get("decision"), note=request.POST.get("note")
        )
        messages.success(request, _("조정 결과를 기록했습니다."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(f"/console/expert/disputes/?contest={pair.prompt.prompt_set.contest.slug}")
