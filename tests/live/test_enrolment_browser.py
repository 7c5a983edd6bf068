"""A new expert and a new organizer enrol their authenticator app in headless Chromium, on a
phone and on a desktop, against a web server that requires the second factor (ARENA_2FA, as
production does): from the invitation or the first sign-in to the enrolment page, its QR code
(drawn by the site, inside the page's Content-Security-Policy), the key and the issuer, one
code to confirm, the recovery codes once, then the account's own area.

Needs Debian's chromium, like tests/live/test_browser.py (skipped without it, required on CI).
"""
import os
import re
from base64 import b32decode
from io import StringIO
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django_otp.oath import totp
from playwright.sync_api import expect

from ops.processes import Processes, free_port, wait_for_http, web_command
from tests.conftest import RUN_ID
from tests.factories import ContestFactory, OrganizerFactory
from tests.live.conftest import test_database_url as database_url
from tests.live.test_browser import browser  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "s3cret-Passw0rd!"
VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1440, "height": 900}]


@pytest.fixture(scope="module")
def two_factor_web(django_db_setup, tmp_path_factory):
    """The site's web process with the second factor required, on the test database."""
    prefix = f"kai-test-{RUN_ID}-2fa"
    processes = Processes(tmp_path_factory.mktemp("enrolment-logs"), {
        **os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL, "CACHE_PREFIX": prefix, "CHANNEL_PREFIX": prefix,
        "CELERY_QUEUE": prefix, "ARENA_2FA": "true", "PYTHONUNBUFFERED": "1",
    })
    port = free_port()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", processes.start("web", web_command(port)))
        yield f"http://127.0.0.1:{port}"
    finally:
        processes.stop()
        print(processes.tails())


@pytest.fixture(params=["expert", "organizer"])
def newcomer(request, transactional_db):
    """A new account as the site makes it, before the browser starts (Playwright's loop would
    make the test's own database calls async-unsafe): an expert invited as an organizer does
    (the mailed link), or an organizer as `manage.py addstatictoken` bootstraps one (the code)."""
    from expert.onboarding import expert_invite

    ContestFactory()  # the console has a contest to show
    if request.param == "expert":
        mail.outbox.clear()
        expert_invite(email="new-expert@example.org", domains=["law"], base_url="http://testserver")
        link = re.search(r"http://testserver(/expert/welcome/\S+/)", mail.outbox[0].body).group(1)
        return {"kind": "expert", "link": link, "username": "new-expert@example.org", "landing": "/expert/"}
    OrganizerFactory(username="new-organizer", password=PASSWORD)
    out = StringIO()
    call_command("addstatictoken", "new-organizer", stdout=out)
    return {"kind": "organizer", "code": out.getvalue().strip(), "username": "new-organizer",
            "landing": "/console/"}


def inside(page, selector: str, container: str = "section.panel") -> bool:
    box, card = page.locator(selector).bounding_box(), page.locator(container).bounding_box()
    return card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_a_new_account_enrols_its_authenticator_app(two_factor_web, newcomer, browser, viewport):  # noqa: F811
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    outside = []
    page.on("request", lambda r: None if r.url.startswith((two_factor_web, "data:"))
            else outside.append(r.url))

    # Given the invitation (an expert) or the first sign-in with a one-time code (an organizer)
    landing, username = newcomer["landing"], newcomer["username"]
    if newcomer["kind"] == "expert":
        page.goto(two_factor_web + newcomer["link"])
        page.locator("#id_new_password1").fill(PASSWORD)
        page.locator("#id_new_password2").fill(PASSWORD)
        page.get_by_role("button", name="비밀번호 정하기").click()
    else:
        page.goto(two_factor_web + landing)
        expect(page.locator("#first-sign-in")).to_contain_text("일회용 코드")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_otp_token").fill(newcomer["code"])
        page.get_by_role("button", name="로그인").click()

    # Then the site leads to the enrolment, and nowhere else until it is done
    expect(page).to_have_url(two_factor_web + "/accounts/second-factor/")
    page.goto(two_factor_web + landing)
    expect(page).to_have_url(two_factor_web + "/accounts/second-factor/")
    # ... with a QR code drawn by the site, the key and the issuer, all inside the card
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    expect(page.locator("main")).to_contain_text("K-AI 아레나")
    key = page.locator("#otp-key").inner_text()
    assert inside(page, "#otp-key") and inside(page, "figure.qr svg")
    page.locator("details.otp-uri summary").click()
    uri = unquote(page.locator("details.otp-uri a").get_attribute("href"))
    assert uri.startswith(f"otpauth://totp/K-AI 아레나:{username}?")
    assert "issuer=K-AI 아레나" in uri and key.replace(" ", "") in uri
    assert inside(page, "details.otp-uri code")

    # When the code of the app is typed once
    secret = b32decode(key.replace(" ", ""))
    page.locator("#id_otp_token").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="등록").click()

    # Then the recovery codes are shown this once, and on to the account's own area
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    shown = codes.all_inner_texts()
    page.get_by_role("link", name="적어 두었습니다. 계속하기").click()
    expect(page).to_have_url(two_factor_web + landing)
    page.goto(two_factor_web + "/accounts/second-factor/")
    expect(page).to_have_url(two_factor_web + landing)
    assert not any(code in page.content() for code in shown)
    assert outside == []
