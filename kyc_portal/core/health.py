"""/healthz: is this process able to serve? Used by docker-compose and load balancers.

Answers 200 when every dependency answers, 503 otherwise, with one word per check.
No authentication, no personal data, never cached. Each check is short: a health probe
that hangs is worse than one that says "error".
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)

OK = "ok"
IN_PROCESS = "in-process"
ERROR = "error"
BROKER_TIMEOUT_SECONDS = 2


def _check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _check_cache() -> str:
    # A unique key, so that two probes at once cannot read each other's value.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return OK if value == "1" else ERROR


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return IN_PROCESS
    transport_options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
    }
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=transport_options,
    ) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )
    return OK


def _check_migrations() -> str:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return OK if not pending else f"pending: {len(pending)}"


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "migrations": _check_migrations,
}


def _run(name: str) -> str:
    try:
        return CHECKS[name]()
    except Exception as error:
        # The exception class is enough to investigate; messages may hold addresses.
        logger.warning("Health check %s failed: %s", name, type(error).__name__)
        return ERROR


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(name) for name in CHECKS}
    healthy = all(result in (OK, IN_PROCESS) for result in checks.values())
    return JsonResponse(
        {"status": OK if healthy else ERROR, "checks": checks},
        status=200 if healthy else 503,
    )
