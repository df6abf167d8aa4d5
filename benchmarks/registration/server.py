"""The system under test: its own database and Redis db, and gunicorn in front of it.

Nothing here touches development or test data: the benchmark's database (``kyc_bench``)
is dropped and created again on every run, and its Redis database (13) is emptied. The
runner itself never loads Django; the server runs benchmarks/registration/settings.py.
"""

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kyc_portal.envfile import envfile_lines

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "benchmarks.registration.settings"
HOST = "127.0.0.1"
START_SECONDS = 60
STOP_SECONDS = 15
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Headers of a request that came through the production proxy (TLS ends there).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.255.255.254"}


@dataclass(frozen=True)
class Services:
    """Where the benchmark keeps its data: a PostgreSQL server and a Redis database."""

    postgres_url: str  # the server, without a database: postgres://user@host:port
    database: str
    redis_url: str  # with the database number: redis://host:port/13

    def __post_init__(self) -> None:
        if not _DATABASE_NAME.match(self.database):
            raise ValueError(f"{self.database!r} is not a plain database name.")

    @property
    def database_url(self) -> str:
        return f"{self.postgres_url.rstrip('/')}/{self.database}"


def services_reset(services: Services) -> None:
    """An empty database and an empty Redis database, whatever a previous run left."""
    import psycopg2
    import redis

    try:
        connection = psycopg2.connect(
            f"{services.postgres_url.rstrip('/')}/postgres", connect_timeout=5
        )
    except psycopg2.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL does not answer at {services.postgres_url} (BENCH_POSTGRES_URL): {error}"
        ) from None
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{services.database}"')
    finally:
        connection.close()
    client = redis.Redis.from_url(services.redis_url, socket_connect_timeout=5)
    try:
        client.flushdb()
    except redis.RedisError as error:
        raise RuntimeError(
            f"Redis does not answer at {services.redis_url} (BENCH_REDIS_URL): {error}"
        ) from None
    finally:
        client.close()


def server_environment(services: Services) -> dict[str, str]:
    """The environment of a production-like portal on the benchmark's services.

    Fresh keys every run (the database is new too); one trusted proxy, whose
    X-Forwarded-For the load generator writes (see payloads.py).
    """
    environment = dict(os.environ)
    for line in envfile_lines(debug=False):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            environment[name] = value.strip('"')
    environment.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        DATABASE_URL=services.database_url,
        REDIS_URL=services.redis_url,
        CELERY_BROKER_URL=services.redis_url,
        CELERY_RESULT_BACKEND=services.redis_url,
        ALLOWED_HOSTS=HOST,
        TRUSTED_PROXY_COUNT="1",
    )
    return environment


def database_migrate(environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    process: subprocess.Popen

    def get_json(self, path: str, *, timeout: float = 60.0) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=PROXY_HEADERS)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, {}


def _wait_until_healthy(server: Server, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    answer = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped while starting; see {log_path}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, body = server.get_json("/healthz", timeout=5)
            if status == 200:
                return
            answer = f"{status} {body}"
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz with 200 in {START_SECONDS} s (last: {answer}); "
        f"see {log_path}"
    )


@contextlib.contextmanager
def gunicorn_server(
    *, environment: dict[str, str], workers: int, log_path: Path
) -> Iterator[Server]:
    """gunicorn with ``workers`` sync workers on a free port, until the block ends."""
    port = _free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kyc_portal.wsgi:application",
                f"--workers={workers}",
                "--worker-class=sync",
                f"--bind={HOST}:{port}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(host=HOST, port=port, process=process)
    try:
        _wait_until_healthy(server, log_path)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
