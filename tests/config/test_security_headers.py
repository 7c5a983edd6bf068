"""Every page is served with a strict Content-Security-Policy: no inline script or style."""
import pytest

PAGES = ["/", "/leaderboard/", "/accounts/login/", "/api/docs"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_send_a_csp_without_inline_exceptions(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    for directive in ("script-src", "style-src"):
        assert policy[directive] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/leaderboard/", "/accounts/login/"])
def test_our_pages_carry_no_inline_script_or_style(client, url):
    import re

    html = client.get(url).content.decode()
    inline_scripts = [s for s in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
                      if "application/json" not in s]
    assert inline_scripts == []
    assert " style=" not in html and "<style" not in html


@pytest.mark.django_db
def test_production_cookies_are_secure_and_only_the_session_is_hidden_from_script(settings, client,
                                                                                   fresh_cache):
    from tests.factories import OrganizerFactory

    # Given production's cookie settings (tests/config/test_production_settings.py checks them)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    OrganizerFactory(username="yuna")
    # When a visitor opens the sign-in page and signs in
    csrf = client.get("/accounts/login/").cookies[settings.CSRF_COOKIE_NAME]
    signed_in = client.post("/accounts/login/", {"username": "yuna", "password": "pass"})
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    # Then both cookies go over HTTPS only, and script cannot read the session cookie ...
    assert csrf["secure"] and session["secure"]
    assert session["httponly"] and session["samesite"] == "Lax" and csrf["samesite"] == "Lax"
    # ... while the CSRF cookie stays readable: the page sends it back as X-CSRFToken.
    assert not csrf["httponly"]
