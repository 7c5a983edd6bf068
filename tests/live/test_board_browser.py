"""A citizen reads the leaderboard and the published results in headless Chromium, on a phone and
a desktop, with the keyboard: nothing wider than the screen, every board's uncertainty stated."""
import pytest
from playwright.sync_api import expect

from contest.models import Contest
from contest.services import contest_transition
from tests.factories import votes_simulate
from tests.live.test_browser import browser  # noqa: F401  (the CSP-watching Chromium fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1440, "height": 900}]


@pytest.fixture
def published_contest(live_contest):
    # Made before the browser starts: Playwright's event loop forbids database calls afterwards.
    # 49 votes (seed 1): every model has the battles for a rating (stats.evidence), none yet 30
    # (잠정), and too few votes for the style-controlled column.
    entrants = list(live_contest.entrants.order_by("pk"))
    votes_simulate(live_contest, entrants, 49, seed=1)
    contest_transition(contest=live_contest, to=Contest.Phase.CLOSED)
    contest_transition(contest=live_contest, to=Contest.Phase.PUBLISHED)
    return live_contest


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_leaderboard_reads_on_any_screen_and_its_tabs_follow_the_keyboard(
    live_stack, published_contest, browser, viewport, tmp_path  # noqa: F811
):
    # Given a browser set to English on a page that is Korean.
    page = browser.new_page(viewport=viewport, locale="en-US", timezone_id="America/New_York")
    page.goto(live_stack.web_url + "/leaderboard/")
    rows = page.locator("#board-table tbody tr")
    expect(rows).to_have_count(5)

    # Then nothing is wider than the screen, and each model shows every figure with its name.
    assert overflow(page) <= 0
    first = rows.first
    for label in ("순위 상한", "점수", "95% 신뢰구간", "투표 수", "승률"):
        expect(first.locator(f'td[data-label="{label}"]')).to_be_visible()
    model = first.locator("td.model")
    assert model.evaluate("el => getComputedStyle(el).wordBreak") == "keep-all"

    # And the board says it is provisional, and why there is no style-controlled column.
    expect(page.locator("#board-provisional")).to_be_visible()
    expect(page.locator("#board-provisional")).to_contain_text("30표 미만")
    expect(page.locator("#style-note")).to_contain_text("표본이 부족해 계산하지 않음")
    expect(page.locator("#board-table th.style-column")).to_be_hidden()

    # And the time is in the page's language and in KST, not the browser's.
    expect(page.locator("#board-meta")).to_contain_text("KST")
    expect(page.locator("#board-meta")).to_contain_text("월")

    # And every plot has its figures as a table.
    page.locator("#caption-ratings ~ details summary").click()
    expect(page.locator("#text-ratings tbody tr")).to_have_count(5)
    assert page.locator('.table-scroll[role="region"][tabindex="0"][aria-label]').count() >= 5
    page.screenshot(path=str(tmp_path / f"leaderboard-{viewport['width']}.png"), full_page=True)

    # When the tabs are used with arrows, Home and End.
    page.locator("#tab-citizen").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-expert")).to_be_focused()
    expect(page.locator("#tab-expert")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-citizen")).to_have_attribute("tabindex", "-1")
    page.keyboard.press("End")
    expect(page.locator("#tab-panel")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-citizen")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-panel")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#board-panel")).to_have_attribute("aria-labelledby", "tab-panel")
    # Tab leaves the tab list from the selected tab (one stop), to the category filter.
    page.keyboard.press("Tab")
    expect(page.locator("#board-category")).to_be_focused()


@pytest.fixture
def fourteen_votes(live_contest):
    # Fewer battles for each of five models than a rating needs (made before the browser starts).
    votes_simulate(live_contest, list(live_contest.entrants.order_by("pk")), 14)
    return live_contest


def test_a_board_without_the_evidence_shows_counts_and_win_rates_only(
    live_stack, fourteen_votes, browser, tmp_path  # noqa: F811
):
    page = browser.new_page(viewport=VIEWPORTS[1])
    page.goto(live_stack.web_url + "/leaderboard/")
    rows = page.locator("#board-table tbody tr")
    expect(rows).to_have_count(5)

    # Then the page says why in a sentence and shows no rating, interval or rank, nor a plot
    expect(page.locator("#board-withheld")).to_be_visible()
    for label in ("순위", "점수", "95% 신뢰구간"):
        assert set(rows.locator(f'td[data-label="{label}"]').all_inner_texts()) == {"—"}
    battles = [int(text) for text in rows.locator('td[data-label="투표 수"]').all_inner_texts()]
    assert battles == sorted(battles, reverse=True)
    expect(page.locator("#text-ratings tbody tr")).to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_published_results_fit_the_phone_and_print_on_the_whole_page(
    live_stack, published_contest, browser, viewport, tmp_path  # noqa: F811
):
    page = browser.new_page(viewport=viewport, locale="en-US")
    page.goto(f"{live_stack.web_url}/results/?contest={published_contest.slug}")

    # The page fits the screen, says when it was published (KST) and that its boards are 잠정.
    expect(page.locator("#results-citizen .results-table tbody tr")).to_have_count(5)
    assert overflow(page) <= 0
    expect(page.locator("#results-date")).to_contain_text("KST")
    expect(page.locator("#results-provisional")).to_be_visible()
    expect(page.locator("#results-citizen [data-provisional]")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"results-{viewport['width']}.png"), full_page=True)

    # On paper the table takes the page's width, with no site header.
    page.emulate_media(media="print")
    widths = page.evaluate("""() => [document.querySelector('#results-citizen .results-table')
        .getBoundingClientRect().width, document.querySelector('#results-citizen')
        .getBoundingClientRect().width]""")
    assert widths[0] >= widths[1] * 0.98
    expect(page.locator(".site-header")).to_be_hidden()
    if viewport["width"] > 1000:
        page.pdf(path=str(tmp_path / "results.pdf"), format="A4", landscape=True)
