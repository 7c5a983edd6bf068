"""What every citizen does in a browser before a first battle, shared by the browser tests."""
import re

from playwright.sync_api import expect

NOTICE_ACCEPT = "확인했습니다. 시작하기"


def accept_notice(page) -> None:
    """Accept the battle page's first-visit notice (once a session) and wait for the composer."""
    page.get_by_role("button", name=NOTICE_ACCEPT).click()
    expect(page.locator("#first-visit")).to_have_count(0)
    expect(page.locator("#prompt")).to_be_enabled()


def show_side(page, side: str) -> None:
    """Show pane `side` ("a" or "b"): on a phone its tab is chosen; side by side, both show."""
    tab = page.locator(f"#tab-{side}")
    if tab.is_visible():
        tab.click()
        expect(page.locator(f"#pane-{side}")).to_be_visible()


def citizen_page(browser, base_url: str):
    """A new citizen's battle page at `base_url`, the first-visit notice accepted."""
    page = browser.new_page(locale="ko-KR")
    page.goto(base_url + "/")
    accept_notice(page)
    return page


def start_in_page(page, prompt: str) -> str:
    """Send `prompt` from the composer; return the battle's id once the page has it."""
    page.locator("#prompt").fill(prompt)
    page.get_by_role("button", name="보내기").click()
    expect(page.locator("#battle")).to_have_attribute("data-battle-id", re.compile(".+"), timeout=15_000)
    return page.locator("#battle").get_attribute("data-battle-id")


def both_sides_show(page, status: str, *, timeout: float | None = None) -> None:
    """Wait until both panes' status reads `status` ("답하는 중…", "완료", …)."""
    for side in ("a", "b"):
        expect(page.locator(f'[data-status-for="{side}"]')).to_have_text(status, timeout=timeout)
