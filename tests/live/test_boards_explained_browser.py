"""Issue 32's second pass over the boards, the results, the expert's queue and the console, in
headless Chromium on a phone (390×844, touch) and a desktop (1440×900, keyboard).

Each state is checked with axe (no serious or critical WCAG 2.1 AA finding) and saved as a
full-page screenshot under the test's tmp_path; its path is printed ("screenshot: ...", -s).
"""
import pytest
from playwright.sync_api import expect

from contest.models import Contest
from contest.services import contest_transition
from tests.factories import CategoryFactory, OrganizerFactory, votes_simulate
from tests.live.axe import serious_violations
from tests.live.conftest import SETTLED
from tests.live.test_browser import browser  # noqa: F401 (the CSP-watching Chromium fixture)
from tests.live.test_expert_browser import RATIONALE, expert_queue  # noqa: F401 (the fixture)
from voting.blindness.services import blindness_audit_run

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def open_page(browser, viewport, **options):  # noqa: F811
    """A page as the person holds the device: a phone is touched, a desktop clicked and typed."""
    phone = viewport == PHONE
    return browser.new_page(viewport=viewport, has_touch=phone, is_mobile=phone, **options)


def snap(page, tmp_path, name):
    """Save the page as it is now and check it with axe; return axe's serious findings."""
    page.evaluate(SETTLED)
    size = "phone" if page.viewport_size["width"] < 500 else "desktop"
    path = tmp_path / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return serious_violations(page)


def log_in(page, base_url, username):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state("networkidle")


def in_view(page, selector) -> bool:
    """Whether the element's top edge is inside the window as it is scrolled now."""
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight; }""", selector)


@pytest.fixture
def boards(live_contest):
    """The live contest with votes overall and in a category that has an English name."""
    entrants = list(live_contest.entrants.order_by("pk"))
    math = CategoryFactory(slug="math", name="수학·추론", name_en="Math and reasoning")
    votes_simulate(live_contest, entrants, 20)
    votes_simulate(live_contest, entrants, 12, seed=3, category=math)
    Contest.objects.filter(pk=live_contest.pk).update(title_en="Live contest")
    return live_contest


@SIZES
def test_the_leaderboard_explains_itself_to_touch_and_keyboard_and_its_address_opens_the_same_view(
    live_stack, boards, browser, viewport, tmp_path  # noqa: F811
):
    page = open_page(browser, viewport, locale="ko-KR")
    page.goto(live_stack.web_url + "/leaderboard/")
    expect(page.locator("#board-table tbody tr")).to_have_count(5)
    glossary = page.locator("#board-glossary")
    term = page.locator("#term-rank-ub + dd")
    expect(term).to_be_hidden()
    assert snap(page, tmp_path, "leaderboard-glossary-closed") == []

    # When the visitor taps (phone) or clicks (desktop) the glossary, every term is explained.
    summary = glossary.locator("summary")
    if viewport == PHONE:
        summary.tap()
    else:
        summary.click()
    expect(term).to_be_visible()
    expect(term).to_contain_text("가장 높은 순위")
    for name in ("term-style", "term-elo", "term-interval"):
        expect(page.locator(f"#{name} + dd")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert snap(page, tmp_path, "leaderboard-glossary-open") == []

    # And with the keyboard alone: Tab reaches the glossary, Enter opens and closes it.
    page.reload()
    expect(page.locator("#board-table tbody tr")).to_have_count(5)
    for _ in range(40):
        if page.evaluate("document.activeElement.closest('#board-glossary') !== null"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    expect(term).to_be_visible()
    page.keyboard.press("Enter")
    expect(term).to_be_hidden()

    # When the visitor picks the expert track and a category, the address says so...
    page.locator("#tab-expert").click()
    page.locator("#board-category").select_option("math")
    expect(page).to_have_url(f"{live_stack.web_url}/leaderboard/?track=expert&category=math")
    # ...and Back returns to the view before.
    page.go_back()
    expect(page).to_have_url(f"{live_stack.web_url}/leaderboard/?track=expert")
    expect(page.locator("#board-category")).to_have_value("")
    expect(page.locator("#tab-expert")).to_have_attribute("aria-selected", "true")

    # Then a friend opening the shared address sees the same tab and category, in English too.
    shared = open_page(browser, viewport, locale="en-US")
    shared.context.add_cookies([{"name": "django_language", "value": "en", "url": live_stack.web_url}])
    with shared.expect_response(lambda r: "/api/leaderboard?track=combined&category=math" in r.url):
        shared.goto(live_stack.web_url + "/leaderboard/?track=combined&category=math")
    expect(shared.locator("#tab-combined")).to_have_attribute("aria-selected", "true")
    expect(shared.locator("#tab-citizen")).to_have_attribute("aria-selected", "false")
    expect(shared.locator("#board-category")).to_have_value("math")
    expect(shared.locator("#board-category option:checked")).to_have_text("Math and reasoning")
    expect(shared.locator("#contest-phase")).to_contain_text("Live contest")
    expect(shared.locator("#board-table thead th").first).to_have_text("Rank")
    expect(shared.locator("#board-table tbody tr").first).to_be_attached()
    assert snap(shared, tmp_path, "leaderboard-shared-english") == []


@pytest.fixture
def results(live_contest):
    """The live contest still open (its results are to come), and a past one published with an
    audit: each model writes in its own way, so the audit's verdict is to act."""
    from arena.models import Response
    from tests.factories import ContestFactory, EntrantFactory

    past = ContestFactory(slug="past", title="지난 대회")
    entrants = [EntrantFactory(contest=past, display_name=f"모델{n}") for n in range(3)]
    votes_simulate(past, entrants, 30, seed=1)
    for n, entrant in enumerate(entrants):
        Response.objects.filter(entrant=entrant).update(text=f"말투{n} " + "라 " * (n + 2), ttft_ms=200 + 100 * n)
    blindness_audit_run(contest=past)
    contest_transition(contest=past, to=Contest.Phase.CLOSED)
    contest_transition(contest=past, to=Contest.Phase.PUBLISHED)
    return past


