"""What the apps answered in front of Django share (voting/fast_vote.py, arena/fast_start.py).

Such an app answers on the event loop only a request that it has carried out; every other
request, and every one that a check would refuse, goes to Django unchanged (the body it read is
replayed), so that every error stays Django's own. Here: Django's request-phase checks on its own
ASGIRequest (SecurityMiddleware, CommonMiddleware, CsrfViewMiddleware), the response phase that
gives an answer Django's headers, the replay, and a pool of PostgreSQL connections per event loop.
"""
import asyncio
import logging

import psycopg
import psycopg_pool
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse, HttpResponseForbidden
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation

from config.api import MAX_BODY_BYTES
from config.middleware import KoreanFirstLocaleMiddleware

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A check says no: Django answers the request."""


class SilentCsrf(CsrfViewMiddleware):
    """Django's CSRF check, without its warning: a refused request is Django's to log (once)."""

    def _reject(self, request, reason):
        return HttpResponseForbidden()


class SettledCsp(CSPMiddleware):
    """django-csp's response phase for an answer made in front of Django, its headers built once.

    Such an answer carries no nonce (its request never reads one) and no view's change of the
    policy, so django-csp's headers for it depend on the settings, the status and whether the path
    is excluded, nothing else: they are built by django-csp itself, on a blank answer, once for
    each of those, and then copied (building the policy was the largest part of the response phase).
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built: dict[tuple, dict[str, str]] = {}

    def process_response(self, request, response):
        fresh = (getattr(request, "_csp_nonce", None) is None
                 and not any(hasattr(response, name) for name in CSP_RESPONSE_ATTRIBUTES))
        if not fresh:
            return super().process_response(request, response)
        key = (response.status_code, settings.DEBUG, *(
            (id(policy), request.path_info.startswith(tuple((policy or {}).get("EXCLUDE_URL_PREFIXES") or ())))
            for policy in (getattr(settings, name, None) for name in CSP_SETTINGS)))
        if key not in self._built:
            sample = super().process_response(request, HttpResponse(status=response.status_code))
            self._built[key] = {name: sample[name] for name in (HEADER, HEADER_REPORT_ONLY) if name in sample}
        for name, value in self._built[key].items():
            if name not in response:
                response[name] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# What django-csp reads from settings, and the attributes by which a view changes a response's
# policy (csp.decorators), which an answer made here never has.
CSP_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
CSP_RESPONSE_ATTRIBUTES = ("_csp_exempt", "_csp_exempt_ro", "_csp_config", "_csp_update", "_csp_replace",
                           "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


def _unused_view(request):  # what CsrfViewMiddleware.process_view is asked about
    raise AssertionError("never called")


def _nothing(request):  # the middleware are only asked, never chained
    return None


class DjangoChecks:
    """Django's request phase and response phase for an API request answered in front of it."""

    def __init__(self, *, sessions: bool = False):
        self.security, self.common = SecurityMiddleware(_nothing), CommonMiddleware(_nothing)
        self.csrf, self.locale = SilentCsrf(_nothing), KoreanFirstLocaleMiddleware(_nothing)
        # Django's response phase for an API answer, innermost first (settings.MIDDLEWARE):
        # the same headers as Django's own answer. With `sessions`, the session's cookie too.
        self.responders = [XFrameOptionsMiddleware(_nothing), self.common, self.locale,
                           *([SessionMiddleware(_nothing)] if sessions else []),
                           SettledCsp(_nothing), self.security]

    def request_check(self, request) -> None:
        """Raise Refused unless the host, the origin and the CSRF token pass as in Django; then
        take the visitor's language for the answer."""
        try:
            refused = any(middleware.process_request(request) is not None
                          for middleware in (self.security, self.common, self.csrf))
            refused = refused or self.csrf.process_view(request, _unused_view, (), {}) is not None
        except Exception as error:  # DisallowedHost and the like: Django says it
            raise Refused() from error
        if refused:
            raise Refused()
        self.locale.process_request(request)

    def respond(self, request, response: HttpResponse) -> HttpResponse:
        with translation.override(request.LANGUAGE_CODE):
            for middleware in self.responders:
                response = middleware.process_response(request, response)
        return response


async def answer_or_pass(app, scope, receive, send, answer, *, what: str) -> None:
    """Answer the request with `await answer(body)` when it gives a response; otherwise (None,
    Refused, a body too long, or a bug, which must not become a 500) Django answers it, with the
    body it was read replayed."""
    read = await body_read(receive)
    if read is None:  # the client left
        return
    body, more = read
    try:
        response = await answer(body) if not more else None
    except Refused:
        response = None
    except Exception:
        logger.exception("POST %s: the %s in front of Django failed", scope["path"], what)
        response = None
    if response is None:
        return await app(scope, replay(body, more, receive), send)
    await send_response(response, send)


async def body_read(receive) -> tuple[bytes, bool] | None:
    """Read the request's body up to MAX_BODY_BYTES; return it and whether more is to come, or
    None when the client left."""
    body, more = b"", True
    while more and len(body) <= MAX_BODY_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body, more


def replay(body: bytes, more: bool, receive):
    """The request's receive for Django: the body read so far, then the rest as it comes."""
    pending = [{"type": "http.request", "body": body, "more_body": more}]

    async def replayed():
        return pending.pop() if pending else await receive()

    return replayed


async def send_response(response: HttpResponse, send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    headers += [(b"set-cookie", c.OutputString().encode("ascii")) for c in response.cookies.values()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


class LoopPools:
    """One pool of PostgreSQL connections (autocommit) per event loop: a uvicorn process has one
    loop; tests have several."""

    def __init__(self, *, name: str, size: int, configure=None):
        # `configure(conn)`, awaited on each new connection (psycopg_pool's own hook).
        self.name, self.size, self.configure = name, size, configure
        self._pools: dict[asyncio.AbstractEventLoop, psycopg_pool.AsyncConnectionPool] = {}

    async def get(self) -> psycopg_pool.AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            database = settings.DATABASES["default"]
            conninfo = psycopg.conninfo.make_conninfo(
                dbname=database["NAME"], user=database.get("USER") or None,
                password=database.get("PASSWORD") or None, host=database.get("HOST") or None,
                port=str(database["PORT"]) if database.get("PORT") else None,
                options=database.get("OPTIONS", {}).get("options"),  # settings: no JIT
            )
            pool = psycopg_pool.AsyncConnectionPool(
                conninfo, kwargs={"autocommit": True}, open=False, name=self.name,
                # All opened at once: a connection opened while requests wait costs them a
                # backend's start (docs/performance.md).
                min_size=self.size, max_size=self.size, timeout=settings.DB_POOL_TIMEOUT,
                configure=self.configure,
            )
            self._pools[loop] = pool
            await pool.open(wait=True)  # every connection ready before the first request
        return self._pools[loop]

    async def close(self) -> None:
        """Close this event loop's connections (tests, before their database goes)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()
