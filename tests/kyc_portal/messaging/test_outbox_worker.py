"""The outbox with a real broker and a real worker: a registration made while the broker is
unreachable is saved, and its confirmation reaches the phone exactly once when it is back.

The outage is simulated by pointing this process's broker at a closed local port
(127.0.0.1:1); the machine's Redis keeps running for everyone else.
"""

import json
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from customers.enums import Channel
from customers.services import individual_register
from kyc_portal.celery import app
from kyc_portal.messaging.models import OutboxMessage, OutboxStatus
from kyc_portal.messaging.outbox import outbox_relay
from kyc_portal.messaging.tasks import outbox_deliver_task
from tests.factories.customers import individual_details
from verification.enums import CaseState

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _forget_broker_connections() -> None:
    # Celery keeps a connection pool and a producer pool per app; new ones are made from
    # the current broker_url the next time a task is sent.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable():
    saved = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = CLOSED_PORT_BROKER
    _forget_broker_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
        _forget_broker_connections()


def texts_with_key(key: str) -> list[dict]:
    found = []
    for path in Path(settings.SMS_FILE_PATH).glob("*.jsonl"):
        for line in path.read_text().splitlines():
            message = json.loads(line)
            if message["idempotency_key"] == key:
                found.append(message)
    return found


@pytest.mark.django_db(transaction=True)
def test_registration_survives_a_broker_outage_and_the_message_is_sent_exactly_once(
    postgres_required, redis_required, celery_worker_process
):
    assert settings.SMS_BACKEND == "file"
    details = individual_details(email="")

    with broker_unreachable():
        started = time.monotonic()
        customer = individual_register(details=details, channel=Channel.WEB, consent_given=True)
        took = time.monotonic() - started

    # Saved and successful, without hanging on the broker.
    assert customer.cases.get().state == CaseState.AWAITING_CONFIRMATION
    assert took < 3
    message = OutboxMessage.objects.get(reference__startswith="confirmation:")
    assert message.status == OutboxStatus.PENDING
    assert texts_with_key(str(message.pk)) == []

    # The broker is back: the relay runs, then runs again as if the first one was lost,
    # and a duplicated task arrives too. The worker sends the text once.
    queue = celery_worker_process.queue
    assert outbox_relay(queue=queue) == 1
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DISPATCHED).update(
        next_attempt_at=timezone.now()
    )
    outbox_relay(queue=queue)
    last = outbox_deliver_task.apply_async(args=[str(message.pk)], queue=queue)
    assert last.get(timeout=60) == OutboxStatus.SENT  # the worker runs tasks in order

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    [text] = texts_with_key(str(message.pk))
    assert text["to"] == customer.individual.mobile
