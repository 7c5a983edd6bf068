"""Random JSON thrown at every API route never gets a 5xx, and errors keep their shape.

The routes come from the OpenAPI document, so a route added later is fuzzed without anyone
remembering to add it here.
"""
import json
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import notice_accept
from tests.factories import ContestFactory, EntrantFactory

# Any JSON value, with strings that include lone surrogates, NULs and huge numbers.
# (Hypothesis leaves surrogates out of its characters; a JSON string can carry them escaped.)
# Known troublemakers are mixed in whole, since random draws rarely hit them.
nasty = st.sampled_from(["\ud800", "질문\udfff", "a\x00b", "\u200b", "가" * 5000, "<script>", "𝕏"])
text = st.one_of(
    st.text(st.characters() | st.sampled_from(["\ud800", "\x00"]), max_size=40), nasty
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


def _bodies(required, optional):
    # Mostly objects with the real fields, their values mostly strings (as most fields are),
    # so that the services are reached and not only the parsing; then any JSON at all.
    value = st.one_of(text, text, text, json_values)
    known = st.fixed_dictionaries(
        {name: value for name in required}, optional={name: value for name in optional}
    )
    return st.one_of(known, known, known, json_values)


def _routes():
    client = Client()
    document = client.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref")
            required, optional = [], []
            if ref:
                schema = document["components"]["schemas"][ref.split("/")[-1]]
                required = schema.get("required", [])
                optional = [name for name in schema.get("properties", {}) if name not in required]
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            yield path, method, (required, optional), params


@pytest.fixture
def open_contest(transactional_db):
    contest = ContestFactory()
    for _ in range(3):
        EntrantFactory(contest=contest)
    return contest


def _url(path: str, battle_id) -> str:
    return path.replace("{battle_id}", str(battle_id)).replace("{item_id}", "1")


@pytest.mark.django_db(transaction=True)
def test_random_json_never_gets_a_server_error(open_contest):
    client = notice_accept(Client())
    started = client.post("/api/battles", {"prompt": "질문"}, content_type="application/json")
    battle_id = started.json()["id"]
    routes = list(_routes())
    assert len(routes) >= 5

    for path, method, fields, params in routes:
        url = _url(path, battle_id)

        @settings(max_examples=100, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(body=_bodies(*fields),
               query=st.dictionaries(st.sampled_from(params or ["x"]), text, max_size=2))
        def fuzz(body, query):
            if method == "get":
                # Sent as raw bytes, as an attacker would: a lone surrogate becomes bytes that
                # are not UTF-8 at all.
                raw_query = "&".join(
                    f"{quote(key)}={quote(value.encode('utf-8', 'surrogatepass'))}"
                    for key, value in query.items()
                )
                response = client.get(f"{url}?{raw_query}")
            else:
                raw = json.dumps(body, ensure_ascii=True)
                response = client.generic(method.upper(), url, raw, content_type="application/json")
            print(method, url, response.status_code, repr(body)[:80]); assert response.status_code < 500, (method, url, body, response.content[:300])
            if response.status_code >= 400:
                error = response.json()["error"]
                assert error["code"] and error["message"]

        fuzz()
