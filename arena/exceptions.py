"""Errors a player can cause in a battle or a vote (the base and the shared ones: core.errors)."""
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class PromptEmpty(DomainError):
    code = "prompt_empty"
    default_message = _("질문을 입력해 주세요.")


class PromptTooLong(DomainError):
    code = "prompt_too_long"


class BattleNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("대결을 찾을 수 없습니다.")


class NotBattleOwner(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("이 대결은 다른 사용자가 시작한 것입니다.")


class ContestNotOpen(DomainError):
    code = "contest_closed"
    status = 409
    default_message = _("지금은 대회가 열려 있지 않습니다.")


class NoEntrantsAvailable(DomainError):
    code = "no_entrants"
    status = 503
    default_message = _("지금 대결할 수 있는 모델이 둘 이상 없습니다. 잠시 후 다시 시도해 주세요.")


class TurnNotAllowed(DomainError):
    code = "turn_not_allowed"
    status = 409


class BattleNotVotable(DomainError):
    code = "not_votable"
    status = 409


class AlreadyVoted(DomainError):
    code = "already_voted"
    status = 409
    default_message = _("이 대결에는 이미 투표했습니다.")


class NotVotedYet(DomainError):
    code = "not_voted"
    status = 409
    default_message = _("투표한 뒤에만 이유를 남길 수 있습니다.")


class NoticeNotAccepted(DomainError):
    code = "notice_required"
    status = 403
    default_message = _("질문을 보내기 전에 개인정보 안내(/privacy/)를 확인해 주세요. "
                        "질문은 두 참가 팀의 모델 서버로 보내집니다.")
