"""국민평가단: a citizen joins the contest's panel with an invite code and a declared profile."""
from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from config.api import session_key_ensure
from config.limits import limits_check
from contest import services
from contest.models import PanelMember
from contest.selectors import contest_current
from core.errors import DomainError


def _unchosen(choices) -> list[tuple[str, str]]:
    # Nothing is chosen for the citizen: a skipped field is an error, never a recorded default.
    return [("", _("선택해 주세요")), *choices]


class PanelJoinForm(forms.Form):
    code = forms.CharField(label=_("초대 코드"), max_length=30)
    age_band = forms.ChoiceField(label=_("나이대"), choices=_unchosen(PanelMember.AgeBand.choices))
    region = forms.ChoiceField(label=_("지역"), choices=_unchosen(PanelMember.Region.choices))
    gender = forms.ChoiceField(label=_("성별"), choices=_unchosen(PanelMember.Gender.choices))
    ai_use = forms.ChoiceField(label=_("AI 사용 빈도"), choices=_unchosen(PanelMember.AiUse.choices))


def panel_join_page(request):
    contest = contest_current()
    member = None
    error = None
    status = 200
    form = PanelJoinForm(request.POST or None)
    if request.method == "POST" and contest is not None and form.is_valid():
        data = form.cleaned_data
        try:
            # Every code sent counts, good or bad, so that guessing codes is slow; a session is
            # made only for a code that joins (services.panel_join).
            limits_check(request, action="panel")
            member = services.panel_join(
                contest=contest, code=data["code"], session_key=request.session.session_key,
                session_new=lambda: session_key_ensure(request),
                profile={key: data[key] for key in PanelMember.PROFILE},
            )
        except DomainError as failure:
            error, status = failure.message, failure.status
    elif contest is not None and request.session.session_key:
        member = PanelMember.objects.filter(
            panel__contest=contest, session_key=request.session.session_key
        ).first()
    if request.method == "POST" and member is None and status == 200:
        status = 400
    return render(request, "contest/panel_join.html",
                  {"form": form, "member": member, "error": error, "contest": contest},
                  status=status)
