"""A citizen's first minute and the battle screen, in headless Chromium on a phone and a desktop:
the first-visit notice, example prompts, the dock (status, vote bar, follow-up, stop), copy, the
reveal, failures, a keyboard-only battle and a reload in the middle of one.

Screenshots are saved as artefacts under the test's tmp_path (printed with -s); at each step
axe-core (tests/live/axe.py) reports no serious or critical WCAG 2.1 AA violation.
"""
import httpx
import pytest
from playwright.sync_api import expect

from contest.models import Category
from tests.factories import ContestFactory, EntrantFactory, TeamFactory
from tests.live.axe import serious_violations
from tests.live.citizen import NOTICE_ACCEPT, accept_notice, both_sides_show, show_side
from tests.live.test_browser import browser  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
LONG_ANSWER = "\n\n".join(f"문단 {n}: 이 문단은 긴 답변의 한 부분으로, 화면을 여러 번 넘기게 합니다." for n in range(1, 60))


def shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")


@pytest.fixture
def mock_personas(live_stack):
    """Change some mock personas' settings (``{persona: settings}``); reset after the test."""

    def change(settings: dict[str, dict]) -> None:
        for persona, values in settings.items():
            httpx.put(f"{live_stack.mock_url}/_control/{persona}", json=values).raise_for_status()

    yield change
    httpx.post(f"{live_stack.mock_url}/_control/reset").raise_for_status()


@pytest.fixture
def pair_contest(live_stack, transactional_db):
    """An open contest of exactly two entrants (ax and varco), so a test knows who answers."""
    contest = ContestFactory(slug="pair", title="둘의 대회")
    for persona, team in (("ax", "SK텔레콤"), ("varco", "NC AI")):
        EntrantFactory(contest=contest, team=TeamFactory(name=team), display_name=persona,
                       base_url=f"{live_stack.mock_url}/{persona}/v1", model=persona, timeout_seconds=20)
    return contest


ALL_PERSONAS = ("hyperclova", "exaone", "ax", "solar", "varco")


def slow(personas=ALL_PERSONAS, **extra):
    """Answers that take several seconds, so a test sees the battle while it streams."""
    return {p: {"tokens_per_second": 10, "answer": LONG_ANSWER, **extra} for p in personas}


def send(page, prompt):
    page.locator("#prompt").fill(prompt)
    page.locator("#send").click()


