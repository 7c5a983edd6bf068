"""An organizer in headless Chromium closes the contest, publishes it and downloads an export."""
import json

import pytest
from playwright.sync_api import expect

from tests.factories import OrganizerFactory
from tests.live.test_browser import browser  # noqa: F401  (the CSP-watching Chromium fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organizer(live_contest):
    # Made before the browser starts: Playwright's event loop forbids database calls afterwards.
    return OrganizerFactory(username="organizer").username


def test_organizer_closes_publishes_and_downloads_the_vote_dataset(
    live_stack, live_contest, organizer, browser, tmp_path  # noqa: F811
):
    page = browser.new_page(accept_downloads=True)
    # Given an organizer signed in (the console sends anonymous visitors to the login page)
    page.goto(f"{live_stack.web_url}/console/?contest=live")
    page.fill("#id_username", organizer)
    page.fill("#id_password", "pass")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#phase")).to_have_attribute("data-phase", "open")
    # The live plots are drawn by the page itself
    expect(page.locator('[data-plot="battles"] svg')).to_have_count(1)

    # When they close the contest, then publish it
    # (each confirmed first; publication also by typing the contest's slug)
    page.check('[data-confirm="closed"]')
    page.click('[data-phase-button="closed"]')
    expect(page.locator("#phase")).to_have_attribute("data-phase", "closed")
    page.fill("#confirm-slug", "live")
    page.check('[data-confirm="published"]')
    page.click('[data-phase-button="published"]')
    expect(page.locator("#phase")).to_have_attribute("data-phase", "published")
    expect(page.locator("[data-phase-button]")).to_have_count(0)

    # And export the vote dataset, watching the job's progress bar until the files appear
    page.click('[data-export="dataset"]')
    expect(page.locator("#export-progress")).to_be_visible()
    link = page.get_by_role("link", name="manifest.json", exact=True)
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "manifest.json"
    download.value.save_as(path)

    # Then the manifest is DESIGN's, for the published contest
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["contest"] == "live"
    assert manifest["phase"] == "published"
    assert set(manifest["files"]) == {"votes.jsonl", "votes.parquet"}

    # And the public page shows the new phase
    page.goto(live_stack.web_url + "/")
    expect(page.locator("#contest-phase")).to_contain_text("결과 발표")
