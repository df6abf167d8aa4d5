"""Fixtures shared by the whole suite: real services, a real Celery worker, eager Celery.

Services (PostgreSQL, Redis, a Celery worker, Chromium) are optional on a laptop and
mandatory in CI: a test that needs one is skipped locally when it is missing, but fails
when the CI variable is set, so that a broken CI machine can never pass by skipping.
Tests that use these fixtures are marked `services` automatically, so a quick run can
leave them out with `-m "not services and not browser"`.
"""

import copy
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICE_FIXTURES = {"postgres_required", "redis_required", "celery_worker_process"}
WORKER_START_SECONDS = 60


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def skip_or_fail(reason: str, *, required: bool | None = None) -> None:
    """Skip on a developer's machine; fail in CI (or whenever `required` says so)."""
    if in_ci() if required is None else required:
        pytest.fail(f"{reason} — required here, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_dir = ROOT / "tests" / "browser"
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
        if browser_dir in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def missing_service() -> Callable[[str], None]:
    """`missing_service("why")`: skip locally, fail in CI. For checks fixtures cannot make."""
    return skip_or_fail


@pytest.fixture(scope="session", autouse=True)
def _cache_keys_of_this_test_process() -> Iterator[None]:
    """With Redis, parallel test processes share one cache: keep their keys apart."""
    from django.conf import settings
    from django.test import override_settings

    caches = copy.deepcopy(settings.CACHES)
    default = caches["default"]
    if "redis" not in default["BACKEND"].lower():
        yield
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', '')}-test-{worker}-{uuid.uuid4().hex[:8]}"
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(scope="session", autouse=True)
def _private_files_in_a_temporary_folder(tmp_path_factory) -> Iterator[None]:
    """Documents written by tests (demo data included) never land in var/private."""
    from django.conf import settings
    from django.test import override_settings

    location = tmp_path_factory.mktemp("private")
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    with override_settings(STORAGES=storages):
        yield


# --- PostgreSQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """The PostgreSQL server behind DATABASE_URL, for tests that make their own databases."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)

    def url(self, database: str) -> str:
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        return f"postgres://{credentials}@{self.host}:{self.port}/{quote(database, safe='')}"

    def connect(self, database: str = "postgres"):
        import psycopg2

        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=database,
            connect_timeout=3,
        )
        connection.autocommit = True
        return connection


@pytest.fixture(scope="session")
def postgres_required() -> PostgresServer:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("PostgreSQL is not configured: set DATABASE_URL=postgres://…")
    server = PostgresServer(
        host=database.get("HOST") or "127.0.0.1",
        port=int(database.get("PORT") or 5432),
        user=database.get("USER") or "postgres",
        password=database.get("PASSWORD") or "",
    )
    try:
        server.connect().close()
    except Exception as error:
        skip_or_fail(f"PostgreSQL at {server.host}:{server.port} does not answer: {error}")
    return server


# --- Redis --------------------------------------------------------------------------------


def _redis_url(*, required: bool | None = None) -> str:
    import redis

    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("Redis is not configured: set REDIS_URL=redis://…", required=required)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at REDIS_URL does not answer: {error}", required=required)
    return url


@pytest.fixture(scope="session")
def redis_required() -> str:
    """The REDIS_URL the settings use, after checking that Redis answers."""
    return _redis_url()


# --- Celery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CeleryWorker:
    """A real `celery worker` subprocess that consumes only `queue`."""

    queue: str
    hostname: str
    database_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _test_database_url() -> str:
    """DATABASE_URL of the database this test session uses (test_<name>, test_<name>_gw0…).

    An in-memory SQLite test database cannot be shared with another process: the worker
    then gets a database of its own, so tasks that read or write rows need PostgreSQL.
    """
    from django.db import connection

    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.postgresql":
        return PostgresServer(
            host=database.get("HOST") or "127.0.0.1",
            port=int(database.get("PORT") or 5432),
            user=database.get("USER") or "postgres",
            password=database.get("PASSWORD") or "",
        ).url(database["NAME"])
    name = str(database["NAME"])
    if "memory" in name:
        return ""
    return f"sqlite:///{name}"


def _celery_worker_required() -> bool:
    return in_ci() or os.environ.get("KYC_CELERY_WORKER") == "1"


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[CeleryWorker]:
    """Start a real Celery worker on a queue of its own; stop it at the end of the session.

    Send it work with `task.apply_async(queue=celery_worker_process.queue)`. It runs with
    kyc_portal.settings.test, the same REDIS_URL and the same encryption keys as the tests,
    and DATABASE_URL pointing at this session's test database. A task that reads rows
    must see committed data: use it from a `transactional_db` test.
    """
    from kyc_portal.celery import app

    required = _celery_worker_required()
    _redis_url(required=required)
    if app.conf.task_always_eager:
        skip_or_fail("Celery runs tasks eagerly (no broker configured)", required=required)

    queue = f"kyc-test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@{socket.gethostname()}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings.test"}
    if database_url:
        environment["DATABASE_URL"] = database_url
    else:
        environment["DATABASE_URL"] = f"sqlite:///{log_path.parent / 'worker.sqlite3'}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "kyc_portal",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        hostname,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = CeleryWorker(
        queue=queue,
        hostname=hostname,
        database_url=environment["DATABASE_URL"],
        process=process,
        log_path=log_path,
    )
    try:
        _wait_until_worker_answers(app, worker, required=required)
        yield worker
    finally:
        _stop(process)


def _wait_until_worker_answers(app, worker: CeleryWorker, *, required: bool) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            skip_or_fail(
                f"the Celery worker exited with {worker.process.returncode}:\n{worker.log()}",
                required=required,
            )
        if app.control.ping(destination=[worker.hostname], timeout=1.0):
            return
    skip_or_fail(
        f"the Celery worker did not answer within {WORKER_START_SECONDS} s:\n{worker.log()}",
        required=required,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: finishes the current task
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def celery_eager() -> Iterator:
    """Run tasks in-process for one test, even when REDIS_URL configures a real broker.

    Celery reads its configuration once, so `override_settings` cannot switch this; the
    fixture changes the app's configuration and restores it afterwards.
    """
    from kyc_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
