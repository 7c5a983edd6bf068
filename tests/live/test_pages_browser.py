"""Every page that is not the citizen's battle, in headless Chromium on a phone (390×844) and a
desktop (1440×900): the boards (each tab), the published results, the expert's pages, the
organizers' console, the footer's pages, login and the error pages.

On each page axe-core (tests/live/axe.py) reports no serious or critical WCAG 2.1 AA violation,
and a full-page screenshot is saved as an artefact under the test's tmp_path; its path is printed
("screenshot: ...", shown with -s). The citizen's pages are checked in test_citizen_browser.py.
"""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from arena.models import Response
from contest.models import Contest
from contest.services import contest_rule_set, contest_transition
from expert.onboarding import invitation_link
from tests.factories import (
    ContestFactory, EntrantFactory, OrganizerFactory, expert_make, expert_pairs_make, votes_simulate,
)
from tests.live.axe import serious_violations
from tests.live.test_browser import browser  # noqa: F401 (the fixture)
from voting.blindness.services import blindness_audit_run
from voting.boards import leaderboard_compute

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def site(live_contest):
    """The live contest open with votes and an expert queue (one item judged), a second contest
    published, an organizer, an expert, and an invited expert's unused welcome link.

    Made before the browser starts: Playwright's event loop forbids database calls afterwards.
    """
    from expert import judging
    from expert import services as expert_services
    from expert.models import Assignment

    entrants = list(live_contest.entrants.order_by("pk"))
    votes_simulate(live_contest, entrants, 40)
    past = ContestFactory(slug="past", title="지난 대회")
    past_entrants = [EntrantFactory(contest=past) for _ in range(3)]
    votes_simulate(past, past_entrants, 30, seed=1)
    for n, entrant in enumerate(past_entrants + entrants):
        Response.objects.filter(entrant=entrant).update(text=f"말투{n} " + "라 " * (n + 2), ttft_ms=200 + 100 * n)
    # The blindness audit's tables, on the console and on the published results
    blindness_audit_run(contest=live_contest)
    blindness_audit_run(contest=past)
    # The decision's panel, bars and forms, on the console and on the published results
    past = contest_rule_set(contest=past, rule={"advance_k": 2}, reason="두 팀 진출")
    contest_rule_set(contest=live_contest, rule={"advance_k": 2, "pair_draw": "decision"},
                     reason="두 팀 진출")
    leaderboard_compute(contest=Contest.objects.get(pk=live_contest.pk), track="citizen")
    contest_transition(contest=past, to=Contest.Phase.CLOSED)
    contest_transition(contest=past, to=Contest.Phase.PUBLISHED)

    prompt_set, _pairs = expert_pairs_make(live_contest, entrants[:3], prompts=1)
    expert = expert_make(domains=["law"], username="page-expert")
    expert_services.assignments_create(prompt_set=prompt_set, k=1, seed=0)
    queue = list(Assignment.objects.filter(expert=expert).order_by("position"))
    judging.judgment_submit(
        assignment_id=queue[0].pk, user=expert, seconds=30, overall="a",
        criteria={c["key"]: "a" for c in prompt_set.criteria},
        rationale="A가 질문에 더 정확하게 답했고 B는 근거를 빠뜨렸습니다.",
    )
    invited = get_user_model().objects.create(username="invited@example.org", email="invited@example.org")
    invited.groups.add(Group.objects.get(name="experts"))
    welcome = invitation_link(user=invited, base_url="")
    OrganizerFactory(username="page-organizer")
    return {"item": queue[1].pk, "welcome": welcome}


