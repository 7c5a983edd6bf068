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
