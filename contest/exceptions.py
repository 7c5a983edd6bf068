"""Errors an organizer can cause when running a contest's lifecycle."""
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class PhaseTransitionRefused(DomainError):
    """The contest cannot move to the asked phase from where it is now (or not without a reason)."""

    code = "phase_transition_refused"
    status = 409
    default_message = _("대회 단계를 그렇게 바꿀 수 없습니다.")


class PanelInviteInvalid(DomainError):
    code = "invite_invalid"
    default_message = _("초대 코드가 맞지 않거나 이미 사용되었습니다.")


class NextRoundRefused(DomainError):
    """The next round cannot start from this contest (not published, or no advancing set)."""

    code = "next_round_refused"
    status = 409
    default_message = _("다음 라운드를 시작할 수 없습니다.")
