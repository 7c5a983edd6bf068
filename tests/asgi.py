"""Helpers for tests that call the ASGI app in process (httpx's ASGITransport)."""
import httpx
from django.core.asgi import get_asgi_application


class CountingDjango:
    """Django's ASGI app, counting the requests that reach it (what the apps in front pass)."""

    def __init__(self):
        self.app = get_asgi_application()
        self.requests = 0

    async def __call__(self, scope, receive, send):
        self.requests += 1
        await self.app(scope, receive, send)


def client_for(app, cookies=None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://testserver", cookies=cookies)
