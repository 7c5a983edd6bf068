"""The site's own error pages: 400, 403, 404 and 500 keep the site's header and footer and read in
the visitor's language (Korean by default), with DEBUG off as in production."""
import pytest
from django.test import Client
from django.test.client import RequestFactory
from django.utils import translation

from contest.models import Contest
from tests.factories import ContestFactory

pytestmark = pytest.mark.django_db

ENGLISH = {
    "ko": {"404": "찾을 수 없는 페이지입니다.", "403": "이 페이지를 볼 권한이 없습니다.", "500": "서버 오류",
           "400": "잘못된 요청", "csrf": "페이지를 새로고침해 주세요"},
    "en": {"404": "This page does not exist.", "403": "You don't have permission to view this page.",
           "500": "Server error", "400": "Bad request", "csrf": "Please refresh the page"},
}


def visitor(language, **kwargs):
    client = Client(**kwargs)
    if language == "en":
        client.cookies["django_language"] = "en"
    return client


def assert_site_page(response, status, language, heading):
    """The answer is the site's HTML page: its status, language, header, heading and footer."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert '<header class="site-header">' in page and '<footer class="site-footer">' in page
    assert f"<h1>{heading}</h1>" in page.split("<main")[1]
    assert 'href="/privacy/"' in page
    if language == "en":  # nothing Korean is left in the page's own text but the language switch
        main = page.split('<main id="main" tabindex="-1">')[1].split("</main>")[0]
        assert not any("\uac00" <= ch <= "\ud7a3" for ch in main), main
    return page


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


@pytest.mark.parametrize("language", ["ko", "en"])
def test_an_unknown_address_gets_the_sites_404(language):
    response = visitor(language).get("/no-such-page/")
    assert_site_page(response, 404, language, ENGLISH[language]["404"])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_results_before_publication_say_when_they_come(language):
    # Given a contest still open, one closed but not published, and one still a draft
    ContestFactory(slug="open-one", title="열린 대회", title_en="Open contest")
    ContestFactory(slug="closed-one", phase=Contest.Phase.CLOSED, title="끝난 대회", title_en="Ended contest")
    ContestFactory(slug="draft-one", phase=Contest.Phase.DRAFT)
    pending = {"ko": ("결과", "아직 결과가 발표되지 않았습니다."),
               "en": ("results", "The results have not been published yet.")}[language]
    for query, title in (("?contest=open-one", ("열린 대회", "Open contest")),
                         ("?contest=closed-one", ("끝난 대회", "Ended contest"))):
        # Then a contest the public sees gets a page of the site saying the results are to come
        # (still 404: no results live at the address yet), under the contest's name
        response = visitor(language).get(f"/results/{query}")
        heading = f"{title[language == 'en']} {pending[0]}"
        page = assert_site_page(response, 404, language, heading)
        assert pending[1] in page and 'href="/leaderboard/"' in page
    # And a draft or an unknown contest is the site's 404
    for query in ("?contest=draft-one", "?contest=nope"):
        response = visitor(language).get(f"/results/{query}")
        assert_site_page(response, 404, language, ENGLISH[language]["404"])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_page_refused_to_the_signed_in_gets_the_sites_403(expert_client, language):
    # An expert is signed in, but the console is the organizers'
    if language == "en":
        expert_client.cookies["django_language"] = "en"
    response = expert_client.get("/console/")
    page = assert_site_page(response, 403, language, ENGLISH[language]["403"])
    assert ("로그아웃" if language == "ko" else "Sign out") in page  # the header knows who is signed in


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_bug_in_a_view_gets_the_sites_500(monkeypatch, language):
    import console.views

    def broken(slug):
        raise ValueError("a bug")

    monkeypatch.setattr(console.views, "_published_contest", broken)
    response = visitor(language, raise_request_exception=False).get("/results/?contest=x")
    page = assert_site_page(response, 500, language, ENGLISH[language]["500"])
    assert "a bug" not in page and "Traceback" not in page


@pytest.mark.parametrize("language", ["ko", "en"])
def test_djangos_own_handler500_finds_a_site_page_that_needs_no_context(language):
    # django.views.defaults.server_error renders 500.html with an empty context and no request:
    # the page must stand on its own should anything ever reach it.
    from django.views.defaults import server_error

    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    assert_site_page(response, 500, language, ENGLISH[language]["500"])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_request_django_refuses_gets_the_sites_400(settings, language):
    # A Host header the site does not serve is refused before any view (handler400).
    response = visitor(language, raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert_site_page(response, 400, language, ENGLISH[language]["400"])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_form_with_a_stale_security_token_gets_a_site_page_not_json(language):
    # A page left open too long: its form's CSRF token no longer matches
    client = visitor(language, enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    page = assert_site_page(response, 403, language, "요청을 확인할 수 없습니다" if language == "ko"
                            else "The request could not be verified")
    assert ENGLISH[language]["csrf"] in page
    # while the API keeps answering in its own JSON shape
    api = client.post("/api/battles", {"prompt": "질문"}, content_type="application/json")
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
