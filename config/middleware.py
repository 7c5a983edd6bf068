"""The site's own middleware: requests refused before Django's, Korean first, the enrolment
of a second factor where one is required, a sync chain."""
import functools
import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost, TooManyFieldsSent
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from config.api import body_too_large, too_large_response
from config.errors import error_page
from config.second_factor import enrolment_due
from core.errors import error_response

logger = logging.getLogger(__name__)


@functools.cache
def _admin_prefix() -> str:
    return reverse("admin:index")


class RequestGuardMiddleware:
    """Refuse a request for another host, a query of too many fields or an API body past its
    cap as the site's own error: JSON under /api/, the error page elsewhere.

    Django refuses each of them too, but by raising a SuspiciousOperation, which it logs at
    ERROR with a traceback and answers with an HTML 400, under /api/ as well. Listed before
    every middleware that reads the host, the query or the body (CommonMiddleware, the CSRF
    check), so that none of them meets one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        try:
            request.get_host()
        except DisallowedHost:
            logger.warning("Refused a request for a host not in ALLOWED_HOSTS: %r",
                           request.META.get("HTTP_HOST", "")[:200])
            return self.refuse(api, "bad_host", _("이 주소로는 사이트에 접속할 수 없습니다."))
        try:
            query = request.GET  # parsed here, under Django's cap on the number of fields
        except TooManyFieldsSent:
            return self.refuse(api, "invalid", _("주소의 질의 항목이 너무 많습니다."))
        # PostgreSQL's text cannot hold a NUL, and the admin's lists hand their query to the
        # database as filters and searches (?excluded__exact=%00): the driver's refusal would be
        # a 500. The site's own views read their queries themselves (a NUL slug is no contest's).
        if request.path.startswith(_admin_prefix()) and any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in query.lists()):
            return self.refuse(api, "invalid", _("주소에 쓸 수 없는 문자(NUL)가 들어 있습니다."))
        if api and body_too_large(request):
            return too_large_response()
        return self.get_response(request)

    @staticmethod
    def refuse(api: bool, code: str, message: str):
        if api:
            return error_response(code, message, 400)
        return error_page(400, _("잘못된 요청"), message)


class KoreanFirstLocaleMiddleware(LocaleMiddleware):
    """Activate the language from the site's language cookie, else LANGUAGE_CODE (Korean).

    Django's LocaleMiddleware also follows the browser's Accept-Language header, which would
    show English to a Korean citizen whose browser happens to be set to English. The contest is
    a Korean public service, so only an explicit choice (the header's language switch, which
    sets the cookie) changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SyncChainMiddleware:
    """Keep the whole middleware chain synchronous under ASGI (listed last, so innermost).

    Under ASGI, Django runs every async-capable middleware in async mode as long as the
    handler inside it is async, and MiddlewareMixin then sends each process_request and
    process_response to the request's thread with sync_to_async: about sixteen hops between
    the event loop and the thread per request, which cost a cached leaderboard read four times
    its own work. Being sync-only and innermost, this one makes Django choose sync mode for
    every middleware around it: the chain and the (sync) views run in the request's thread
    with one hop in and one out. It changes nothing in the request or the response.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class EnrolmentRequiredMiddleware:
    """Where TWO_FACTOR_REQUIRED, an account that must have an authenticator app and has none
    (config.second_factor.enrolment_due) reaches only its enrolment and the sign-out: a page
    is sent to the enrolment, the API answers 403 `second_factor_required`. After
    django_otp's OTPMiddleware, which tells whether the session proved a factor.
    """

    OPEN = ("/accounts/second-factor/", "/accounts/logout/", "/static/", "/jsi18n/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.OPEN) or not enrolment_due(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return error_response("second_factor_required",
                                  _("먼저 인증 앱을 등록해 주세요: %(path)s") % {"path": self.OPEN[0]}, 403)
        return redirect(self.OPEN[0])
