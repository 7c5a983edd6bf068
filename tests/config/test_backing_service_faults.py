"""A database connection dropped mid-request, and Redis gone: a clear error, nothing half-written."""
import psycopg
import pytest
from django.db import connection
from django.test import Client

from arena.models import Battle, Response
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
    client = Client()
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
    # Given Redis stops answering (rate-limit counters and session cache live there); changing
    # the setting makes Django open the cache anew
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"},
    }
    client = Client()
    before = Battle.objects.count()

    response = post(client, "/api/battles", {"prompt": "안녕하세요"})

    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "unavailable"
    assert Battle.objects.count() == before
