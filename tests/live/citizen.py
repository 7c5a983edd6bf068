"""What every citizen does in a browser before a first battle, shared by the browser tests."""
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
