"""The API reference comes from the code: every route is in the OpenAPI document."""
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver



def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _openapi_path(route: str) -> str:
    # Django's "api/battles/<uuid:battle_id>" is OpenAPI's "/api/battles/{battle_id}".
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_route_in_the_url_conf_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json()
    documented = set(document["paths"])
    routes = [
        _openapi_path(route)
        for route, entry in _routes(get_resolver().url_patterns)
        if route.startswith("api/") and entry.name not in ("openapi-json", "openapi-view", "api-root")
        and not route.startswith("^")
    ]
    assert routes, "the URL conf has no API routes"
    assert sorted(set(routes) - documented) == []
    # And nothing is documented that does not exist.
    assert sorted(documented - set(routes)) == []


def test_openapi_documents_the_contract_schemas_and_error_shape(client):
    document = client.get("/api/openapi.json").json()
    start = document["paths"]["/api/battles"]["post"]
    body = start["requestBody"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].split("/")[-1]]
    assert schema["required"] == ["prompt"]
    assert {"201", "400", "409", "429"} <= set(start["responses"])
    vote = document["paths"]["/api/battles/{battle_id}/vote"]["post"]
    choice_ref = vote["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    choice = document["components"]["schemas"][choice_ref.split("/")[-1]]["properties"]["choice"]
    assert choice["enum"] == ["a", "b", "tie", "both_bad"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]


def test_browsable_reference_is_served_without_a_cdn(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "openapi.json" in html
    # Every script and stylesheet comes from this site.
    import re

    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


@pytest.mark.parametrize("value", ["\ud800", "앞\udfff뒤", "널\x00문자"])
def test_unstorable_text_in_prompt_or_category_is_a_clear_400(client, entrants, value):
    from arena.models import Battle

    for body in ({"prompt": value}, {"prompt": "질문", "category": value}):
        raw = json.dumps(body)  # json escapes the surrogate as \\ud800, as an attacker would
        response = client.post("/api/battles", raw, content_type="application/json")
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert error["fields"][0]["field"] in ("prompt", "category")
    assert Battle.objects.count() == 0


def test_validation_error_names_the_field_in_korean(client, entrants):
    response = client.post("/api/battles", {"prompt": 5}, content_type="application/json")
    error = response.json()["error"]
    assert error["fields"] == [{"field": "prompt", "problem": "문자열이어야 합니다"}]
    assert "prompt" in error["message"]


def test_unknown_api_path_is_error_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_committed_reference_is_the_one_the_code_serves(client):
    """docs/openapi.json is for readers of the repository; `make openapi` rewrites it."""
    from pathlib import Path

    committed = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    assert committed == client.get("/api/openapi.json").json(), "run `make openapi`"
