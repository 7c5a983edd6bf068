"""A database connection dropped mid-request, and Redis gone: a clear error, nothing half-written."""
import json

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from arena.models import Battle, Response
from tests.conftest import notice_accept
from voting.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _terminate_on(statement_start: str):
    """Return an execute wrapper that has PostgreSQL drop this connection before that statement."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        if not fired and sql.lstrip().upper().startswith(statement_start):
            fired.append(sql)
            pid = context["connection"].connection.info.backend_pid
            settings = context["connection"].settings_dict
            with psycopg.connect(
                host=settings["HOST"] or None, port=settings["PORT"] or None,
                user=settings["USER"], dbname=settings["NAME"], autocommit=True,
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    return wrapper, fired


@pytest.fixture
def finished_battle(entrants):
    client = notice_accept(Client())
    response = post(client, "/api/battles", {"prompt": "안녕하세요"})
    assert response.status_code == 201
    battle_id = response.json()["id"]
    Response.objects.filter(turn__battle_id=battle_id).update(status=Response.Status.DONE, text="답")
    return client, battle_id


def test_a_vote_whose_database_connection_drops_mid_transaction_is_refused_cleanly_then_retried(
    finished_battle,
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to drop a live connection (CI runs it on PostgreSQL)")
    client, battle_id = finished_battle
    wrapper, fired = _terminate_on("INSERT")

    # When PostgreSQL drops the connection as the vote is being written
    with connection.execute_wrapper(wrapper):
        response = post(client, f"/api/battles/{battle_id}/vote", {"choice": "a"})

    # Then the citizen gets a clear, retryable error, not a server error page
    assert fired, "the vote never reached an INSERT"
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"]
    # and nothing of the vote was written
    assert not Vote.objects.filter(battle_id=battle_id).exists()
    # and the retry, on a fresh connection, is counted once
    retry = post(client, f"/api/battles/{battle_id}/vote", {"choice": "a"})
    assert retry.status_code == 200, retry.content
    assert Vote.objects.filter(battle_id=battle_id).count() == 1


def test_a_battle_start_while_redis_is_unreachable_is_a_clear_error_and_stores_nothing(entrants, settings):
    # Given a visitor who accepted the notice, then Redis stops answering (rate-limit counters
    # and session cache live there); changing the setting makes Django open the cache anew
    client = notice_accept(Client())
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"},
    }
    before = Battle.objects.count()

    response = post(client, "/api/battles", {"prompt": "안녕하세요"})

    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "unavailable"
    assert Battle.objects.count() == before


def _database_gone(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_page_whose_database_is_gone_says_so_in_korean_with_503(entrants):
    # Given the database stops answering (a page reads the contest and the session from it)
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_gone):
        response = client.get("/leaderboard/")

    # Then the visitor gets a retryable page in Korean, not Django's English "Server Error (500)"
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    page = response.content.decode()
    assert "잠시 후 다시 시도해 주세요" in page and 'lang="ko"' in page


def test_a_page_whose_redis_is_gone_says_so_with_503(entrants, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"},
    }
    response = Client(raise_request_exception=False).get("/leaderboard/")
    assert response.status_code == 503
    assert "잠시 후 다시 시도해 주세요" in response.content.decode()


def test_an_api_request_failing_outside_its_view_answers_in_the_api_shape(rf):
    # Failures in the middleware (a session written back, say) reach handler500, not the API's
    # own handlers; the client still gets the API's JSON error.
    from config.errors import server_error

    request = rf.post("/api/battles")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        unavailable = server_error(request)
    try:
        raise ValueError("a bug")
    except ValueError:
        bug = server_error(request)
    assert unavailable.status_code == 503 and unavailable["Retry-After"] == "2"
    assert json.loads(unavailable.content)["error"]["code"] == "unavailable"
    assert bug.status_code == 500
    assert json.loads(bug.content)["error"]["code"] == "server_error"


def test_a_bug_on_a_page_is_a_plain_500_page_that_needs_no_database(rf):
    from config.errors import server_error

    with connection.execute_wrapper(_database_gone):
        try:
            raise ValueError("a bug")
        except ValueError:
            response = server_error(rf.get("/leaderboard/"))
    assert response.status_code == 500
    assert "서버 오류" in response.content.decode()