class Pages:
    """Visits pages in one browser page, saving a screenshot and axe's findings for each."""

    def __init__(self, page, base_url, tmp_path, size):
        self.page, self.base_url, self.tmp_path, self.size = page, base_url, tmp_path, size
        self.violations = {}

    def visit(self, path, name, *, status=200):
        response = self.page.goto(self.base_url + path)
        assert response.status == status, (path, response.status)
        self.check(name)

    def check(self, name):
        self.page.wait_for_load_state("networkidle")
        path = self.tmp_path / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        found = serious_violations(self.page)
        if found:  # one line per rule and element, so a failure reads at a glance
            self.violations[name] = [f"{v['id']} ({v['impact']}): {node}" for v in found for node in v["nodes"]]

    def login(self, username):
        self.page.goto(self.base_url + "/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pass")
        self.page.get_by_role("button", name="로그인").click()
        self.page.wait_for_load_state("networkidle")


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def pages(request, live_stack, site, browser, tmp_path):  # noqa: F811
    """A browser page at each size; `site` first: no database call once the browser runs."""
    viewport = request.param
    return Pages(browser.new_page(viewport=viewport, locale="ko-KR"), live_stack.web_url, tmp_path,
                 "phone" if viewport == PHONE else "desktop")


def test_public_pages_pass_axe(site, pages):
    page = pages.page

    # The boards, one tab after another, each with its plots' tables open
    pages.visit("/leaderboard/", "leaderboard-citizen")
    expect(page.locator("#board-table tbody tr")).to_have_count(5)
    for track in ("expert", "combined", "panel"):
        tab = page.locator(f"#tab-{track}")
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        for summary in page.locator("details.plot-text summary").all():
            summary.click()
        pages.check(f"leaderboard-{track}")

    # The published results
    pages.visit("/results/?contest=past", "results-published")
    expect(page.locator(".results-table").first).to_be_visible()
    expect(page.locator("#decision-sentence")).to_be_visible()
    # with the blindness audit's tables, which scroll in their own region rather than the page
    expect(page.locator('[data-blindness="models"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Before publication: the site's page saying the results are to come (a 404 all the same)
    pages.visit("/results/?contest=live", "results-unpublished-404", status=404)
    expect(page.locator("main h1")).to_have_text("실시간 대회 결과")
    expect(page.locator("#results-pending")).to_contain_text("아직 결과가 발표되지 않았습니다.")
    expect(page.locator(".site-footer")).to_be_visible()
    pages.visit("/no-such-page/", "not-found-404", status=404)

    # The footer's pages, the login page, and the page an invited expert opens first
    for path in ("/privacy/", "/terms/", "/accessibility/"):
        pages.visit(path, path.strip("/"))
    pages.visit("/accounts/login/", "login")
    pages.visit("/panel/join/", "panel-join")
    pages.visit(site["welcome"], "expert-welcome")
    expect(page.locator("input[type=password]").first).to_be_visible()

    assert pages.violations == {}


def test_expert_pages_pass_axe(site, pages):
    page = pages.page
    pages.login("page-expert")

    pages.visit("/expert/", "expert-queue")
    expect(page.locator("#queue-progress")).to_contain_text("1 / 3")
    pages.visit(f"/expert/items/{site['item']}/", "expert-item")
    expect(page.locator("#judgment-form")).to_be_visible()
    # Every criterion's example opened, as an expert reading them would
    for summary in page.locator("#judgment-form details.criterion-example summary").all():
        summary.click()
    pages.check("expert-item-examples")
    pages.visit("/accounts/second-factor/", "second-factor")
    # An expert is not an organizer: the console refuses them with the site's 403 page
    pages.visit("/console/", "forbidden-403", status=403)
    expect(page.locator("main h1")).to_have_text("이 페이지를 볼 권한이 없습니다.")

    assert pages.violations == {}


def test_console_pages_pass_axe(pages):
    page = pages.page
    pages.login("page-organizer")

    pages.visit("/console/?contest=live", "console")
    expect(page.locator("#decision-sentence")).to_be_visible()
    expect(page.locator('[data-plot="battles"] svg')).to_have_count(1)
    pages.visit("/console/results/?contest=live", "console-results")
    for path, name in (("", "expert-overview"), ("import/", "expert-import"), ("invite/", "expert-invite"),
                       ("disputes/", "expert-disputes"), ("results/", "expert-results")):
        pages.visit(f"/console/expert/{path}?contest=live", f"console-{name}")

    # An export started from the console opens its progress page, which lists the files when done
    page.goto(pages.base_url + "/console/?contest=live")
    page.click('[data-export="dataset"]')
    expect(page.get_by_role("link", name="manifest.json", exact=True)).to_be_visible(timeout=30_000)
    pages.check("console-export")

    assert pages.violations == {}
