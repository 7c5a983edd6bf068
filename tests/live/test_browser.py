"""A citizen in headless Chromium: type a prompt, watch both panes stream, vote, see the reveal.

Needs Debian's chromium (/usr/bin/chromium, or $CHROMIUM). On CI it is required; elsewhere the
test is skipped with a clear reason when the browser is not installed.
"""
import os
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.live.citizen import accept_notice

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("headless Chromium is required on CI: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


# Recorded in every page before its own scripts run; the site's Content-Security-Policy must
# never have to block anything the site itself serves.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class WatchedBrowser:
    """Chromium whose pages report any Content-Security-Policy violation at the test's end."""

    def __init__(self, browser):
        self.browser = browser
        self.pages = []

    def new_page(self, **kwargs):
        page = self.browser.new_page(**kwargs)
        page.add_init_script(CSP_WATCH)
        self.pages.append(page)
        return page

    def csp_violations(self) -> list[str]:
        found = []
        for page in self.pages:
            if not page.is_closed():
                found += page.evaluate("window.__cspViolations || []")
        return found


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        watched = WatchedBrowser(chromium)
        yield watched
        violations = watched.csp_violations()
        chromium.close()
        assert violations == [], f"the page broke its own Content-Security-Policy: {violations}"


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_citizen_battles_votes_and_sees_the_reveal(live_stack, live_contest, browser, viewport, tmp_path):
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    requests_outside = []
    page.on("request", lambda r: None if r.url.startswith(live_stack.web_url)
            or r.url.startswith(live_stack.ws_url) or r.url.startswith("data:")
            else requests_outside.append(r.url))
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    vote_a = page.get_by_role("button", name="A가 더 좋음")

    # When the citizen sends a prompt
    page.locator("#prompt").fill("한국의 전통 음식 세 가지를 소개해 줘")
    page.get_by_role("button", name="보내기").click()

    # Then both panes fill with answers and the vote buttons unlock once both finished
    expect(page.locator('[data-status-for="a"]')).to_have_text("완료", timeout=30_000)
    expect(page.locator('[data-status-for="b"]')).to_have_text("완료", timeout=30_000)
    for side in ("a", "b"):
        assert len(page.locator(f'.answer[data-side="{side}"]').inner_text().strip()) > 10
    expect(vote_a).to_be_enabled()
    expect(page.locator("#excluded-notice")).to_be_hidden()
    body_before = page.locator("body").inner_text()
    for name in live_contest.team_names + live_contest.model_names:
        assert name not in body_before

    # When they vote, the reveal names both teams
    vote_a.click()
    reveal = page.locator("#reveal")
    expect(reveal).to_be_visible()
    revealed = reveal.inner_text()
    assert sum(team in revealed for team in live_contest.team_names) == 2
    # And, only now, each side's true speed as the worker measured it
    assert "첫 글자" not in body_before
    for side in ("a", "b"):
        expect(page.locator(f'[data-timing="{side}"]')).to_contain_text("첫 글자")
    page.screenshot(path=str(tmp_path / f"battle-{viewport['width']}.png"), full_page=True)

    # And a new battle starts clean
    page.get_by_role("button", name="새 대결").click()
    expect(page.locator("#panes")).to_be_hidden()
    expect(page.locator("#prompt")).to_be_enabled()
    assert requests_outside == []


def test_citizen_who_asks_a_model_who_it_is_is_told_the_vote_will_not_count(
    live_stack, live_contest, browser
):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)

    # When the citizen asks both models who they are (the mock teams then name themselves)
    page.locator("#prompt").fill("너는 누구야? 어느 회사가 만들었어?")
    page.get_by_role("button", name="보내기").click()
    expect(page.locator('[data-status-for="a"]')).to_have_text("완료", timeout=30_000)
    expect(page.locator('[data-status-for="b"]')).to_have_text("완료", timeout=30_000)

    # Then, before voting, a Korean notice says this battle's vote will not count
    notice = page.locator("#excluded-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("순위에 반영되지 않습니다")

    # And they may still vote and see the reveal; a new battle clears the notice
    page.get_by_role("button", name="A가 더 좋음").click()
    expect(page.locator("#reveal")).to_be_visible()
    page.get_by_role("button", name="새 대결").click()
    expect(notice).to_be_hidden()


def test_english_is_available(live_stack, browser):
    page = browser.new_page()
    page.goto(live_stack.web_url + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send")).to_be_visible()


def test_leaderboard_page_updates_live_when_a_snapshot_lands(live_stack, live_contest, browser):
    from concurrent.futures import ThreadPoolExecutor

    from tests.factories import votes_simulate
    from voting.boards import leaderboard_compute

    # Given an open leaderboard page with no votes yet
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_stack.web_url + "/leaderboard/")
    expect(page.locator("#board-empty")).to_be_visible()
    page.wait_for_function("document.getElementById('leaderboard').dataset.loadedAt !== undefined")
    # and its websocket open (the server subscribes it before accepting)
    expect(page.locator("#leaderboard")).to_have_attribute("data-live", "open")

    # When votes arrive and a new snapshot is computed (off the event loop Playwright runs)
    def land_snapshot():
        from django.db import connection

        try:
            entrants = list(live_contest.entrants.order_by("pk"))
            votes_simulate(live_contest, entrants, 150, seed=2)
            return leaderboard_compute(contest=live_contest, track="citizen").payload
        finally:
            connection.close()  # this thread's own connection; the test database is dropped later

    with ThreadPoolExecutor(1) as pool:
        board = pool.submit(land_snapshot).result()

    # Then, without a reload, the table shows every model in the snapshot's order
    rows = page.locator("#board-table tbody tr")
    expect(rows).to_have_count(5, timeout=10_000)
    shown = [rows.nth(i).get_attribute("data-model") for i in range(5)]
    assert shown == [m["model"] for m in board["models"]]
    expect(page.locator("#board-empty")).to_be_hidden()
    expect(page.locator("#plot-winrate svg rect").first).to_be_visible()


def test_the_browser_solves_the_proof_of_work_before_a_battle(live_stack, live_contest, browser,
                                                            settings):
    """The page solves the site's challenge itself, and its solution is one the server accepts."""
    from arena import proof_of_work

    # Given a page told to solve (the live server itself runs without proof of work, so that
    # the other end-to-end tests need not solve)
    page = browser.new_page()
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    page.evaluate("document.getElementById('battle').dataset.pow = 'on'")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/battles") else None)

    # When the citizen sends a prompt, the battle starts as usual
    page.locator("#prompt").fill("안녕하세요")
    page.get_by_role("button", name="보내기").click()
    expect(page.locator('[data-status-for="a"]')).to_have_text("완료", timeout=30_000)

    # And what the page sent is a correct, unused solution of the server's challenge
    settings.ARENA = {**settings.ARENA, "POW": {**settings.ARENA["POW"], "ENABLED": True}}
    proof_of_work.solution_check(sent[0]["pow"])
    with pytest.raises(proof_of_work.ProofOfWorkReplayed):
        proof_of_work.solution_check(sent[0]["pow"])
