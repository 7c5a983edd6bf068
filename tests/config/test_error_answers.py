"""Hostile or broken requests answer the API's JSON error under /api/ and the site's error page
elsewhere, with a 4xx: never a 500, an HTML page for the API, or a traceback in the log."""
import json
import logging

import pytest
from asgiref.testing import ApplicationCommunicator

from config.api import MAX_BODY_BYTES
from config.asgi import application
from contest.models import Contest
from tests.factories import ContestFactory

pytestmark = pytest.mark.django_db

NIL = "00000000-0000-0000-0000-000000000000"
# Every POST of the API, with a body that the route would otherwise accept.
POSTS = ["/api/battles", f"/api/battles/{NIL}/turns", f"/api/battles/{NIL}/vote",
         "/api/expert/items/1/judgment"]


@pytest.fixture
def quiet_log(caplog):
    """Fail the test if any ERROR record, or any record with a traceback, was written."""
    caplog.set_level(logging.INFO)
    yield
    loud = [record for record in caplog.records
            if record.levelno >= logging.ERROR or record.exc_info]
    assert not loud, [record.getMessage() for record in loud]


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


def assert_api_error(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def assert_error_page(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="ko">' in page and "대결 페이지로" in page


@pytest.mark.parametrize("query", ["contest=%00", "contest=a%00b", "contest=" + "가" * 5000,
                                   "contest=../x"])
def test_a_contest_slug_no_contest_can_have_is_a_404_page(client, quiet_log, query):
    ContestFactory(slug="real", phase="published")
    assert_error_page(client.get(f"/results/?{query}"), 404)


def test_the_console_with_a_nul_slug_is_a_404_page(organizer_client, quiet_log):
    organizer_client.raise_request_exception = False
    assert_error_page(organizer_client.get("/console/?contest=%00"), 404)


@pytest.mark.parametrize("path", POSTS)
def test_deeply_nested_json_to_any_api_post_is_400_json(expert_client, quiet_log, path):
    client = expert_client  # signed in, so that the judgment route reads its body too
    client.raise_request_exception = False
    for body in ("[" * 100_000 + "]" * 100_000,
                 '{"prompt": ' + "[" * 900 + "]" * 900 + ', "choice": "a"}'):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert response.json()["error"]["code"] == "invalid"


def test_a_bad_host_under_the_api_is_400_json(client, quiet_log):
    assert_api_error(client.get("/api/leaderboard", HTTP_HOST="evil.example"), 400, "bad_host")
    assert_api_error(client.post("/api/battles", {"prompt": "질문"}, content_type="application/json",
                                 HTTP_HOST="evil.example"), 400, "bad_host")


def test_a_bad_host_on_a_page_is_the_error_page(client, quiet_log):
    assert_error_page(client.get("/", HTTP_HOST="evil.example"), 400)


def test_a_query_of_too_many_fields_is_400(client, quiet_log):
    query = "&".join(["a=1"] * 2000)
    assert_api_error(client.get(f"/api/leaderboard?{query}"), 400, "invalid")
    assert_error_page(client.get(f"/leaderboard/?{query}"), 400)


@pytest.mark.parametrize("path", ["/", "/leaderboard/", "/api/leaderboard",
                                  "/api/leaderboard?track=expert"])
def test_head_answers_as_get_without_a_body(client, quiet_log, contest, path):
    got, head = client.get(path), client.head(path)
    assert got.status_code == head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""


def test_head_on_the_published_results_and_the_console(organizer_client, quiet_log):
    ContestFactory(slug="done", phase="published")
    assert organizer_client.head("/results/?contest=done").status_code == 200
    assert organizer_client.head("/console/?contest=done").status_code == 200


def test_head_on_an_api_route_without_get_is_405_json(client, quiet_log):
    response = client.head("/api/battles")
    assert response.status_code == 405 and "POST" in response["Allow"]


async def asgi_post(path: str, chunks: list[bytes]) -> tuple[int, dict, bytes]:
    """POST `chunks` through the ASGI application as a server does a chunked body: no
    Content-Length header, one http.request message per chunk."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"transfer-encoding", b"chunked")],
    }
    app = ApplicationCommunicator(application, scope)
    for index, chunk in enumerate(chunks):
        await app.send_input({"type": "http.request", "body": chunk,
                              "more_body": index < len(chunks) - 1})
    start = await app.receive_output(timeout=20)
    body = b""
    while True:
        message = await app.receive_output(timeout=20)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 3 * 1024 * 1024])
@pytest.mark.parametrize("path", ["/api/battles", f"/api/battles/{NIL}/turns"])
async def test_a_chunked_body_past_the_cap_is_413_json(quiet_log, size, path):
    chunk = b"x" * 65536
    chunks = [chunk] * (size // len(chunk)) + [b"x" * (size % len(chunk) or 1)]
    status, headers, body = await asgi_post(path, chunks)
    assert status == 413
    assert headers[b"content-type"].startswith(b"application/json")
    assert json.loads(body)["error"]["code"] == "too_large"


def test_the_error_answers_speak_english_when_chosen(client, quiet_log):
    client.cookies["django_language"] = "en"
    page = client.get("/", HTTP_HOST="evil.example").content.decode()
    assert "Bad request" in page and "cannot be reached" in page
    api = client.get("/api/leaderboard", HTTP_HOST="evil.example").json()
    assert api["error"]["message"] == "The site cannot be reached at this address."
    assert "This page does not exist." in client.get("/results/?contest=%00").content.decode()


def test_the_console_takes_a_nul_in_a_slug_or_a_reason_without_a_500(organizer_client, quiet_log):
    organizer_client.raise_request_exception = False
    ContestFactory(slug="real", phase="closed")
    assert_error_page(organizer_client.get("/console/expert/?contest=%00"), 404)
    reopened = organizer_client.post("/console/transition/",
                                     {"contest": "real", "to": "open", "reason": "오류\x00 수정"})
    assert reopened.status_code == 302
    assert Contest.objects.get(slug="real").phase == "open"


@pytest.mark.parametrize("path", POSTS)
def test_a_broken_multipart_body_is_the_apis_400(quiet_log, path):
    # With no CSRF header, Django's CSRF check reads the form body and refuses it before any
    # view runs (handler400): the answer is still the API's JSON, and nothing is stored.
    from django.test import Client

    from arena.models import Battle

    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    response = client.generic("POST", path, b"--x\r\nnot a part\r\n",
                              content_type="multipart/form-data; boundary=")
    assert_api_error(response, 400, "bad_request")
    assert not Battle.objects.exists()


def test_a_broken_multipart_body_to_a_page_is_the_error_page(quiet_log):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    response = client.generic("POST", "/panel/join/", b"--x\r\nnot a part\r\n",
                              content_type="multipart/form-data; boundary=")
    assert_error_page(response, 400)


@pytest.mark.parametrize("path", ["/", "/leaderboard/"])
def test_a_page_refuses_a_write_method_and_changes_nothing(client, quiet_log, path):
    from arena.models import Battle

    for method in ("PUT", "DELETE", "PATCH"):
        assert client.generic(method, path, b"{}").status_code == 405
    assert not Battle.objects.exists()
    assert client.head(path).status_code == 200
