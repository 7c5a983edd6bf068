"""Helpers for tests that call the ASGI app in process (httpx's ASGITransport)."""
import contextlib

import httpx
import pytest
from django.core.asgi import get_asgi_application
from django.db import connection


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


def django_behind(what: str) -> CountingDjango:
    """Django, behind an app that answers `what` in front of it: on PostgreSQL only."""
    if connection.vendor != "postgresql":
        pytest.skip(f"the {what} is answered in front of Django on PostgreSQL only")
    return CountingDjango()


@contextlib.asynccontextmanager
async def in_front(app_class, django_app):
    """The app in front of Django, its connections closed before the test's database goes."""
    app = app_class(django_app)
    assert app.enabled
    yield app
    await app.close()
