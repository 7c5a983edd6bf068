"""The battle page's second pass (issue 32), in headless Chromium on a phone and a desktop: a
stalled turn says how long both sides have been waited for, a refused start is said where the
citizen is looking, a failed battle can be asked again, a follow-up scrolls into view, TeX and
code render, and after the vote the model cards, the Markdown copy and the share link.

Screenshots are saved as artefacts under the test's tmp_path (printed with -s); at each new
state axe-core (tests/live/axe.py) reports no serious or critical WCAG 2.1 AA violation.
"""
import re

import pytest
from playwright.sync_api import expect

from contest.models import Contest
from contest.services import contest_transition
from tests.factories import ContestFactory, EntrantFactory, OrganizerFactory, TeamFactory
from tests.live.axe import serious_violations
from tests.live.citizen import accept_notice, show_side
from tests.live.test_browser import browser  # noqa: F401 (the fixture)
from tests.live.test_citizen_browser import PHONE, VIEWPORTS, mock_personas, send, shot  # noqa: F401

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def size(viewport) -> str:
    return "phone" if viewport == PHONE else "desktop"


def open_page(browser, live_stack, viewport):  # noqa: F811
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    return page


@pytest.fixture
def short_contest(live_stack, transactional_db):
    """An open contest of two entrants (ax and varco) that give up on a silent team after 6 s,
    each with a model card."""
    contest = ContestFactory(slug="short", title="짧은 대회")
    for persona, team in (("ax", "SK텔레콤"), ("varco", "NC AI")):
        EntrantFactory(contest=contest, team=TeamFactory(name=team), display_name=persona,
                       base_url=f"{live_stack.mock_url}/{persona}/v1", model=persona, timeout_seconds=6,
                       card_parameters="32B", card_license="Apache-2.0", card_open_weights=True,
                       card_url=f"https://example.org/{persona}")
    return contest


@VIEWPORTS
def test_a_stalled_turn_says_how_long_both_are_waited_for_and_can_be_asked_again(
        live_stack, short_contest, browser, mock_personas, viewport, tmp_path):  # noqa: F811
    # Given one team that says nothing until the contest gives up on it
    mock_personas({"ax": {"fault": "timeout"}, "varco": {"tokens_per_second": 200}})
    page = open_page(browser, live_stack, viewport)
    send(page, "피타고라스 정리를 설명해 줘")

    # Then both panes say, alike, that both are waited for and for how long, and the count goes on
    waited = page.locator("#waited")
    expect(waited).to_contain_text("두 모델 모두 기다리는 중", timeout=10_000)
    first = int(re.search(r"(\d+)초", waited.inner_text()).group(1))
    expect(waited).not_to_contain_text(f"· {first}초", timeout=3_000)
    texts = [page.locator(f'[data-waited-for="{side}"]').inner_text() for side in "ab"]
    assert texts[0] == texts[1] != ""
    for side in "ab":
        expect(page.locator(f'[data-status-for="{side}"]')).to_have_text("기다리는 중…")
    shot(page, tmp_path, f"stalled-{size(viewport)}")
    assert serious_violations(page) == []

    # When the silent side fails, the other answer can be read in full, the failure is said
    # once (in the message line, with one word in panes and dock), and the question is kept
    expect(page.locator('#panes .status[data-status="error"]')).to_have_count(1, timeout=20_000)
    expect(page.locator("#panes .status[data-status='error']")).to_have_text("실패")
    expect(page.locator("#battle-status")).to_contain_text("실패")
    expect(page.locator("#message")).to_contain_text("다른 쪽 답변은 끝까지 읽을 수 있습니다")
    expect(page.locator("#vote-hint")).to_be_hidden()
    expect(page.get_by_role("button", name="A가 더 좋음")).to_be_disabled()
    expect(waited).to_be_hidden()
    answered = page.locator('#panes .status[data-status="done"]')
    expect(answered).to_have_count(1, timeout=10_000)
    side = answered.get_attribute("data-status-for")
    show_side(page, side)
    expect(page.locator(f"#pane-{side} .answer")).not_to_have_text("")
    retry = page.get_by_role("button", name="같은 질문으로 다시")
    expect(retry).to_be_visible()
    shot(page, tmp_path, f"failed-{size(viewport)}")
    assert serious_violations(page) == []

    # And 같은 질문으로 다시 starts a new battle on the same question
    first_battle = page.locator("#battle").get_attribute("data-battle-id")
    retry.click()
    expect(page.locator("#battle")).not_to_have_attribute("data-battle-id", first_battle, timeout=15_000)
    expect(page.locator("#battle")).to_have_attribute("data-battle-id", re.compile(".+"))
    expect(page.locator("#pane-a .bubble.user")).to_have_text("피타고라스 정리를 설명해 줘")


