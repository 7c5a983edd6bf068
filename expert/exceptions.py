"""Errors an expert or organizer can cause in the expert track (see core.errors)."""
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ItemNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("항목을 찾을 수 없습니다.")


class NotAssigned(DomainError):
    code = "not_assigned"
    status = 403
    default_message = _("이 항목은 나에게 배정된 것이 아닙니다.")


class AlreadyJudged(DomainError):
    code = "already_judged"
    status = 409
    default_message = _("이 항목은 이미 판정했습니다.")


class ItemSkipped(DomainError):
    code = "skipped"
    status = 409
    default_message = _("건너뛴 항목입니다.")


class RubricIncomplete(DomainError):
    code = "rubric_incomplete"


class RationaleTooShort(DomainError):
    code = "rationale_too_short"


class ImportRejected(DomainError):
    """A prompt file with bad rows; `rows` lists each as {"row": n, "errors": [...]}."""

    code = "import_rejected"

    def __init__(self, rows: list[dict], message=None):
        self.rows = rows
        super().__init__(
            message or _("잘못된 행이 %(count)d개 있어 아무것도 가져오지 않았습니다.") % {"count": len(rows)}
        )
