"""docker-compose.yml has the production shape, and .env.example documents every variable."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


APP_SERVICES = ("web", "worker", "beat")
SERVICES = (*APP_SERVICES, "db", "redis", "mailpit")
SECRETS_AND_SERVICES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
)
# Read by docker-compose.yml itself, not by the settings.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD"}

SETTINGS_READ = re.compile(
    r"""\b(?:env(?:\.\w+)?|env_choice|os\.environ\.(?:get|setdefault)|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
EXAMPLE_LINE = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
UNCOMMENTED_EXAMPLE_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def example_text() -> str:
    return (ROOT / ".env.example").read_text()


def variables_read_by_settings() -> set[str]:
    found = set()
    for module in (ROOT / "kyc_portal" / "settings").glob("*.py"):
        found |= set(SETTINGS_READ.findall(module.read_text()))
    return found


def as_mapping(environment) -> dict:
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return dict(environment or {})


def env_files(service: dict) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    return [entry["path"] if isinstance(entry, dict) else entry for entry in files]


def test_compose_has_every_service_of_the_production_shape(compose):
    assert set(SERVICES) <= set(compose["services"])


def test_web_worker_and_beat_run_the_same_image_in_production_mode(compose):
    services = compose["services"]
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1
    assert None not in images
    for name in APP_SERVICES:
        environment = as_mapping(services[name].get("environment"))
        assert environment["DJANGO_SETTINGS_MODULE"] == "kyc_portal.settings.production", name
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_web_serves_with_several_gunicorn_workers(compose):
    command = " ".join(compose["services"]["web"]["command"])
    workers = re.search(r"--workers[= ](\d+)", command)
    assert workers is not None
    assert int(workers.group(1)) >= 2


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_get_the_database_redis_and_every_key(compose, service):
    definition = compose["services"][service]
    environment = as_mapping(definition.get("environment"))
    from_env_file = set()
    if ".env" in env_files(definition):
        from_env_file = set(UNCOMMENTED_EXAMPLE_LINE.findall(example_text()))
    for variable in SECRETS_AND_SERVICES:
        assert variable in environment or variable in from_env_file, f"{service}: {variable}"
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


@pytest.mark.parametrize("service", ["web", "worker", "db", "redis", "mailpit"])
def test_services_have_healthchecks(compose, service):
    assert compose["services"][service]["healthcheck"]["test"]


def test_web_healthcheck_asks_healthz(compose):
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_app_services_wait_for_healthy_database_and_redis(compose):
    for name in APP_SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["redis"]["condition"] == "service_healthy", name
        migrated = depends_on.get("migrate", {}).get("condition")
        assert migrated == "service_completed_successfully" or (
            depends_on["db"]["condition"] == "service_healthy"
        ), name
    assert compose["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_database_and_documents_live_in_named_volumes(compose):
    volumes = set(compose["volumes"])
    db_mounts = [mount.split(":")[0] for mount in compose["services"]["db"]["volumes"]]
    web_mounts = [mount.split(":")[0] for mount in compose["services"]["web"]["volumes"]]
    assert set(db_mounts) & volumes
    assert "private-documents" in volumes
    assert "private-documents" in web_mounts
    assert "private-documents" in [
        m.split(":")[0] for m in compose["services"]["worker"]["volumes"]
    ]


def test_env_example_lists_every_variable_the_settings_read():
    read = variables_read_by_settings()
    listed = set(EXAMPLE_LINE.findall(example_text()))
    assert read, "the pattern no longer finds the settings' variables"
    assert sorted(read - listed) == []


def test_env_example_lists_nothing_the_settings_do_not_read():
    read = variables_read_by_settings()
    listed = set(EXAMPLE_LINE.findall(example_text()))
    compose_text = (ROOT / "docker-compose.yml").read_text()
    assert sorted(listed - read - COMPOSE_ONLY_VARIABLES) == []
    for variable in COMPOSE_ONLY_VARIABLES:
        assert f"${{{variable}" in compose_text


def test_env_example_explains_every_variable():
    lines = example_text().splitlines()
    for number, line in enumerate(lines):
        if EXAMPLE_LINE.match(line):
            previous = lines[number - 1]
            assert previous.startswith("#"), f"{line!r} has no comment above it"
            assert not EXAMPLE_LINE.match(previous), f"{line!r} has no comment of its own"


def test_env_example_leaves_the_secrets_empty():
    values = dict(
        line.split("=", 1)
        for line in example_text().splitlines()
        if UNCOMMENTED_EXAMPLE_LINE.match(line)
    )
    for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "POSTGRES_PASSWORD"):
        assert values[secret] == "", f"{secret} must not ship with a value"


def test_dockerfile_runs_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert "collectstatic" in dockerfile