@SIZES
def test_results_align_their_columns_and_say_when_they_come_before_publication(
    live_stack, live_contest, results, browser, viewport, tmp_path  # noqa: F811
):
    page = open_page(browser, viewport, locale="ko-KR")
    # Before publication: a page of the site saying what to expect, not a bare 404.
    response = page.goto(live_stack.web_url + "/results/?contest=live")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("실시간 대회 결과")
    expect(page.locator("#results-pending .notice")).to_contain_text("아직 결과가 발표되지 않았습니다")
    expect(page.get_by_role("link", name="실시간 순위 보기")).to_be_visible()
    assert snap(page, tmp_path, "results-pending") == []

    # Once published: one title heading, and every header over its values.
    page.goto(live_stack.web_url + "/results/?contest=past")
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("main h1")).to_have_text("지난 대회 결과")
    expect(page.locator("[data-blindness-verdict]")).to_have_attribute("data-blindness-verdict", "act")
    assert snap(page, tmp_path, "results-published") == []
    tables = ['[data-blindness="models"]'] + ([] if viewport == PHONE else ["#results-citizen .results-table"])
    for table in tables:
        mismatched = page.evaluate("""s => {
            const t = document.querySelector(s);
            const heads = [...t.querySelectorAll('thead th')];
            const row = t.querySelector('tbody tr');
            return heads.map((th, i) => [th.textContent.trim(), getComputedStyle(th).textAlign,
                getComputedStyle(row.children[i]).textAlign]).filter(([, a, b]) => a !== b);
        }""", table)
        assert mismatched == [], (table, mismatched)
    if viewport != PHONE:
        # The model and team headers start where their values start.
        offsets = page.evaluate("""() => {
            const t = document.querySelector('#results-citizen .results-table');
            return [3, 4].map(n => Math.abs(t.querySelector(`thead th:nth-child(${n})`).getBoundingClientRect().left
                - t.querySelector(`tbody td:nth-child(${n})`).getBoundingClientRect().left));
        }""")
        assert max(offsets) < 2, offsets


