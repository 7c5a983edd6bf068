"""The battle page as the server renders it: the first-visit notice and the example prompts."""
import pytest

from contest.models import Category
from tests.factories import ContestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_contest():
    return ContestFactory()


def test_a_first_visit_shows_the_notice_and_no_usable_composer(client, open_contest):
    page = client.get("/").content.decode()

    # The notice says what the privacy page says, and links to it
    assert 'id="first-visit"' in page
    assert "두 참가 팀의 모델 서버로 보내집니다" in page
    assert "개인정보는 자동으로 가려집니다" in page
    assert "질문 본문은 실리지 않습니다" in page
    assert "질문에 쓰지 마세요" in page
    assert 'href="/privacy/"' in page
    # and the composer cannot be used before it is accepted
    assert 'data-notice="pending"' in page
    assert '<button id="send" type="submit" class="primary" disabled>' in page


def test_accepting_the_notice_is_remembered_for_the_session(client, open_contest):
    # When the citizen accepts
    response = client.post("/", {"notice": "accept"})

    # Then the page comes back without the notice, its prompt box ready for typing once
    assert response.status_code == 302 and response.url == "/"
    page = client.get("/").content.decode()
    assert 'id="first-visit"' not in page
    assert 'data-notice="accepted"' in page
    assert " autofocus" in page
    again = client.get("/").content.decode()
    assert 'id="first-visit"' not in again and " autofocus" not in again


def test_a_post_without_the_acceptance_changes_nothing(client, open_contest):
    response = client.post("/", {"notice": "something else"})
    assert response.status_code == 302
    assert 'id="first-visit"' in client.get("/").content.decode()


def test_another_session_is_asked_again(client, open_contest):
    from django.test import Client

    client.post("/", {"notice": "accept"})
    assert 'id="first-visit"' in Client().get("/").content.decode()


def test_examples_are_one_tap_chips_escaped_and_per_category(client, open_contest):
    Category.objects.create(slug="writing", name="글쓰기",
                            examples="감사 편지를 써 줘\n\n  <b>굵게</b> 써 줘  \n")
    Category.objects.create(slug="coding", name="코딩", examples="")

    page = client.get("/").content.decode()

    assert '<button type="button" class="chip" data-category="writing" disabled>감사 편지를 써 줘</button>' in page
    assert "&lt;b&gt;굵게&lt;/b&gt; 써 줘</button>" in page
    assert 'data-category="coding"' not in page.split('id="examples"')[1]


def test_the_demo_seeds_examples_for_every_category(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    categories = list(Category.objects.all())
    assert categories and all(len(c.example_prompts()) >= 3 for c in categories)


def test_the_notice_and_the_skip_link_read_in_english_when_chosen(client, open_contest):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Before you start" in page and "I understand. Start" in page
    assert "Skip to main content" in page
    assert "the text of your prompts is not in it" in page