@pytest.fixture
def lonely_contest(live_stack, transactional_db):
    """An open contest where only one model can answer."""
    contest = ContestFactory(slug="alone", title="혼자인 대회")
    EntrantFactory(contest=contest, base_url=f"{live_stack.mock_url}/ax/v1", model="ax")
    return contest


@VIEWPORTS
def test_a_refused_start_is_said_in_view_announced_and_focused(live_stack, lonely_contest, browser,  # noqa: F811
                                                                viewport, tmp_path):
    # Given a contest where only one model can answer
    page = open_page(browser, live_stack, viewport)

    # When the citizen sends a question
    send(page, "오늘 저녁 메뉴를 추천해 줘")

    # Then the refusal is on screen, in an alert, focused, and says what to do
    error = page.locator("#start-error")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(error).to_be_focused()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("둘 이상 없습니다")
    expect(error).to_contain_text("잠시 후 다시 시도해 주세요")
    expect(page.locator("#prompt")).to_have_value("오늘 저녁 메뉴를 추천해 줘")
    shot(page, tmp_path, f"refused-{size(viewport)}")
    assert serious_violations(page) == []


MATH_AND_CODE = """피타고라스 정리는 $a^2 + b^2 = c^2$ 입니다.

$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$

```python
def hypotenuse(a, b):
    return (a ** 2 + b ** 2) ** 0.5
```

값은 $5와 $10 사이입니다."""


@VIEWPORTS
def test_tex_and_code_render_and_a_follow_up_scrolls_into_view(live_stack, live_contest, browser,  # noqa: F811
                                                                mock_personas, viewport, tmp_path):  # noqa: F811
    mock_personas({p: {"answer": MATH_AND_CODE, "tokens_per_second": 400}
                   for p in ("hyperclova", "exaone", "ax", "solar", "varco")})
    page = open_page(browser, live_stack, viewport)
    send(page, "피타고라스 정리를 수식과 코드로 보여 줘")
    expect(page.locator("#battle-status")).to_have_text("A 완료 · B 완료", timeout=60_000)

    # Then on a phone the intro and the phase line give their room to the answers
    for part in (page.locator(".intro p"), page.locator("#contest-phase")):
        if viewport == PHONE:
            expect(part).to_be_hidden()
        else:
            expect(part).to_be_visible()

    # Then TeX is drawn by KaTeX (inline and display), code is highlighted, and money stays text
    for side in "ab":
        show_side(page, side)
        answer = page.locator(f"#pane-{side} .answer").first
        expect(answer.locator(".katex")).to_have_count(2)
        expect(answer.locator(".katex-display")).to_have_count(1)
        expect(answer.locator("pre code .hljs-keyword").first).to_have_text("def")
        expect(answer).to_contain_text("값은 $5와 $10 사이입니다.")
        assert "$a^2" not in answer.inner_text()
    shot(page, tmp_path, f"math-code-{size(viewport)}")
    assert serious_violations(page) == []

    # And the dock says how many follow-ups are left
    expect(page.locator("#turns-left")).to_contain_text("번 더 질문할 수 있습니다")

    # When the citizen asks a follow-up from the bottom of the page
    show_side(page, "a")
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#prompt").fill("코드를 자바스크립트로도 보여 줘")
    page.locator("#send").click()

    # Then the new question is brought into view, not left under the dock
    question = page.locator("#pane-a .bubble.user").nth(1)
    expect(question).to_have_text("코드를 자바스크립트로도 보여 줘")
    expect(question).to_be_in_viewport()
    shot(page, tmp_path, f"follow-up-{size(viewport)}")
    assert serious_violations(page) == []


