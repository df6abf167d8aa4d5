"""Tasks reach a real worker through Redis, and still run when no broker is configured."""

import socket

from kyc_portal.core.tasks import ping


def test_ping_round_trips_through_redis_and_a_real_worker(celery_worker_process):
    result = ping.apply_async(queue=celery_worker_process.queue)

    answer = result.get(timeout=30)

    assert answer["pong"] == "pong"
    # Only a worker has a node name: an eager run would report the bare host name.
    assert answer["hostname"] == celery_worker_process.hostname


def test_ping_runs_in_process_when_tasks_are_eager(celery_eager):
    result = ping.delay()

    assert result.successful()
    assert result.get(timeout=1) == {"pong": "pong", "hostname": socket.gethostname()}


def test_worker_uses_this_sessions_test_database(celery_worker_process, postgres_required, db):
    """Tasks that read rows must see the test database, not the developer's own."""
    from django.db import connection

    test_database = connection.settings_dict["NAME"]
    assert test_database.startswith("test_")
    assert celery_worker_process.database_url.endswith(f"/{test_database}")
