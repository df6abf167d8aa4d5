"""Benchmarks that call the portal's services directly, in a Django process of their own.

The runner (`python -m benchmarks`) stays free of Django, as the registration benchmark's
does: such a benchmark resets its own PostgreSQL database and Redis database number,
migrates the database, then runs ``python -m <module>`` with production settings on them
(DEBUG off, the same keys for every process of the run) and reads back the measurements
that module prints last with :func:`measurements_print`. Nothing touches development or
test data, and every benchmark starts from an empty database.

The database is left in place after the run, to look at it (EXPLAIN, row counts); the
next run drops it.
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from benchmarks import Measurements
from benchmarks.registration.server import (
    ROOT,
    Services,
    database_migrate,
    server_environment,
    services_reset,
)

SETTINGS_MODULE = "kyc_portal.settings.production"
MARKER = "benchmark measurements: "


def bench_services(*, database: str, redis_db: int) -> Services:
    """A database on BENCH_POSTGRES_URL and a database number on BENCH_REDIS_URL's server."""
    redis = urlsplit(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    return Services(
        postgres_url=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        database=database,
        redis_url=urlunsplit(redis._replace(path=f"/{redis_db}")),
    )


def bench_environment(services: Services, **overrides: str) -> dict[str, str]:
    """Production settings on the benchmark's services, with fresh keys."""
    environment = server_environment(services)
    environment.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, **overrides)
    return environment


def django_process_run(
    *, module: str, services: Services, environment: dict[str, str] | None = None
) -> Measurements:
    """Reset and migrate ``services``, run ``python -m module`` on them, return what it
    measured. Its output (the table of results) goes to this process's output."""
    services_reset(services)
    environment = environment or bench_environment(services)
    database_migrate(environment)
    measurements: Measurements = {}
    with subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        # Shown as it comes: the queue benchmark runs for minutes.
        for line in process.stdout:
            if line.startswith(MARKER):
                measurements = json.loads(line[len(MARKER) :])
            else:
                print(line, end="", flush=True)
    if process.returncode != 0 or not measurements:
        raise RuntimeError(f"python -m {module} failed (exit status {process.returncode})")
    return measurements


def measurements_print(measurements: Measurements) -> None:
    """The last line of a benchmark process: what :func:`django_process_run` returns."""
    print(MARKER + json.dumps(measurements), flush=True)
