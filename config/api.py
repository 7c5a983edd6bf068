"""The one place where JSON API requests are parsed and domain errors become error JSON.

Every API error has the shape {"error": {"code": "...", "message": "..."}} and a 4xx status.
"""
import functools
import json
import logging

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from arena.exceptions import DomainError

logger = logging.getLogger(__name__)

# A prompt is limited to a few thousand characters; a body far beyond that is not a prompt.
MAX_BODY_BYTES = 256 * 1024


def error_response(code: str, message, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def json_body(request: HttpRequest) -> dict:
    """Return the request's JSON object body, or raise DomainError saying what is wrong."""
    if len(request.body) > MAX_BODY_BYTES:
        error = DomainError(_("요청 본문이 너무 큽니다."))
        error.code, error.status = "too_large", 413
        raise error
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError(_("요청 본문이 올바른 JSON이 아닙니다.")) from exc
    if not isinstance(body, dict):
        raise DomainError(_("요청 본문은 JSON 객체여야 합니다."))
    return body


def json_api(*methods: str):
    """Wrap an API view: allow only `methods`, turn DomainError into error JSON."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error_response(
                    "method_not_allowed", _("허용되지 않는 메서드입니다."), 405
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                return error_response(error.code, error.message, error.status)

        return wrapper

    return decorate


def session_key_ensure(request: HttpRequest) -> str:
    """Return the request's session key, creating the session if the browser has none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def api_not_found(request, exception=None):
    return error_response("not_found", _("찾을 수 없는 주소입니다."), 404)


def csrf_failure(request, reason=""):
    """Answer a failed CSRF check in the API's error shape (pages get the same JSON)."""
    return error_response("csrf_failed", _("보안 토큰이 없거나 맞지 않습니다. 페이지를 새로고침해 주세요."), 403)
