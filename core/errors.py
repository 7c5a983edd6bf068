"""Errors that users can cause, and the one JSON shape the API answers them in.

Services raise a `DomainError`; `config.api` turns it into `error_response`. Each carries a
stable machine-readable `code`, the HTTP status that fits it, and a message that can be shown to
the user as it is. The errors every app raises live here; an app's own errors subclass the base
in its `exceptions` module.
"""
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _


def error_response(code: str, message, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message), **extra}}, status=status)


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = _("요청이 올바르지 않습니다.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"


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