@SIZES
def test_after_submitting_the_next_item_opens_at_its_top(
    live_stack, expert_queue, browser, viewport, tmp_path  # noqa: F811
):
    page = open_page(browser, viewport, locale="ko-KR")
    log_in(page, live_stack.web_url, "keyboard-expert")
    page.goto(f"{live_stack.web_url}/expert/items/{expert_queue['first']}/")
    expect(page.locator("#progress")).to_have_text("0 / 3")
    # The item opens at its top: the question is in view, the keyboard's focus in the rubric.
    assert page.evaluate("window.scrollY") == 0 and in_view(page, ".item-prompt")
    assert page.evaluate("document.activeElement.name") == "criterion-accuracy"
    # A phone shows no keyboard hints (no Ctrl+Enter); a desktop does.
    hints = page.locator(".keys-help")
    shortcut = page.locator("#submit .submit-shortcut")
    if viewport == PHONE:
        expect(hints).to_be_hidden()
        expect(shortcut).to_be_hidden()
    else:
        expect(hints).to_be_visible()
        expect(shortcut).to_be_visible()
    assert snap(page, tmp_path, "expert-item-opened") == []

    # When the expert fills the rubric (tapping on a phone) and submits.
    for group in page.locator("fieldset.choice-group").all():
        if viewport == PHONE:
            group.locator('label:has(input[value="a"])').tap()
        else:
            group.locator('input[value="a"]').check()
    page.locator("#rationale").fill(RATIONALE)
    page.locator("#submit").click()

    # Then the next item opens at its top, the saved notice and the question in view.
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#progress")).to_have_text("1 / 3")
    page.evaluate(SETTLED)
    assert page.evaluate("window.scrollY") == 0
    assert in_view(page, "#saved") and in_view(page, ".item-prompt")
    assert snap(page, tmp_path, "expert-item-after-submit") == []

    # And an item resumed from its draft opens at the top too.
    page.locator("#rationale").fill("작성 중인 근거")
    expect(page.locator("#draft-state")).to_have_text("임시 저장됨")
    page.goto(page.url.split("?")[0])
    expect(page.locator("#rationale")).to_have_value("작성 중인 근거")
    page.evaluate(SETTLED)
    assert page.evaluate("window.scrollY") == 0 and in_view(page, ".item-prompt")


@pytest.fixture
def closed_queue(expert_queue, live_contest):  # noqa: F811 (the imported fixture)
    contest_transition(contest=live_contest, to=Contest.Phase.CLOSED)
    return expert_queue


@SIZES
def test_after_the_contest_closes_the_queue_says_so_and_offers_no_rubric(
    live_stack, closed_queue, browser, viewport, tmp_path  # noqa: F811
):
    page = open_page(browser, viewport, locale="ko-KR")
    log_in(page, live_stack.web_url, "keyboard-expert")
    page.goto(live_stack.web_url + "/expert/")
    expect(page.locator("#judging-closed")).to_contain_text("평가가 끝났습니다")
    expect(page.locator("#start")).to_have_count(0)
    expect(page.get_by_text("이어서 평가하기")).to_have_count(0)
    assert snap(page, tmp_path, "expert-queue-closed") == []
    page.goto(f"{live_stack.web_url}/expert/items/{closed_queue['first']}/")
    expect(page.locator("#judging-closed")).to_be_visible()
    expect(page.locator("#judgment-form")).to_have_count(0)
    expect(page.locator("#answer-a h2")).to_be_visible()  # the answers can still be read
    assert snap(page, tmp_path, "expert-item-closed") == []


@pytest.fixture
def console(live_contest):
    """One hour of votes (all cast now), an audit, and an organizer."""
    from arena.models import Response

    entrants = list(live_contest.entrants.order_by("pk"))
    votes_simulate(live_contest, entrants, 25)
    for n, entrant in enumerate(entrants):
        Response.objects.filter(entrant=entrant).update(text=f"말투{n} " + "라 " * (n + 2))
    blindness_audit_run(contest=live_contest)
    return OrganizerFactory(username="chart-organizer").username


@SIZES
def test_the_console_charts_a_single_hour_and_says_what_the_audit_means(
    live_stack, console, browser, viewport, tmp_path  # noqa: F811
):
    page = open_page(browser, viewport, locale="ko-KR")
    log_in(page, live_stack.web_url, console)
    page.goto(live_stack.web_url + "/console/?contest=live")
    # The hour's votes show as a mark with its count, not a blank chart.
    dot = page.locator('[data-plot="per_hour"] svg circle.dot')
    expect(dot).to_have_count(1)
    box = dot.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    expect(page.locator('[data-plot="per_hour"] svg')).to_contain_text("25")
    # The audit says what its figure means and what to do.
    verdict = page.locator("[data-blindness-verdict]")
    expect(verdict).to_have_attribute("data-blindness-verdict", "act")
    expect(verdict).to_contain_text("공통 시스템 프롬프트")
    # The phase buttons name the phase in plain Korean, the export buttons look like buttons.
    expect(page.locator('[data-phase-button="paused"]')).to_have_text("'일시 중지' 단계로 바꾸기")
    export = page.locator('[data-export="dataset"]')
    assert export.evaluate("b => getComputedStyle(b).borderRadius") != "0px"
    assert snap(page, tmp_path, "console-one-hour") == []
