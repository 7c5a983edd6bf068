"""What an operator sees of a battle on the real stack (web, worker, mock teams): the site is
ready, `/metrics` adds up the web process's and the worker's figures, and the battle's request
id is on the worker's lines about its sides."""
import re
import time

import pytest

from arena.models import Response
from tests.live.test_battle_end_to_end import browser_session

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def value(metrics: str, name: str, **labels) -> float:
    """The sample `name{labels}` in a Prometheus text page (labels in any order), or 0."""
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
            if found == {key: str(val) for key, val in labels.items()}:
                return float(match.group(2))
    return 0.0


def test_a_battle_shows_in_the_metrics_and_its_request_id_in_the_workers_log(live_stack, live_contest):
    client = browser_session(live_stack)

    # Given the site is ready: database, Redis and a worker answer, whatever host is asked
    ready = client.get("/health/ready", headers={"Host": "10.0.0.7:8000"})
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok",
                            "checks": {"database": "ok", "redis": "ok", "worker": "ok"}}

    # When a citizen starts a battle, both sides answer, and the citizen votes
    started = client.post("/api/battles", json={"prompt": "서울의 궁궐을 소개해 줘"})
    assert started.status_code == 201, started.text
    request_id = started.headers["x-request-id"]
    battle_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/battles/{battle_id}").json()["status"] != "ready":
        assert time.monotonic() < deadline, "the battle did not finish"
        time.sleep(0.2)
    assert client.post(f"/api/battles/{battle_id}/vote", json={"choice": "a"}).status_code == 200

    # Then /metrics (from the loopback, no token set) shows the battle started in the web
    # process, each side's first token counted in the worker, and the vote stored
    metrics = client.get("/metrics").text
    assert value(metrics, "kai_battles_started_total") >= 1
    assert value(metrics, "kai_battles_ended_total", outcome="completed") >= 1
    for response in Response.objects.filter(turn__battle_id=battle_id):
        entrant = response.entrant_id
        assert value(metrics, "kai_entrant_time_to_first_token_seconds_count", entrant=entrant) >= 1
        assert value(metrics, "kai_sides_ended_total", entrant=entrant, outcome="done") >= 1
    # (the fast path stores it, or hands it to Django whenever it cannot, by design: counted on
    # whichever path stored it; tests/voting/test_fast_vote.py checks the fast path's own count)
    assert (value(metrics, "kai_votes_accepted_total", path="fast")
            + value(metrics, "kai_votes_accepted_total", path="django")) >= 1
    assert value(metrics, "kai_http_requests_total", route="api/battles", method="POST", status=201) >= 1
    assert "kai_celery_queue_depth{" in metrics
    # and the worker's log line about the battle's task (both sides, one task) carries the POST's
    # request id
    worker_log = (live_stack.logs / "worker.log").read_text(errors="replace")
    assert len(re.findall(rf"\[{request_id}\].*turn_generate", worker_log)) == 1
