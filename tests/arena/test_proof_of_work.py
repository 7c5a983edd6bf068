"""Proof of work before a battle: a missing, wrong, expired or replayed solution is refused."""
import base64
import json
from datetime import timedelta

import altcha
import pytest
from django.utils import timezone

from arena.models import Battle
from tests.conftest import notice_accept


@pytest.fixture
def client(client, db):
    """The test client, its session past the first-visit notice."""
    return notice_accept(client)


@pytest.fixture
def pow_on(settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "POW": {**settings.ARENA["POW"], "ENABLED": True,
                                               "MAX_NUMBER": 2000}}


def solve(challenge: dict, *, number=None) -> str:
    found = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = found.number if number is None else number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def start(client, pow_value=None):
    body = {"prompt": "질문"}
    if pow_value is not None:
        body["pow"] = pow_value
    return client.post("/api/battles", body, content_type="application/json")


def test_a_solved_challenge_starts_a_battle_once(client, entrants, pow_on):
    challenge = client.get("/api/pow").json()
    assert challenge["enabled"] is True and challenge["maxnumber"] == 2000
    solution = solve(challenge)
    assert start(client, solution).status_code == 201
    replay = start(client, solution)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "pow_replayed"
    assert Battle.objects.count() == 1


@pytest.mark.parametrize("bad, code", [
    (None, "pow_required"),
    ("", "pow_required"),
    ("not base64 at all!", "pow_invalid"),
    (base64.b64encode(b"[1, 2]").decode(), "pow_invalid"),
    (base64.b64encode(b'{"number": 1}').decode(), "pow_invalid"),
])
def test_missing_or_malformed_solutions_are_refused(client, entrants, pow_on, bad, code):
    response = start(client, bad)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert Battle.objects.count() == 0


def test_a_wrong_number_or_forged_challenge_is_refused(client, entrants, pow_on):
    challenge = client.get("/api/pow").json()
    right = json.loads(base64.b64decode(solve(challenge)))
    wrong = {**right, "number": right["number"] + 1}
    forged = {**right, "signature": "0" * 64}
    for payload in (wrong, forged):
        response = start(client, base64.b64encode(json.dumps(payload).encode()).decode())
        assert response.json()["error"]["code"] == "pow_invalid"
    assert Battle.objects.count() == 0


def test_an_expired_challenge_is_refused(client, entrants, pow_on, settings):
    old = altcha.create_challenge_v1(altcha.ChallengeOptionsV1(
        hmac_key=settings.ARENA["POW"]["HMAC_KEY"], max_number=2000,
        expires=timezone.now() - timedelta(seconds=1),
    ))
    challenge = {"algorithm": old.algorithm, "challenge": old.challenge, "maxnumber": 2000,
                 "salt": old.salt, "signature": old.signature}
    response = start(client, solve(challenge))
    assert response.json()["error"]["code"] == "pow_expired"
    assert Battle.objects.count() == 0


def test_off_in_the_demo_and_tests_by_default(client, entrants):
    assert client.get("/api/pow").json()["enabled"] is False
    assert start(client).status_code == 201
