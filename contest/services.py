"""Every write of contest: the lifecycle of a contest.

A contest moves draft → open → paused → closed → published; a paused contest opens again; a
closed one may be reopened, but only with a written reason. Closing freezes one leaderboard
snapshot per track and category (each carrying the SHA-256 of the vote rows it came from), so
what is later published is exactly what was frozen.
"""
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

from contest import signals
from contest.exceptions import NextRoundRefused, PhaseTransitionRefused
from contest.models import Contest, ContestRuleChange, ContestTransition, Entrant, Panel
from contest.phases import REASON_REQUIRED, TRANSITIONS
from core.errors import InvalidInput

Phase = Contest.Phase

REASON_MAX_CHARS = 2000


@transaction.atomic
def contest_transition(*, contest: Contest, to: object, actor=None, reason: object = "") -> Contest:
    """Move `contest` to phase `to`, log who did it and why, and return the updated contest.

    Locks the contest row, so two organizers pressing buttons at once serialise and the second
    sees the first's result. Publishing writes the public files (dataset, manifest, boards) in a
    Celery task after commit. Closing freezes every board (one snapshot per track and category);
    reopening unfreezes them, so a later close freezes the boards afresh. Raises InvalidInput for
    an unknown phase or a reason that is not text or too long, and PhaseTransitionRefused for a
    move the lifecycle does not allow (including reopening without a reason). Nothing changes
    when it raises.
    """
    if not isinstance(to, str) or to not in Phase.values:
        raise InvalidInput(
            _("단계는 %(phases)s 중 하나여야 합니다.") % {"phases": ", ".join(Phase.values)}
        )
    reason = _reason_clean(reason)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    current = contest.phase
    labels = dict(Phase.choices)
    if to == current:
        raise PhaseTransitionRefused(
            _("대회가 이미 '%(phase)s' 단계입니다.") % {"phase": labels[current]}
        )
    if to not in TRANSITIONS[current]:
        raise PhaseTransitionRefused(
            _("'%(from)s' 단계에서 '%(to)s' 단계로 바꿀 수 없습니다.")
            % {"from": labels[current], "to": labels[to]}
        )
    if (current, to) in REASON_REQUIRED and not reason:
        raise PhaseTransitionRefused(_("종료된 대회를 다시 열려면 사유를 적어야 합니다."))
    contest.phase = to
    contest.full_clean()
    contest.save(update_fields=["phase"])
    log = ContestTransition(
        contest=contest, actor=actor, from_phase=current, to_phase=to, reason=reason
    )
    log.full_clean()
    log.save()
    # The boards above react (freeze on closing, publish the files, clear their cache).
    signals.phase_changed.send(sender=Contest, contest=contest, from_phase=current, to_phase=to)
    return contest


def _reason_clean(reason: object) -> str:
    """Return `reason` as stored text, or raise InvalidInput (not text, or too long)."""
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise InvalidInput(_("사유는 문자열이어야 합니다."))
    reason = reason.replace("\x00", "").strip()  # PostgreSQL's text cannot hold a NUL
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(
            _("사유는 %(max)d자 이하로 써 주세요.") % {"max": REASON_MAX_CHARS}
        )
    return reason


@transaction.atomic
def contest_rule_set(*, contest: Contest, rule: dict, actor=None, reason: object = "") -> Contest:
    """Set the contest's decision rule (Contest.RULE_FIELDS; missing keys keep their value).

    Before the contest first opens the rule is simply declared. While it is open or paused, a
    change needs a reason: it is logged (ContestRuleChange) and published beside the result, as
    a reopen's reason is. Once closed, the boards and their decision are frozen: the rule changes
    only after reopening (with its reason), so the next close freezes the decision under it; once
    published, never. Locks the contest row. Raises InvalidInput for an unknown field or a value
    the model refuses (the message says which), PhaseTransitionRefused for a change without a
    reason or after closing; nothing changes when it raises. Returns the contest.
    """
    from django.core.exceptions import ValidationError

    if not isinstance(rule, dict) or not rule:
        raise InvalidInput(_("바꿀 결정 규칙이 없습니다."))
    unknown = sorted(set(rule) - set(Contest.RULE_FIELDS))
    if unknown:
        raise InvalidInput(_("알 수 없는 규칙 항목: %(names)s") % {"names": ", ".join(unknown)})
    reason = _reason_clean(reason)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    before = contest.rule()
    for name, value in rule.items():
        setattr(contest, name, value)
    try:
        contest.full_clean()
    except ValidationError as error:
        contest.refresh_from_db()
        raise InvalidInput(" ".join(error.messages)) from None
    after = contest.rule()
    if after == before:
        return contest
    if contest.phase in (Contest.Phase.CLOSED, Contest.Phase.PUBLISHED):
        contest.refresh_from_db()
        raise PhaseTransitionRefused(
            _("발표된 결과의 결정 규칙은 바꿀 수 없습니다.") if contest.phase == Contest.Phase.PUBLISHED
            else _("종료된 대회는 결정이 고정되어 있습니다. 규칙을 바꾸려면 사유를 적어 다시 연 뒤 "
                   "바꾸세요. 아무것도 바뀌지 않았습니다.")
        )
    if contest.phase != Contest.Phase.DRAFT and not reason:
        raise PhaseTransitionRefused(
            _("열린 뒤의 대회는 사유를 적어야 결정 규칙을 바꿀 수 있습니다. 아무것도 바뀌지 않았습니다.")
        )
    contest.save(update_fields=list(Contest.RULE_FIELDS))
    if contest.phase != Contest.Phase.DRAFT:
        log = ContestRuleChange(contest=contest, actor=actor, before=before, after=after,
                                reason=reason)
        log.full_clean()
        log.save()
    return contest


