"""An expert in headless Chromium logs in and judges a queue item with the keyboard only.

Needs Debian's chromium, like tests/live/test_browser.py (skipped without it, required on CI).
"""
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.factories import expert_make
from tests.live.test_browser import browser  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATIONALE = "A는 절차를 순서대로 정확히 설명했고 B는 기한을 빠뜨렸습니다."


@pytest.fixture
def expert_queue(live_contest):
    """An expert with a queue of three items over the live contest's entrants (answers given)."""
    from expert import services as expert_services
    from expert.models import Answer, Assignment, Pair, Prompt, PromptSet

    entrants = list(live_contest.entrants.order_by("pk")[:3])
    prompt_set = PromptSet.objects.create(contest=live_contest, title="브라우저 세트")
    prompt = Prompt.objects.create(prompt_set=prompt_set, domain="law", text="전세 보증금을 돌려받는 절차는?")
    answers = [
        Answer.objects.create(prompt=prompt, entrant=e, status="done", text=f"## 답변 {n}\n\n- 첫째\n- 둘째\n\n<script>window.__pwned = 1</script>")
        for n, e in enumerate(entrants)
    ]
    for i, first in enumerate(answers):
        for second in answers[i + 1:]:
            Pair.objects.create(prompt=prompt, answer_1=first, answer_2=second)
    expert = expert_make(domains=["law"], username="keyboard-expert")
    expert_services.assignments_create(prompt_set=prompt_set, k=1, seed=0)
    first = Assignment.objects.filter(expert=expert).order_by("position").first()
    return {"expert": expert, "first": first.pk, "names": live_contest.team_names + live_contest.model_names}


def test_expert_judges_an_item_with_the_keyboard_only(live_stack, expert_queue, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Log in by typing and pressing Enter.
    page.goto(live_stack.web_url + "/expert/")
    page.locator("#id_username").focus()
    page.keyboard.type("keyboard-expert")
    page.keyboard.press("Tab")
    page.keyboard.type("pass")
    page.keyboard.press("Enter")
    expect(page.locator("#queue-progress")).to_contain_text("0 / 3")
    # The same prompt in three pairs: the queue says they are different pairs.
    expect(page.locator(".pair-badge")).to_have_text(
        ["같은 질문, 다른 모델 쌍 1/3", "같은 질문, 다른 모델 쌍 2/3", "같은 질문, 다른 모델 쌍 3/3"])

    # Reach the first item from the queue with Tab and Enter.
    for _ in range(30):
        if page.evaluate("document.activeElement && document.activeElement.id") == "start":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_have_text("0 / 3")
    expect(page.locator("#answer-a h2")).to_be_visible()  # Markdown rendered...
    assert page.locator("#answer-a script").count() == 0  # ...and sanitised
    assert page.evaluate("window.__pwned") is None
    body = page.locator("body").inner_text()
    for name in expert_queue["names"]:
        assert name not in body

    # Each criterion says what it asks.
    expect(page.locator("#criterion-accuracy-help")).to_contain_text("사실")
    # R jumps to the rationale without typing an "r" into it; Escape leaves it again.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "rationale"
    assert page.locator("#rationale").input_value() == ""
    page.keyboard.press("Escape")

    # Criteria: a, b, t, a, t; overall: a; then the rationale; Ctrl+Enter submits.
    for key in ["a", "b", "t", "a", "t", "a"]:
        page.keyboard.press(key)
    assert page.evaluate("document.activeElement.id") == "rationale"
    page.keyboard.type(RATIONALE)
    page.keyboard.press("Control+Enter")

    # Then the next item opens, the progress moved on and the judgment is stored as chosen.
    expect(page.locator("#progress")).to_have_text("1 / 3")
    expect(page.locator("#saved")).to_have_text("판정을 저장했습니다. 다음 항목입니다.")
    assert dialogs == []

    def stored():
        from django.db import connection

        from expert.models import ExpertJudgment

        try:
            judgment = ExpertJudgment.objects.get(assignment_id=expert_queue["first"])
            return judgment.criteria, judgment.overall, judgment.rationale, judgment.seconds
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        criteria, overall, rationale, seconds = pool.submit(stored).result()
    assert criteria == {"accuracy": "a", "helpfulness": "b", "korean": "tie", "instruction": "a", "safety": "tie"}
    assert overall == "a" and rationale == RATIONALE and seconds >= 0
