"""Hostile TeX and code in Chromium: what KaTeX and highlight.js draw stays data (issue 32).

TeX is new attack surface: KaTeX has commands that make links (\\href, \\url), set classes, ids,
styles and data attributes (\\htmlClass, \\htmlId, \\htmlStyle, \\htmlData), fetch images
(\\includegraphics), draw page-sized boxes (\\rule) or expand macros without end. The page keeps
KaTeX's trust off and its sizes small (static/arena/markdown.js). Code blocks carry markup in
their text and in their language name. Each is answered by every team, in a first turn and a
follow-up, at phone and desktop sizes; the checks are tests/live/test_hostile_answers.py's:
the vote controls stay on top, nothing is fetched from elsewhere, clicks change nothing, and
nothing in an answer carries a link, an id, a data attribute or a class of the page's own.
"""
import pytest
from playwright.sync_api import expect

from tests.live.citizen import show_side
from tests.live.conftest import PERSONAS
from tests.live.test_browser import browser  # noqa: F401  (the fixture)
from tests.live.test_hostile_answers import (
    EVIL,
    OVERLAYS_OPEN,
    PAGE_WIDENED,
    TRACKER,
    VIEWPORTS,
    assert_controls_on_top,
    battle_page_watched,
    click_all_over,
    turn_sent_and_answered,
)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEX = [
    f"$\\href{{{EVIL}/href}}{{투표하기}}$",
    "$\\href{javascript:alert(1)}{여기}$ $\\url{javascript:alert(2)}$",
    f"$\\url{{{EVIL}/url}}$",
    "$\\htmlClass{dock active votes}{가짜 투표}$ $\\htmlId{votes}{x}$ $\\htmlId{reveal-title}{y}$",
    "$\\htmlStyle{position:fixed;inset:0;width:100vw;height:100vh;z-index:2147483647;background:#fff}{덮개}$",
    "$\\htmlData{choice=a, reveal=b}{데이터}$",
    f"$\\includegraphics[width=100em]{{{TRACKER}/tex.png}}$",
    "$$\\rule{5000em}{5000em}$$",
    "$\\color{white}{\\rule{400em}{400em}}$",
    "$\\def\\a{\\a\\a}\\a$ $\\gdef\\b#1{\\b{#1#1}}\\b{x}$",
    "$\\raisebox{-300em}{아래}$ $\\kern-500em x$ $\\hspace{-400em} y$",
    "$\\text{<img src=x onerror=alert(3)>}$ $\\mathrm{</code><script>alert(4)</script>}$",
    "\\[ \\Huge\\Huge\\Huge \\text{큰 글씨} \\]",
    "$\\verb|<dialog open>|$ $\\operatorname{<b>x</b>}$",
]
CODE = [
    "```html\n<dialog open><img src=x onerror=alert(5)></dialog><script>alert(6)</script>\n```",
    '```"><img src=x onerror=alert(7)>\nlanguage name as markup\n```',
    "```javascript\ndocument.querySelector('[data-choice=a]').click(); fetch('" + EVIL + "/code');\n```",
    "```\n<style>*{display:none}</style>\n<a href=\"" + EVIL + "\">link</a>\n```",
]
BODY = "\n\n".join(TEX + CODE)

# Nothing an answer drew may link, name, carry data or wear a class the page itself uses.
DRAWN = """root => {
  const pageClasses = ['dock', 'active', 'votes', 'vote-buttons', 'open', 'locked', 'pane', 'panes',
    'conversation', 'status', 'reveal', 'message', 'chip', 'primary', 'secondary', 'visually-hidden'];
  const found = [];
  root.querySelectorAll('*').forEach(el => {
    const tag = el.localName;
    if (['a', 'img', 'script', 'style', 'iframe', 'form', 'input', 'button', 'dialog', 'link', 'object'].includes(tag)) found.push(tag);
    for (const attr of el.attributes) {
      if (['id', 'href', 'src', 'xlink:href', 'action', 'formaction', 'popover', 'for'].includes(attr.name)
          || attr.name.startsWith('data-') || attr.name.startsWith('on')) found.push(tag + '[' + attr.name + ']');
    }
    el.classList.forEach(c => { if (pageClasses.includes(c)) found.push(tag + '.' + c); });
    const position = getComputedStyle(el).position;
    if (position === 'fixed' || position === 'sticky') found.push(tag + '{' + position + '}');
  });
  return found;
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_hostile_tex_and_code_stay_data(live_stack, live_contest, browser, mock_answers, viewport):  # noqa: F811
    page, outside, answers, statuses, vote_buttons = battle_page_watched(browser, live_stack, viewport)

    # Given every team answering hostile TeX and code, in the first turn and a follow-up
    mock_answers({persona: f"처음 {persona}\n\n{BODY}\n\n끝 {persona}" for persona, _, _ in PERSONAS})
    for turn in range(2):
        turn_sent_and_answered(page, f"수식을 보여 줘 {turn}", turn, answers, statuses, vote_buttons)
    battle_id = page.locator("#battle").get_attribute("data-battle-id")

    # Then the formulas were drawn (as KaTeX, or as its error), and none drew a link, an id,
    # a data attribute, a page class or a fixed box; the page did not widen
    for side in "ab":
        show_side(page, side)
        for turn in range(2):
            answer = answers[side].nth(turn)
            expect(answer).to_contain_text("끝 ")
            assert answer.locator(".katex, .katex-error").count() >= len(TEX)
            assert answer.evaluate(DRAWN) == []
            assert answer.locator("pre code").count() == len(CODE)
    assert not page.evaluate(PAGE_WIDENED)
    assert_controls_on_top(vote_buttons)

    # When the citizen clicks all over both answers
    for side in "ab":
        show_side(page, side)
        click_all_over(page, answers[side])

    # Then nothing moved: the same battle, nothing open over it, the vote goes through
    assert page.url == live_stack.web_url + "/"
    assert page.locator("#battle").get_attribute("data-battle-id") == battle_id
    assert page.evaluate(OVERLAYS_OPEN) == 0
    assert_controls_on_top(vote_buttons)
    vote_buttons.first.click()
    expect(page.locator("#reveal")).to_be_visible()
    assert outside == []
