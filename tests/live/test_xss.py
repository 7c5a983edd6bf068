"""Model answers are untrusted: an XSS corpus renders inert in a real browser.

Each payload goes through the page's own renderer (static/arena/markdown.js: marked, then
DOMPurify) in headless Chromium. Nothing may run (every payload tries to set window.__xss),
the rendered DOM keeps no script, event handler, javascript: URL, SVG, frame or style, and
raw HTML is shown to the reader as the text it is.
"""
import pytest
from playwright.sync_api import expect

from tests.live.conftest import SETTLED
from tests.live.test_browser import browser, chromium_path  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss='onerror'\">",
    "<img src=x onerror=window.__xss='unquoted'//",
    "[링크](javascript:window.__xss='md-link')",
    "<a href=\"javascript:window.__xss='a-href'\">눌러 보세요</a>",
    "<a href=\"JaVaScRiPt&colon;window.__xss='entity'\">x</a>",
    "<svg onload=\"window.__xss='svg'\"><script>window.__xss='svg-script'</script></svg>",
    "<svg><a xlink:href=\"javascript:window.__xss='xlink'\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='mxss'\">",
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "<details open ontoggle=\"window.__xss='ontoggle'\">x</details>",
    "<body onload=\"window.__xss='body'\">",
    "<div style=\"background:url(javascript:window.__xss='css')\">x</div>",
    "<form action=\"javascript:window.__xss='form'\"><button>x</button></form>",
    "<object data=\"javascript:window.__xss='object'\"></object>",
    "<embed src=\"javascript:window.__xss='embed'\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss='meta'\">",
    "</textarea><script>window.__xss='breakout'</script>",
    "<<script>script>window.__xss='nested'<</script>/script>",
    "```html\n<script>window.__xss='fenced'</script>\n```",
    "<img src=\"x\" alt=\"`<img src=x onerror=window.__xss='alt'>`\">",
]

RENDER_ALL = """corpus => {
  const holder = document.createElement('div');
  holder.id = 'xss-holder';
  document.body.appendChild(holder);
  corpus.forEach(text => {
    const answer = document.createElement('div');
    answer.className = 'answer';
    holder.appendChild(answer);
    window.KaiMarkdown.render(answer, text);
  });
  return holder.innerHTML;
}"""

INSPECT = """() => {
  const found = [];
  document.querySelectorAll('#xss-holder *').forEach(el => {
    const tag = el.tagName.toLowerCase();
    if (['script', 'svg', 'math', 'iframe', 'object', 'embed', 'form', 'style', 'meta', 'body']
        .includes(tag)) found.push('tag ' + tag);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.replace(/\\s/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(tag + ' ' + name);
      if (name === 'style') found.push(tag + ' style');
      if (value.includes('javascript:')) found.push(tag + ' ' + name + '=' + value);
    }
  });
  return found;
}"""


def test_xss_corpus_renders_inert_in_chromium(live_stack, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(live_stack.web_url + "/")
    expect(page.locator("#prompt")).to_be_visible()

    html = page.evaluate(RENDER_ALL, CORPUS)
    # Let any image error, toggle or load handler that slipped through fire: every image has
    # loaded or failed, and the page has drawn twice since.
    page.wait_for_function(
        "[...document.querySelectorAll('#xss-holder img')].every(image => image.complete)"
    )
    page.evaluate(SETTLED)

    assert page.evaluate("window.__xss === undefined"), page.evaluate("window.__xss")
    assert page.evaluate(INSPECT) == [], html
    # Chromium reports the hostile handlers and styles that DOMPurify's inert parse met as
    # blocked by the Content-Security-Policy: the second wall holding, not a fault of the page.
    blocked = page.evaluate("window.__cspViolations.splice(0)")
    assert set(blocked) <= {"script-src-attr inline", "style-src-attr inline",
                            "style-src-elem inline"}, blocked
    # Ordinary Markdown still renders: the fenced block stays visible as code.
    assert page.locator("#xss-holder pre code").count() >= 1
    shown = page.locator("#xss-holder").inner_text()
    assert "링크" in shown
    # Raw HTML is what the model wrote, shown as text.
    assert "<script>window.__xss = 'script'</script>" in shown
    assert "<details open ontoggle=" in shown