# What the next round copies of an entrant: who it is and how it is reached, not its health.
ENTRANT_COPIED = ("team_id", "display_name", "base_url", "model", "api_key_env", "params",
                  "timeout_seconds")


@transaction.atomic
def contest_next_round(*, contest: Contest, advancing: list[str], slug: object, title: object,
                       actor=None) -> Contest:
    """Start the next round of a published contest with its advancing entrants; return it.

    The new contest is a draft linked to `contest` (previous_round), with the same settings
    (system prompt, paced streams, decision rule; `advance_k` only while it is still below the
    number of entrants, else left for the organizer to declare), the same panel quotas and a
    copy of each advancing entrant (the categories are the site's, shared by every round).
    `advancing` names entrants of `contest` by display name: the caller (the console) takes
    them from the declared board's decision. Raises NextRoundRefused when `contest` is not
    published or fewer than two advance, InvalidInput for an unknown entrant or a slug or title
    the model refuses (a slug in use among them); nothing is written when it raises.
    """
    from django.core.exceptions import ValidationError

    if contest.phase != Contest.Phase.PUBLISHED:
        raise NextRoundRefused(_("결과를 발표한 대회에서만 다음 라운드를 시작할 수 있습니다."))
    if not isinstance(advancing, list) or len(set(advancing)) < 2:
        raise NextRoundRefused(_("다음 라운드에는 진출 모델이 둘 이상 있어야 합니다."))
    entrants = {entrant.display_name: entrant for entrant in contest.entrants.all()}
    unknown = sorted(str(name) for name in set(advancing) - set(entrants))
    if unknown:
        raise InvalidInput(_("이 대회에 없는 모델: %(names)s") % {"names": ", ".join(unknown)})
    k = contest.advance_k
    nxt = Contest(
        slug=slug if isinstance(slug, str) else "", title=title if isinstance(title, str) else "",
        phase=Contest.Phase.DRAFT, paced_streams=contest.paced_streams,
        system_prompt=contest.system_prompt, previous_round=contest,
        **{name: getattr(contest, name) for name in Contest.RULE_FIELDS},
    )
    nxt.advance_k = k if k is not None and k < len(set(advancing)) else None
    try:
        nxt.full_clean()
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None
    nxt.save()
    Entrant.objects.bulk_create([
        Entrant(contest=nxt, **{field: getattr(entrants[name], field) for field in ENTRANT_COPIED})
        for name in sorted(set(advancing))
    ])
    panel = Panel.objects.filter(contest=contest).first()
    if panel is not None:
        Panel.objects.create(contest=nxt, name=panel.name, quotas=panel.quotas)
    return nxt


# Invite codes: no 0/O or 1/I/L, so a code read aloud or typed from paper is not mistaken.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def panel_invites_create(*, panel, count: int) -> list[str]:
    """Create `count` one-time invite codes for `panel` and return them (shown once)."""
    import secrets

    from contest.models import PanelInvite

    if not isinstance(count, int) or not 1 <= count <= 10_000:
        raise InvalidInput(_("초대 코드는 한 번에 1개에서 10,000개까지 만들 수 있습니다."))
    codes = ["".join(secrets.choice(INVITE_ALPHABET) for _ in range(10)) for _ in range(count)]
    with transaction.atomic():
        PanelInvite.objects.bulk_create([PanelInvite(panel=panel, code=code) for code in codes])
    return codes


def panel_join(*, contest: Contest, code: object, session_key: str | None,
               session_new: Callable[[], str], profile: dict):
    """Make this browser session a member of the contest's panel with a declared profile.

    `session_key` is the browser's session (None before it has one); `session_new` makes one,
    called only once the code and the profile are good, so that a refused code stores nothing.
    The code works once; a wrong, used or foreign code raises PanelInviteInvalid, a bad profile
    InvalidInput, and nothing changes. A session that already joined gets its membership back,
    its own code sent again included.
    """
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from contest.exceptions import PanelInviteInvalid
    from contest.models import PanelInvite, PanelMember

    normalized = "".join(str(code or "").split()).upper().replace("-", "")
    with transaction.atomic():
        invite = (PanelInvite.objects.select_for_update(of=("self",)).select_related("panel", "member")
                  .filter(code=normalized, panel__contest=contest).first())
        if invite is None:
            raise PanelInviteInvalid()
        if invite.used_at is not None:
            if session_key and invite.member is not None and invite.member.session_key == session_key:
                return invite.member
            raise PanelInviteInvalid()
        existing = (PanelMember.objects.filter(panel=invite.panel, session_key=session_key).first()
                    if session_key else None)
        if existing is not None:
            return existing
        member = PanelMember(panel=invite.panel,
                             **{key: profile.get(key, "") for key in PanelMember.PROFILE})
        try:
            member.full_clean(exclude=["session_key"])
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages)) from None
        member.session_key = session_key or session_new()
        member.save()
        invite.used_at = timezone.now()
        invite.member = member
        invite.save(update_fields=["used_at", "member"])
    return member
