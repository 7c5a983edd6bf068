"""Every route refuses every role it should: walked from the URL conf, so new routes are covered.

Roles: anonymous, citizen (an anonymous browser with a session), expert, organizer, staff.
Areas are told apart by where they are mounted: /console/ is the organizers', /expert/ and
/api/expert/ the experts', /admin/ the staff's; the rest is public. A refused page sends an
anonymous visitor to sign in (302) or answers 403; a refused API answers 401 or 403 with the
error JSON. Nothing answers 5xx.
"""
import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ExpertUserFactory, OrganizerFactory, UserFactory

# Which roles an area admits; "staff" is Django's is_staff (the admin).
AREAS = [
    ("console/", {"organizer"}),
    ("expert/", {"expert"}),
    ("api/expert/", {"expert"}),
    ("api/console/", {"organizer"}),
    ("admin/", {"staff"}),
]
# The admin's own sign-in pages are for everyone; so is an expert's invitation link (its
# one-time token is the credential: a wrong one gets a page saying so).
PUBLIC = {"/admin/login/", "/admin/logout/", "/expert/welcome/x/x/"}
ROLES = ["anonymous", "citizen", "expert", "organizer", "staff"]
SAMPLE = {"int": "1", "slug": "x", "str": "x", "uuid": str(uuid.uuid4()),
          "uuidstr": str(uuid.uuid4()), "path": "x"}


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        return None  # regex catch-alls (the API's 404, the admin's internals)
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)


def _area(route: str):
    for prefix, allowed in AREAS:
        if route.startswith(prefix):
            return allowed
    return None


def _client(role: str) -> Client:
    client = Client()
    if role == "citizen":
        client.get("/")  # a session, as a citizen's browser has
    elif role == "expert":
        client.force_login(ExpertUserFactory())
    elif role == "organizer":
        client.force_login(OrganizerFactory())
    elif role == "staff":
        client.force_login(UserFactory(is_staff=True))
    return client


def _guarded_routes():
    routes = sorted({r for r in _routes(get_resolver().url_patterns) if _area(r) is not None})
    return [url for url in map(_concrete, routes) if url and url not in PUBLIC]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_guarded_route_refuses_the_roles_it_should(role):
    client = _client(role)
    urls = _guarded_routes()
    assert any(u.startswith("/console/") for u in urls)
    for url in urls:
        allowed = _area(url.lstrip("/"))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (role, method, url, response.status_code)
            if url.startswith("/admin/") and role == "staff":
                continue  # Django's model permissions decide within the admin (403 without them)
            if role in allowed:
                assert response.status_code not in (401, 403), (role, method, url)
                continue
            if url.startswith("/api/"):
                assert response.status_code in (401, 403, 405), (role, method, url)
                if response.status_code != 405:
                    assert response.json()["error"]["code"] in ("login_required", "forbidden")
            elif url.startswith("/admin/"):
                assert response.status_code in (302, 403), (role, method, url)
                if response.status_code == 302:
                    assert "/login/" in response["Location"]
            else:
                assert response.status_code in (302, 403, 405), (role, method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/"), (role, url)
                    assert role in ("anonymous", "citizen")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_public_pages_answer_every_role(role):
    client = _client(role)
    for url in ("/", "/leaderboard/", "/api/leaderboard", "/api/openapi.json", "/accounts/login/"):
        assert client.get(url).status_code == 200, (role, url)
