"""/healthz tells a load balancer whether this process can serve, and never leaks or caches."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import override_settings

from kyc_portal.core import health

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def get_health(client):
    response = client.get("/healthz")
    return response, response.json()


def test_healthy_portal_answers_200_with_every_check_ok(client):
    response, body = get_health(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    expected_broker = "in-process" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": expected_broker,
            "migrations": "ok",
        },
    }


def test_health_is_never_cached_and_needs_no_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200  # anonymous: no redirect to the login page
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control
    assert "no-store" in cache_control
    assert "max-age=0" in cache_control


def test_health_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405


def test_unreachable_database_gives_503(client):
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("connection refused")
    ):
        response, body = get_health(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"


def test_unreachable_cache_gives_503(client):
    unreachable_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=unreachable_cache):
        response, body = get_health(client)

    assert response.status_code == 503
    assert body["checks"]["cache"] == "error"
    assert body["checks"]["database"] == "ok"


def test_unreachable_broker_gives_503(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=CLOSED_PORT):
        response, body = get_health(client)

    assert response.status_code == 503
    assert body["checks"]["broker"] == "error"


def test_in_process_tasks_are_healthy_without_a_broker(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True, CELERY_BROKER_URL="memory://"):
        response, body = get_health(client)

    assert response.status_code == 200
    assert body["checks"]["broker"] == "in-process"


def test_reachable_redis_broker_is_ok(client, redis_required):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=redis_required):
        response, body = get_health(client)

    assert response.status_code == 200
    assert body["checks"]["broker"] == "ok"


def test_unapplied_migrations_give_503_with_their_count(client):
    two_pending = [(mock.sentinel.first, False), (mock.sentinel.second, False)]
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=two_pending):
        response, body = get_health(client)

    assert response.status_code == 503
    assert body["checks"]["migrations"] == "pending: 2"