@VIEWPORTS
def test_after_the_vote_the_model_cards_the_markdown_and_a_share_link_that_can_be_revoked(
        live_stack, short_contest, browser, mock_personas, viewport, tmp_path):  # noqa: F811
    mock_personas({p: {"answer": "짧은 답입니다. $x^2$", "tokens_per_second": 200} for p in ("ax", "varco")})
    page = open_page(browser, live_stack, viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    send(page, "짧게 답해 줘")
    expect(page.get_by_role("button", name="A가 더 좋음")).to_be_enabled(timeout=30_000)
    page.get_by_role("button", name="A가 더 좋음").click()

    # Then each side's model card shows what its team declared, its link safe to follow
    reveal = page.locator("#reveal")
    expect(reveal.locator('[data-card="a"]')).to_contain_text("Apache-2.0")
    expect(reveal.locator('[data-card="b"]')).to_contain_text("32B")
    link = reveal.locator('[data-card="a"] a')
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_attribute("href", re.compile(r"^https://example\.org/"))
    # and the reveal no longer sticks over the answers
    assert page.evaluate("getComputedStyle(document.getElementById('dock')).position") == "static"
    shot(page, tmp_path, f"reveal-cards-{size(viewport)}")
    assert serious_violations(page) == []

    # When the citizen copies the battle as Markdown
    page.get_by_role("button", name="Markdown으로 복사").click()
    expect(page.locator("#keep-status")).to_have_text("복사했습니다.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "짧게 답해 줘" in copied and "SK텔레콤" in copied and "NC AI" in copied
    with page.expect_download() as download:
        page.get_by_role("button", name="Markdown 내려받기").click()
    assert download.value.suggested_filename.endswith(".md")

    # And makes a share link: the link opens a read-only page of the battle, out of search engines
    page.get_by_role("button", name="공유 링크 만들기").click()
    url = page.locator("#share-url")
    expect(url).to_have_text(re.compile(r"/shared/[\w-]{20,}/$"))
    address = url.inner_text()
    shared = browser.new_page(viewport=viewport, locale="ko-KR")  # anyone with the link
    response = shared.goto(address)
    assert response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    expect(shared.locator("h1")).to_have_text("공유된 대결")
    expect(shared.locator(".katex").first).to_be_visible()
    expect(shared.locator("#shared")).to_contain_text("SK텔레콤")
    expect(shared.locator("#shared")).not_to_contain_text("A가 더 좋음")
    shot(shared, tmp_path, f"shared-{size(viewport)}")
    assert serious_violations(shared) == []

    # And turning it off makes the link answer 404
    page.get_by_role("button", name="공유 끄기").click()
    expect(page.locator("#keep-status")).to_contain_text("공유를 껐습니다")
    assert shared.goto(address).status == 404


@pytest.fixture
def paused_contest(live_stack, transactional_db):
    """A contest its organizer paused, with a reason for the citizens."""
    contest = ContestFactory(slug="paused", title="멈춘 대회")
    contest_transition(contest=contest, to=Contest.Phase.PAUSED, actor=OrganizerFactory(),
                       reason="모델 서버 점검 중입니다. 15시에 다시 엽니다.")
    return contest


@VIEWPORTS
def test_the_paused_page_gives_the_reason_and_since_when(live_stack, paused_contest, browser,  # noqa: F811
                                                        viewport, tmp_path):
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    closed = page.locator("#contest-closed")
    expect(closed).to_contain_text("부터 잠시 멈췄습니다")
    expect(closed).to_contain_text("사유: 모델 서버 점검 중입니다. 15시에 다시 엽니다.")
    shot(page, tmp_path, f"paused-{size(viewport)}")
    assert serious_violations(page) == []


@VIEWPORTS
def test_the_reveal_of_an_excluded_battle_repeats_that_the_vote_will_not_count(
        live_stack, live_contest, browser, viewport, tmp_path):  # noqa: F811
    page = open_page(browser, live_stack, viewport)
    send(page, "너는 누구야? 어느 회사가 만들었어?")
    expect(page.locator("#excluded-notice")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="A가 더 좋음")).to_be_enabled(timeout=30_000)

    # When the citizen votes all the same
    page.get_by_role("button", name="A가 더 좋음").click()

    # Then the reveal says it again, beside the names
    repeat = page.locator("#reveal-excluded")
    expect(repeat).to_be_visible()
    expect(repeat).to_have_text("이 대결의 투표는 순위에 반영되지 않습니다.")
    shot(page, tmp_path, f"reveal-excluded-{size(viewport)}")
    assert serious_violations(page) == []
