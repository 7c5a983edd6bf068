"""Errors that users can cause. Services raise them; `config.api` turns them into error JSON.

Each carries a stable machine-readable `code`, the HTTP status that fits it, and a message
that can be shown to the user as it is.
"""
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = _("요청이 올바르지 않습니다.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"


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


class RateLimited(DomainError):
    """Too many requests; `retry_after` (seconds) becomes the Retry-After header."""

    code = "rate_limited"
    status = 429
    default_message = _("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.")

    def __init__(self, message=None, *, retry_after: int | None = None):
        self.retry_after = retry_after
        if message is None and retry_after:
            minutes = max(1, -(-retry_after // 60))
            message = _("요청이 너무 많습니다. %(minutes)s분 뒤에 다시 시도해 주세요.") % {
                "minutes": minutes
            }
        super().__init__(message)
