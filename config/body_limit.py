"""The request body's cap, kept while the body arrives: an ASGI middleware in front of Django.

Django's ASGI handler reads a request's whole body before any middleware or view runs, into a
file that moves to disk past FILE_UPLOAD_MAX_MEMORY_SIZE; config.api.body_too_large then
refuses it, but only once it is all there. A body sent in chunks says no length beforehand, so
a client could make the web process write gigabytes to disk for one 413. Here each chunk is
counted as it is received: past the cap, the app is told the client left (Django then stops
quietly, as for any client that leaves) and the client is answered 413 in the site's shape:
the API's error JSON under /api/ (MAX_BODY_BYTES), the error page elsewhere (Django's own
DATA_UPLOAD_MAX_MEMORY_SIZE, beyond which Django would refuse the body anyway). A declared
Content-Length past the cap is left to Django's request guard, which answers before reading.
"""
from django.conf import settings
from django.utils.translation import gettext as _

from config.api import MAX_BODY_BYTES, too_large_response
from config.errors import error_page
from config.front import send_response


def _cap(path: str) -> int | None:
    if path.startswith("/api/"):
        return MAX_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: Django sets no cap, nor does this


class BodyLimit:
    """ASGI middleware: answer 413 as soon as an HTTP request's body passes its cap."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cap = _cap(scope["path"]) if scope["type"] == "http" else None
        if cap is None:
            return await self.app(scope, receive, send)
        received, over, answered = 0, False, False

        async def counted_receive():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal answered
            answered = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)
        if over and not answered:
            if scope["path"].startswith("/api/"):
                response = too_large_response()
            else:
                response = error_page(413, _("요청이 너무 큽니다"), _("요청 본문이 너무 큽니다."))
            # The server then closes the connection rather than read the rest to discard it.
            response["Connection"] = "close"
            await send_response(response, send)
