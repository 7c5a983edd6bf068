"""The JSON API: one django-ninja `NinjaAPI`, and the one place where errors become error JSON.

Each app declares its endpoints on a `Router` with pydantic schemas for the request and the
response; validation is taken from those schemas, and the OpenAPI document served at
/api/openapi.json (browsable at /api/docs) is generated from the same declarations, so the
reference cannot drift from the code.

Every API error has the shape {"error": {"code": "...", "message": "..."}} and a 4xx status
(validation errors add "fields": [{"field", "problem"}]). django-ninja exempts its views from
Django's CSRF middleware and leaves the check to cookie authentication; our citizens are
anonymous sessions, so `api_urls` puts Django's own CSRF check back on every route, with
`csrf_failure` answering in the error shape.
"""
import functools
import logging
from typing import Annotated

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import AfterValidator, StrictStr
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.errors import RETRY_AFTER_SECONDS, error_page, service_unavailable_message
from core.errors import DomainError, error_response

logger = logging.getLogger(__name__)

# A prompt is limited to a few thousand characters; a body far beyond that is not a prompt.
MAX_BODY_BYTES = 256 * 1024


class ErrorDetail(Schema):
    code: str
    message: str


class Error(Schema):
    """Every 4xx answer of the API."""

    error: ErrorDetail


def text_storable(text: str) -> str:
    # A JSON string may hold a lone surrogate ("\ud800", which UTF-8 cannot encode) or a NUL
    # ("\u0000", which PostgreSQL's text refuses): neither can be stored, so neither is accepted.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("unencodable") from None
    if "\x00" in text:
        raise ValueError("nul")
    return text


# Text from a request body: a real string (no number or list coerced into one) that UTF-8 can
# encode. Length and emptiness are the services' to judge, with their own error codes.
Text = Annotated[StrictStr, AfterValidator(text_storable)]

api = NinjaAPI(
    title="K-AI Arena API",
    version="1",
    description=(
        "Blind head-to-head battles, votes and leaderboards of K-AI Arena. Browsers call it with "
        "their session cookie and the `X-CSRFToken` header (the `csrftoken` cookie's value) on "
        "every POST. Errors: `{\"error\": {\"code\", \"message\"}}` with a 4xx status."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain_error(request, error: DomainError):
    response = error_response(error.code, error.message, error.status)
    if getattr(error, "retry_after", None):
        response["Retry-After"] = str(int(error.retry_after))
    return response


# Pydantic's error types, said in the visitor's language.
_PROBLEMS = {
    "missing": gettext_lazy("필수 항목입니다"),
    "string_type": gettext_lazy("문자열이어야 합니다"),
    "int_type": gettext_lazy("정수여야 합니다"),
    "int_parsing": gettext_lazy("정수여야 합니다"),
    "bool_type": gettext_lazy("참/거짓이어야 합니다"),
    "dict_type": gettext_lazy("JSON 객체여야 합니다"),
    "model_type": gettext_lazy("JSON 객체여야 합니다"),
    "model_attributes_type": gettext_lazy("JSON 객체여야 합니다"),
    "list_type": gettext_lazy("목록이어야 합니다"),
    "literal_error": gettext_lazy("허용되지 않는 값입니다"),
    "enum": gettext_lazy("허용되지 않는 값입니다"),
    "uuid_parsing": gettext_lazy("올바른 ID가 아닙니다"),
    "value_error": gettext_lazy("저장할 수 없는 문자(NUL 또는 짝 없는 서로게이트)가 들어 있습니다"),
}


def _field_name(location) -> str:
    # ninja reports ("body", "<argument>", "prompt"); the visitor knows only "prompt".
    parts = [str(part) for part in location[2:]] if location[:1] == ("body",) else list(map(str, location[1:]))
    return ".".join(parts) or _("요청 본문")


@api.exception_handler(ValidationError)
def _validation_error(request, error: ValidationError):
    fields = []
    for problem in error.errors:
        field = _field_name(tuple(problem.get("loc", ())))
        said = _PROBLEMS.get(problem.get("type"), gettext_lazy("형식이 올바르지 않습니다"))
        if problem.get("type") == "literal_error" and problem.get("ctx", {}).get("expected"):
            said = _("%(said)s (가능한 값: %(expected)s)") % {
                "said": said, "expected": problem["ctx"]["expected"]
            }
        fields.append({"field": field, "problem": str(said)})
    summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields)
    return error_response(
        "invalid", _("요청 값이 올바르지 않습니다. %(summary)s") % {"summary": summary}, 400,
        fields=fields,
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(RedisConnectionError)
@api.exception_handler(RedisTimeoutError)
def _service_unavailable(request, error: Exception):
    # The database dropped the connection (or its pool had none free) or Redis did not answer.
    # The transaction was rolled back, except in the rare case that the commit itself was cut
    # off, so the client may retry: a vote that did land then answers `already_voted`.
    logger.warning("%s %s: a backing service failed: %r", request.method, request.path, error)
    response = error_response("unavailable", service_unavailable_message(), 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    # ninja raises HttpError(400) for a body that is not JSON at all.
    if error.status_code == 400:
        return error_response("invalid", _("요청 본문이 올바른 JSON이 아닙니다."), 400)
    return error_response("invalid", error.message, error.status_code)


def body_too_large(request: HttpRequest) -> bool:
    """Whether the request's body passes MAX_BODY_BYTES, said or not in its Content-Length.

    A body sent in chunks has no length to read beforehand: it is read here, under Django's
    own cap (DATA_UPLOAD_MAX_MEMORY_SIZE), whose RequestDataTooBig would otherwise reach the
    handler as an HTML 400 with a traceback in the log.
    """
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > MAX_BODY_BYTES:
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    try:
        return len(request.body) > MAX_BODY_BYTES
    except RequestDataTooBig:
        return True


def too_large_response() -> JsonResponse:
    return error_response("too_large", _("요청 본문이 너무 큽니다."), 413)


def _api_view(view):
    """Wrap one route's view: Django's CSRF check, HEAD as GET without a body, 405 as error
    JSON."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        # The body was measured before the CSRF check read it (config.middleware.RequestGuard).
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response("method_not_allowed", _("허용되지 않는 메서드입니다."), 405)
            response["Allow"] = allowed
        if head:
            request.method = "HEAD"
            if not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
        return response

    wrapper.csrf_exempt = False
    return csrf_protect(wrapper)


def api_urls():
    """Return the API's URL patterns (for `include`), each route wrapped by `_api_view`."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _api_view(pattern.callback)
    return patterns, app_name, namespace


def session_key_ensure(request: HttpRequest) -> str:
    """Return the request's session key, creating the session if the browser has none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def api_not_found(request, exception=None):
    return error_response("not_found", _("찾을 수 없는 주소입니다."), 404)


def csrf_failure(request, reason=""):
    """Answer a failed CSRF check in the API's error shape under /api/, and with the site's own
    page elsewhere (a form sent from a page left open too long)."""
    message = _("보안 토큰이 없거나 맞지 않습니다. 페이지를 새로고침해 주세요.")
    if request.path.startswith("/api/"):
        return error_response("csrf_failed", message, 403)
    return error_page(403, _("요청을 확인할 수 없습니다"), message)
