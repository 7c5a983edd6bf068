"""axe-core in the test's browser: the accessibility check of a page as it stands.

axe-core (Deque Systems, MPL-2.0) is vendored in tests/live/vendor/axe.min.js (4.12.1, taken
from the axe-playwright-python 0.1.8 wheel): the test serves it itself, no CDN, and the site
never does. It is evaluated into the page through the browser's debugging protocol, which the
page's Content-Security-Policy does not govern, so the site's policy stays as strict as it is.
"""
from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 A and AA, as the issue asks.
RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)
  }));
}"""


def serious_violations(page) -> list[dict]:
    """Return axe-core's serious and critical WCAG 2.1 AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN)
