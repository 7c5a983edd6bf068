"""The site's last-resort error pages: what a visitor sees when a request fails outside a view.

The API turns a database or Redis failure inside a view into JSON 503 (config/api.py). A failure
before or after the view (the session, the user or the CSRF check reading the database; the
session written back) reaches Django's `handler500` instead. Here the same failure is a 503 with
`Retry-After`, in the API's JSON shape under /api/ and as a Korean page elsewhere; anything else
is a plain 500 page. The pages are rendered without the request, so that they need neither the
database nor Redis to be shown.
"""
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.errors import error_response

logger = logging.getLogger(__name__)

# A backing service failed: the request may be retried once it is back.
SERVICE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 2


def service_unavailable_message() -> str:
    return _("서버 연결이 잠시 끊겨 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.")


def server_error(request):
    """`handler500`: 503 when a backing service failed, 500 otherwise; never touches either."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, SERVICE_ERRORS)
    api = request.path.startswith("/api/")
    if unavailable:
        if api:
            response = error_response("unavailable", service_unavailable_message(), 503)
        else:
            response = error_page(503, _("잠시 연결이 끊겼습니다"), service_unavailable_message())
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return error_response("server_error", _("서버에서 오류가 났습니다. 운영팀이 기록을 확인합니다."), 500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def bad_request(request, exception=None):
    """`handler400`: a request Django refused before its view (a broken multipart body, a
    suspicious operation), in the API's JSON shape under /api/ and as the site's page elsewhere."""
    message = _("요청을 읽을 수 없습니다. 형식을 확인해 주세요.")
    if request.path.startswith("/api/"):
        return error_response("bad_request", message, 400)
    return error_page(400, _("잘못된 요청"), message)


def error_page(status: int, title: str, message: str) -> HttpResponse:
    """The site's error page, rendered without the request (no session, no database)."""
    html = loader.get_template("error.html").render({"title": title, "message": message})
    return HttpResponse(html, status=status)
