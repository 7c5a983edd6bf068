"""Logs that an operator can follow: JSON lines (python-json-logger) with a request id that
follows a battle from its POST into the worker's lines about its sides.

The request id is the X-Request-ID header when the request came through one of TRUSTED_PROXIES
(the proxy set it, or passed on one it trusts), else a new one; the response carries it back.
It lives in a context variable, which Django's request thread inherits (asgiref copies the
context), which rides in the Celery message's headers of every task the request sends, and which
the worker sets while the task runs and hands to the side's coroutine on the stream loop
(arena.runner). python-json-logger, not a hand-written formatter: a well-kept library for
exactly this, which escapes whatever a message holds.
"""
import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
HEADER = "X-Request-ID"
TASK_HEADER = "kai_request_id"
# A proxy's id is taken only if it looks like one: no spaces, quotes or control characters.
_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestIdFilter(logging.Filter):
    """Give every record the request id of the request or task it was logged under ("-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


def request_id_for(scope) -> str:
    """Return the id of the request in ASGI `scope`: its proxy's X-Request-ID, or a new one."""
    # Imported here: this module loads with the Celery app, before Django's settings.
    from config.limits import peer_is_trusted_proxy

    peer = (scope.get("client") or ("",))[0]
    if peer_is_trusted_proxy(peer):
        for name, value in scope.get("headers") or []:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                if _VALID.fullmatch(given):
                    return given
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """ASGI middleware (outermost, config/asgi.py): set the request id for everything the
    request does, and answer it in X-Request-ID."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        request_id = request_id_for(scope)
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


@before_task_publish.connect
def _request_id_to_task(headers=None, **kwargs) -> None:
    request_id = REQUEST_ID.get()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _request_id_from_task(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    _task_tokens[task_id] = REQUEST_ID.set(request_id)


@task_postrun.connect
def _request_id_done(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        REQUEST_ID.reset(token)
