"""docker-compose.yml is correct without a Docker engine: it validates against the Compose
specification's schema, names no variable that .env.example leaves out, and starts each service
only when what it needs is healthy. The image installs what CI installs."""
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
# Named in .env.example, set or commented out: `NAME=` at the start of a line, after any "# ".
DOCUMENTED = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, re.MULTILINE))
LONG_RUNNING = {"postgres", "redis", "mock", "web", "worker", "proxy"}
# Services that `docker compose up --scale NAME=N` may start N of.
SCALED = ("web", "worker", "beat")


def compose_schema() -> dict:
    # check-jsonschema vendors the Compose specification's schema and keeps it current.
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(schema.read_text(encoding="utf-8"))


def test_the_compose_file_validates_against_the_compose_specification():
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in validator.iter_errors(COMPOSE)]
    assert errors == []


def test_the_schema_check_catches_a_broken_file():
    schema = compose_schema()
    broken = {**COMPOSE, "services": {**COMPOSE["services"], "web": {
        **COMPOSE["services"]["web"], "depends_on": {"redis": {"condition": "service_happy"}}}}}
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(broken)


def test_every_variable_the_compose_file_reads_is_in_env_example():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used and used - DOCUMENTED == set()


def test_every_setting_the_site_reads_from_the_environment_is_in_env_example():
    read = set()
    for module in (ROOT / "config").glob("*.py"):
        read |= set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]*)"', module.read_text(encoding="utf-8")))
    assert len(read) > 50  # the parse found the settings
    assert read - DOCUMENTED == set()


@pytest.mark.parametrize("name", sorted(set(COMPOSE["services"])))
def test_each_service_waits_for_what_it_needs_to_be_healthy(name):
    service = COMPOSE["services"][name]
    for needed, condition in (service.get("depends_on") or {}).items():
        wanted = "service_completed_successfully" if needed == "migrate" else "service_healthy"
        assert condition == {"condition": wanted}, f"{name} → {needed}"
        if wanted == "service_healthy":
            assert "healthcheck" in COMPOSE["services"][needed], f"{needed} has no healthcheck"
    if name in LONG_RUNNING:
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_the_image_installs_what_ci_installs():
    # CI runs `make test`, whose install step is `pip install -r requirements.txt`; so does the image.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -r requirements.txt" in makefile
    assert re.search(r"^RUN pip install (--\S+ )*-r requirements\.txt$", dockerfile, re.MULTILINE)
    assert "COPY requirements.txt" in dockerfile


@pytest.mark.parametrize("name", SCALED)
def test_a_scaled_service_has_no_fixed_name_or_host_port(name):
    # Two replicas cannot share a container name or a host port: --scale would refuse to start.
    service = COMPOSE["services"][name]
    assert "container_name" not in service
    assert "ports" not in service


def test_the_proxy_serves_every_web_replica_with_the_template_the_scale_out_proof_runs():
    proxy = COMPOSE["services"]["proxy"]
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "./ops/nginx.conf:/etc/nginx/templates/default.conf.template:ro" in proxy["volumes"]
    # The image fills every KAI_ name of the template from the service's environment.
    template = (ROOT / "ops" / "nginx.conf").read_text(encoding="utf-8")
    wanted = set(re.findall(r"\$\{(KAI_[A-Z_]+)\}", template))
    assert wanted and wanted <= set(proxy["environment"])
    # Docker's DNS names every web replica; nginx looks the name up again as they come and go.
    assert proxy["environment"]["KAI_UPSTREAM_SERVERS"] == "server web:8000 resolve;"
    assert "127.0.0.11" in proxy["environment"]["KAI_RESOLVER"]
    # Websockets are upgraded, and the client's address is appended for the site to read.
    assert "proxy_set_header Upgrade $http_upgrade;" in template
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in template
    assert [port.split(":")[-1] for port in proxy["ports"]] == ["8000"]