def test_first_visit_notice_is_accepted_once_from_the_keyboard(live_stack, live_contest, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.goto(live_stack.web_url + "/")

    # Given a first visit: the notice says what is kept and sent where, and the composer waits
    notice = page.locator("#first-visit")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("두 참가 팀의 모델 서버로 보내집니다")
    expect(notice).to_contain_text("질문 본문은 실리지 않습니다")
    expect(notice).to_contain_text("질문에 쓰지 마세요")
    expect(notice.get_by_role("link", name="개인정보 처리방침")).to_have_attribute("href", "/privacy/")
    expect(page.locator("#prompt")).to_be_disabled()
    expect(page.locator("#send")).to_be_disabled()
    shot(page, tmp_path, "notice-phone")
    assert serious_violations(page) == []

    # When a keyboard user tabs: the first stop is a skip link to the main content
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    # and, tabbing on, they reach the notice's button and press Enter
    for _ in range(40):
        if page.evaluate("document.activeElement.textContent.trim()") == NOTICE_ACCEPT:
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Then the notice is gone and the cursor is in the prompt box, ready to type
    expect(notice).to_have_count(0)
    expect(page.locator("#prompt")).to_be_enabled()
    expect(page.locator("#prompt")).to_be_focused()
    outline = page.locator("#prompt").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"

    # And it stays accepted for the session, and is asked again in another one
    page.reload()
    expect(page.locator("#first-visit")).to_have_count(0)
    other = browser.new_page(viewport=PHONE, locale="ko-KR")
    other.goto(live_stack.web_url + "/")
    expect(other.locator("#first-visit")).to_be_visible()

    # And the pages the notice and the footer link to pass the same check
    for path in ("/privacy/", "/terms/", "/accessibility/"):
        other.goto(live_stack.web_url + path)
        assert serious_violations(other) == [], path


@pytest.fixture
def example_categories(transactional_db):
    """Two categories with examples (made before Playwright's event loop starts)."""
    Category.objects.create(slug="writing", name="글쓰기", examples="감사 편지를 써 줘\n가을 시를 지어 줘")
    Category.objects.create(slug="coding", name="코딩", examples="파이썬 리스트 중복 없애기")


def test_an_example_chip_fills_the_composer_with_its_category(live_stack, live_contest, example_categories,
                                                             browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    chips = page.locator("#examples button.chip")

    # Given no category chosen, one example of each is offered
    expect(chips.filter(visible=True)).to_have_count(2)

    # When the citizen taps one, it fills the prompt box and picks its category
    page.get_by_role("button", name="파이썬 리스트 중복 없애기").click()
    expect(page.locator("#prompt")).to_have_value("파이썬 리스트 중복 없애기")
    expect(page.locator("#category")).to_have_value("coding")
    expect(page.locator("#prompt")).to_be_focused()

    # And choosing a category offers all of its examples
    page.locator("#category").select_option("writing")
    expect(chips.filter(visible=True)).to_have_count(2)
    expect(page.get_by_role("button", name="가을 시를 지어 줘")).to_be_visible()


@VIEWPORTS
def test_keyboard_only_battle_from_prompt_to_reveal(live_stack, live_contest, browser, mock_personas,  # noqa: F811
                                                    viewport, tmp_path):
    mock_personas(slow())
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    name = "phone" if viewport == PHONE else "desktop"

    # Given the notice accepted from the keyboard (the button, then Enter)
    page.get_by_role("button", name=NOTICE_ACCEPT).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#prompt")).to_be_focused()

    # When the citizen types and sends with the keyboard
    page.keyboard.type("한국의 전통 음식 세 가지를 소개해 줘")
    page.keyboard.press("Control+Enter")

    # Then focus moves to the battle's status line, which says how each side stands
    expect(page.locator("#battle-status")).to_be_focused()
    status = page.locator("#battle-status")
    expect(status).to_contain_text("A 답하는 중", timeout=15_000)
    expect(status).to_contain_text("B 답하는 중")
    # and the vote buttons are visibly not open yet, with a hint that says so
    expect(page.locator("#votes .vote-buttons")).to_have_class("vote-buttons locked")
    expect(page.locator("#vote-hint")).to_have_text("두 답변이 모두 끝나면 투표할 수 있습니다.")
    expect(page.get_by_role("button", name="기다리지 않고 멈추기")).to_be_visible()
    assert page.locator("#panes [aria-live]").count() == 0
    shot(page, tmp_path, f"streaming-{name}")
    assert serious_violations(page) == []

    # And once both ended the bar opens, says so, and stays in reach from the top of the answers
    expect(status).to_have_text("A 완료 · B 완료", timeout=60_000)
    expect(page.locator("#votes .vote-buttons")).to_have_class("vote-buttons open")
    expect(page.locator("#announce")).to_contain_text("투표할 수 있습니다")
    page.evaluate("window.scrollTo(0, document.getElementById('panes').offsetTop)")
    expect(page.get_by_role("button", name="A가 더 좋음")).to_be_in_viewport()
    expect(page.locator("#prompt")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * viewport["height"]
    shot(page, tmp_path, f"vote-open-{name}")
    assert serious_violations(page) == []

    # When they tab to a vote and press Enter
    for _ in range(30):
        if page.evaluate("document.activeElement.dataset.choice") == "a":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Then the reveal has focus and is on screen, with thanks, and each pane's heading names its team
    expect(page.locator("#reveal-title")).to_be_focused()
    expect(page.locator("#reveal-title")).to_have_text("투표해 주셔서 고맙습니다")
    expect(page.locator("#reveal-title")).to_be_in_viewport()
    expect(page.locator("#your-choice")).to_contain_text("A가 더 좋음")
    headings = [page.locator(f"#label-{side} .pane-name").inner_text() for side in "ab"]
    for side, heading in zip("AB", headings, strict=True):
        assert heading.startswith(side + ":")
        assert sum(team in heading for team in live_contest.team_names) == 1
    expect(page.get_by_role("button", name="새 대결")).to_be_visible()
    shot(page, tmp_path, f"reveal-{name}")
    assert serious_violations(page) == []

    # And 새 대결 brings the composer back to the top, focused
    page.get_by_role("button", name="새 대결").click()
    expect(page.locator("#prompt")).to_be_focused()
    expect(page.locator("#label-a .pane-name")).to_have_text("모델 A")


def test_stop_ends_the_wait_and_closes_the_battle_to_voting(live_stack, live_contest, browser, mock_personas):  # noqa: F811
    mock_personas(slow())
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "부산 여행 코스를 짜 줘")
    expect(page.locator("#battle-status")).to_contain_text("답하는 중", timeout=15_000)

    # When the citizen stops waiting
    page.get_by_role("button", name="기다리지 않고 멈추기").click()

    # Then both sides say they were stopped, the page says the battle ends without a vote,
    # no vote button is offered, and the keyboard is on 새 대결
    both_sides_show(page, "멈춤")
    expect(page.locator("#message")).to_contain_text("투표 없이 끝났습니다")
    expect(page.locator("#votes")).to_be_hidden()
    expect(page.get_by_role("button", name="새 대결")).to_be_focused()
    # and it stays stopped: nothing streams into it afterwards
    text = page.locator("#pane-a .answer").inner_text()
    page.wait_for_timeout(1500)
    assert page.locator("#pane-a .answer").inner_text() == text


FAULT_TEXT = {"cut_off": "끊겼습니다", "malformed": "알아볼 수 없는 형식", "http_500": "오류를 돌려주었습니다"}


@pytest.mark.parametrize(("failing", "fault"), [
    (("ax",), "cut_off"), (("ax",), "malformed"), (("ax",), "http_500"), (("ax", "varco"), "cut_off"),
], ids=["one-side-cut-off", "one-side-malformed", "one-side-http-500", "both-sides-cut-off"])
def test_a_failure_keeps_its_message_and_never_invites_a_vote(live_stack, pair_contest, browser,  # noqa: F811
                                                              mock_personas, failing, fault):
    mock_personas({p: {"fault": fault, "tokens_per_second": 40} for p in failing})
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "조선 시대의 과거 제도를 설명해 줘")

    # Then each failed side keeps its explanation in its pane, after the answer has drawn
    # (on a phone one pane shows at a time: each tab in turn)
    errors = page.locator("#panes .side-error")
    expect(page.locator('#panes .status[data-status="error"]')).to_have_count(len(failing), timeout=30_000)
    page.wait_for_timeout(1000)
    shown = 0
    for side in "ab":
        show_side(page, side)
        pane_errors = page.locator(f"#pane-{side} .side-error").filter(visible=True)
        for i in range(pane_errors.count()):
            expect(pane_errors.nth(i)).to_contain_text(FAULT_TEXT[fault])
        shown += pane_errors.count()
    assert shown == len(failing)
    assert errors.filter(has_text=FAULT_TEXT[fault]).count() == len(failing)

    # And the page says which failed, invites no vote, and offers a new battle
    if len(failing) == 2:
        expect(page.locator("#message")).to_contain_text("두 답변이 모두 실패해")
        expect(page.locator("#vote-hint")).to_have_text("두 답변이 모두 실패해 투표할 수 없습니다.")
    else:
        expect(page.locator("#message")).to_contain_text("한쪽 답변이 실패해")
        expect(page.locator("#vote-hint")).to_contain_text("답변이 실패해 투표할 수 없습니다.")
        expect(page.locator("#battle-status")).to_contain_text("완료", timeout=30_000)
    expect(page.locator("#message")).not_to_contain_text("한쪽" if len(failing) == 2 else "모두")
    for button in page.locator("#votes .vote-buttons button").all():
        expect(button).to_be_disabled()
    expect(page.get_by_role("button", name="새 대결")).to_be_visible()
    assert serious_violations(page) == []


def test_a_reload_in_the_middle_of_a_battle_resumes_it(live_stack, live_contest, browser, mock_personas):  # noqa: F811
    mock_personas(slow())
    page = browser.new_page(viewport=DESKTOP, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "김치찌개 끓이는 법을 알려 줘")
    expect(page.locator("#battle-status")).to_contain_text("답하는 중", timeout=15_000)
    battle_id = page.locator("#battle").get_attribute("data-battle-id")

    # When the citizen reloads while both answers stream
    page.reload()

    # Then the same battle is back, its prompt and text on screen, and it streams to the end
    expect(page.locator("#battle")).to_have_attribute("data-battle-id", battle_id)
    expect(page.locator("#pane-a .bubble.user")).to_have_text("김치찌개 끓이는 법을 알려 줘")
    for side in "ab":
        expect(page.locator(f'[data-status-for="{side}"]')).to_have_text("완료", timeout=60_000)
        expect(page.locator(f'#pane-{side} .answer')).to_contain_text("문단 59: 이 문단은")
    expect(page.get_by_role("button", name="A가 더 좋음")).to_be_enabled()

    # And the vote goes through and ends it: another reload starts afresh
    page.get_by_role("button", name="A가 더 좋음").click()
    expect(page.locator("#reveal")).to_be_visible()
    page.reload()
    expect(page.locator("#panes")).to_be_hidden()
    expect(page.locator("#prompt")).to_be_enabled()


def test_copy_puts_the_answer_on_the_clipboard(live_stack, live_contest, browser, mock_answers):  # noqa: F811
    mock_answers({p: f"복사할 답변입니다 ({p})" for p in ALL_PERSONAS})
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_stack.web_url)
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "안녕하세요")
    expect(page.locator('[data-status-for="b"]')).to_have_text("완료", timeout=30_000)

    # When the citizen copies B's answer (on a phone, from B's tab)
    show_side(page, "b")
    page.get_by_role("button", name="B 답변 복사").click()

    # Then the clipboard holds exactly what pane B shows, and the page says it copied
    expect(page.locator('[data-copied="b"]')).to_have_text("복사했습니다.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("복사할 답변입니다 (")
    assert copied == page.locator("#pane-b .answer").inner_text().strip()


def db_read(query):
    """Run a database read off Playwright's event loop (Django refuses it on the loop's thread)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return query()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_a_phone_shows_one_side_at_a_time_in_tabs_the_keyboard_can_switch(
        live_stack, live_contest, browser, mock_personas, tmp_path):  # noqa: F811
    mock_personas(slow())
    page = browser.new_page(viewport=PHONE, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "제주도 여행 코스를 짜 줘")

    # Then two tabs say how each side stands, A's answer shows and B's waits behind its tab
    tablist = page.get_by_role("tablist", name="답변 보기")
    expect(tablist).to_be_visible()
    tab_a, tab_b = page.get_by_role("tab", name="모델 A"), page.get_by_role("tab", name="모델 B")
    expect(tab_a).to_contain_text("답하는 중", timeout=15_000)
    expect(tab_b).to_contain_text("답하는 중")
    expect(tab_a).to_have_attribute("aria-selected", "true")
    expect(tab_b).to_have_attribute("aria-selected", "false")
    expect(page.locator("#pane-a")).to_be_visible()
    expect(page.locator("#pane-b")).to_be_hidden()
    expect(page.get_by_role("tabpanel")).to_have_attribute("aria-labelledby", "tab-a")
    shot(page, tmp_path, "tabs-streaming-phone")
    assert serious_violations(page) == []

    # When a keyboard user reaches the tabs (one tab stop) and presses the right arrow
    tab_a.focus()
    page.keyboard.press("ArrowRight")

    # Then B is chosen and focused, its answer shows where A's was, and A's is hidden
    expect(tab_b).to_be_focused()
    expect(tab_b).to_have_attribute("aria-selected", "true")
    expect(tab_b).to_have_attribute("tabindex", "0")
    expect(tab_a).to_have_attribute("tabindex", "-1")
    expect(page.locator("#pane-b")).to_be_visible()
    expect(page.locator("#pane-a")).to_be_hidden()
    assert tab_b.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    # and Home / End and a tap switch too
    page.keyboard.press("Home")
    expect(tab_a).to_be_focused()
    expect(page.locator("#pane-a")).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator("#pane-b")).to_be_visible()
    tab_a.click()
    expect(page.locator("#pane-a")).to_be_visible()

    # And once both ended, each tab says so, and B's answer starts where A's did: reading the
    # other side never means scrolling past the first
    expect(tab_a).to_contain_text("완료", timeout=60_000)
    expect(tab_b).to_contain_text("완료", timeout=60_000)
    page.evaluate("window.scrollTo(0, document.getElementById('panes').offsetTop + 3000)")
    top_a = page.locator("#pane-a").evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    tab_b.click()
    expect(tab_b).to_be_in_viewport()
    top_b = page.locator("#pane-b").evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    assert top_b == top_a
    expect(page.locator("#pane-b h2")).to_be_in_viewport()
    # and the dock's "B 완료" shows that tab as well
    tab_a.click()
    page.locator('#battle-status [data-progress="b"]').click()
    expect(tab_b).to_have_attribute("aria-selected", "true")
    shot(page, tmp_path, "tabs-done-phone")
    assert serious_violations(page) == []


def test_a_desktop_keeps_both_sides_side_by_side_without_tabs(live_stack, live_contest, browser):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    send(page, "안녕하세요")
    expect(page.locator('[data-status-for="b"]')).to_have_text("완료", timeout=30_000)
    expect(page.get_by_role("tablist")).to_have_count(0)
    expect(page.locator("#pane-a")).to_be_visible()
    expect(page.locator("#pane-b")).to_be_visible()
    boxes = [page.locator(f"#pane-{side}").bounding_box() for side in "ab"]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]
    expect(page.get_by_role("tabpanel")).to_have_count(0)


@VIEWPORTS
def test_reason_tags_after_the_vote_are_chosen_and_sent_from_the_keyboard(
        live_stack, live_contest, browser, viewport, tmp_path):  # noqa: F811
    from voting.models import VoteReasons

    page = browser.new_page(viewport=viewport, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    name = "phone" if viewport == PHONE else "desktop"
    accept_notice(page)
    send(page, "맞춤법 검사를 해 줘: 않되요")
    expect(page.locator("#battle-status")).to_have_text("A 완료 · B 완료", timeout=30_000)
    battle_id = page.locator("#battle").get_attribute("data-battle-id")

    # Before the vote nothing asks why
    expect(page.locator("#reasons")).to_be_hidden()

    # When the citizen votes B
    page.get_by_role("button", name="B가 더 좋음").click()
    expect(page.locator("#reveal-title")).to_be_focused()

    # Then the reveal asks, optionally, what made B better, as toggle chips
    question = page.get_by_role("group", name="고른 답변은 어떤 점이 더 나았나요? (선택)")
    expect(question).to_be_visible()
    expect(page.get_by_role("group", name="두 답변은 무엇이 아쉬웠나요? (선택)")).to_be_hidden()
    chips = question.get_by_role("button")
    expect(chips).to_have_count(6)
    for i in range(6):
        expect(chips.nth(i)).to_have_attribute("aria-pressed", "false")

    # When a keyboard user tabs from the reveal to the chips and presses two of them
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.reason") == "accurate":
            break
    accurate = question.get_by_role("button", name="정확함")
    expect(accurate).to_be_focused()
    assert accurate.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Space")
    expect(accurate).to_have_attribute("aria-pressed", "true")
    korean = question.get_by_role("button", name="자연스러운 한국어")
    korean.focus()
    page.keyboard.press("Enter")
    expect(korean).to_have_attribute("aria-pressed", "true")
    shot(page, tmp_path, f"reasons-{name}")
    assert serious_violations(page) == []
    page.locator("#reasons-send").focus()
    page.keyboard.press("Enter")

    # Then the page thanks them, the keyboard stays where it was, and the tags are stored
    expect(page.locator("#reasons-status")).to_have_text("고맙습니다. 고른 이유를 함께 저장했습니다.")
    expect(page.locator("#reasons-send")).to_be_focused()
    stored = db_read(lambda: list(VoteReasons.objects.filter(vote__battle_id=battle_id)
                                  .values_list("tags", flat=True)))
    assert stored == [["accurate", "natural_korean"]]

    # And un-pressing one and sending again replaces them
    accurate.click()
    expect(accurate).to_have_attribute("aria-pressed", "false")
    page.locator("#reasons-send").click()
    expect(page.locator("#reasons-status")).to_contain_text("고맙습니다")
    stored = db_read(lambda: list(VoteReasons.objects.filter(vote__battle_id=battle_id)
                                  .values_list("tags", flat=True)))
    assert stored == [["natural_korean"]]

    # And a new battle starts without them; after "둘 다 별로" the question is what was wrong
    page.get_by_role("button", name="새 대결").click()
    expect(page.locator("#reasons")).to_be_hidden()
    send(page, "안녕하세요")
    expect(page.locator("#battle-status")).to_have_text("A 완료 · B 완료", timeout=30_000)
    page.get_by_role("button", name="둘 다 별로").click()
    worse = page.get_by_role("group", name="두 답변은 무엇이 아쉬웠나요? (선택)")
    expect(worse).to_be_visible()
    expect(worse.get_by_role("button", name="장황함")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("group", name="고른 답변은 어떤 점이 더 나았나요? (선택)")).to_be_hidden()
    # and sending with nothing chosen says the vote already counts, and stores nothing
    page.locator("#reasons-send").click()
    expect(page.locator("#reasons-status")).to_contain_text("투표는 이미 반영되었습니다")
