"""The outbox: a message is written with the change it is about, sent at most once,
retried with back-off, given up after the last try, and relayed when the broker was down."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from kyc_portal.messaging import outbox
from kyc_portal.messaging.errors import SmsRejectedError, SmsTemporaryError
from kyc_portal.messaging.models import OutboxMessage, OutboxStatus
from kyc_portal.messaging.outbox import (
    MAX_ATTEMPTS,
    SkipDelivery,
    outbox_deliver,
    outbox_enqueue,
    outbox_relay,
    register_outbox_handler,
)
from kyc_portal.messaging.tasks import outbox_deliver_task

KIND = "test.message"


class Recorder:
    """A handler whose next answers the test chooses; it records what it was asked."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failures: list[Exception] = []
        self.finished: list[str] = []

    def deliver(self, message: OutboxMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message.idempotency_key)

    def on_finished(self, message: OutboxMessage) -> None:
        self.finished.append(message.status)


@pytest.fixture
def recorder():
    handler = Recorder()
    register_outbox_handler(KIND, deliver=handler.deliver, finished=handler.on_finished)
    return handler


@pytest.fixture
def broker_down(monkeypatch):
    """apply_async fails as it does when Redis is unreachable."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(outbox_deliver_task, "apply_async", refuse)


def enqueue(**payload) -> OutboxMessage:
    return outbox_enqueue(kind=KIND, reference="test:1", payload=payload)


@pytest.mark.django_db
def test_message_is_sent_after_commit_and_only_once(
    recorder, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
        assert recorder.sent == []  # nothing leaves before the transaction commits

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert recorder.sent == [str(message.pk)]
    # A duplicated or late task finds the row finished and sends nothing.
    outbox_deliver_task.delay(str(message.pk))
    outbox_deliver(message_id=message.pk)
    assert recorder.sent == [str(message.pk)]
    assert recorder.finished == [OutboxStatus.SENT]


@pytest.mark.django_db
def test_rolled_back_change_sends_nothing(recorder, celery_eager):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the registration failed")
    assert OutboxMessage.objects.count() == 0
    assert recorder.sent == []


@pytest.mark.django_db
def test_temporary_failures_are_retried_until_sent(recorder, celery_eager):
    message = enqueue()
    recorder.failures = [SmsTemporaryError("busy"), SmsTemporaryError("busy again")]

    outbox_deliver_task.delay(str(message.pk))

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 3
    assert recorder.sent == [str(message.pk)]


@pytest.mark.django_db
def test_after_the_last_attempt_the_message_is_given_up(recorder, celery_eager):
    message = enqueue()
    recorder.failures = [SmsTemporaryError("down", code="sms_timeout")] * (MAX_ATTEMPTS + 3)

    outbox_deliver_task.delay(str(message.pk))

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert message.last_error.startswith("sms_timeout")
    assert recorder.sent == []
    assert recorder.finished == [OutboxStatus.FAILED]


@pytest.mark.django_db
def test_a_permanent_refusal_is_not_retried(recorder, celery_eager):
    message = enqueue()
    recorder.failures = [SmsRejectedError("refused with 400")]

    outbox_deliver_task.delay(str(message.pk))

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)


@pytest.mark.django_db
def test_a_message_no_longer_needed_is_cancelled(recorder, celery_eager):
    message = enqueue()
    recorder.failures = [SkipDelivery()]
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED
    assert recorder.finished == [OutboxStatus.CANCELLED]


def test_retry_waits_longer_each_time_and_honours_retry_after():
    longest = [
        max(outbox._backoff_seconds(attempts=attempt, retry_after=None) for _ in range(200))
        for attempt in (1, 2, 3)
    ]
    assert longest[0] < longest[1] < longest[2] <= outbox.BACKOFF_MAX_SECONDS
    assert outbox._backoff_seconds(attempts=1, retry_after=300) >= 300


@pytest.mark.django_db
def test_broker_down_leaves_the_message_pending_and_the_relay_sends_it_once(
    recorder, celery_eager, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert outbox_relay() == 0  # still down: nothing queued, nothing lost

    monkeypatch.undo()  # the broker is back
    register_outbox_handler(KIND, deliver=recorder.deliver, finished=recorder.on_finished)
    assert outbox_relay() == 1
    assert outbox_relay() == 0

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert recorder.sent == [str(message.pk)]


@pytest.mark.django_db
def test_relay_queues_a_message_again_when_it_was_lost(recorder, monkeypatch):
    queued = []
    monkeypatch.setattr(
        outbox_deliver_task, "apply_async", lambda args, **options: queued.append(args[0])
    )
    message = enqueue()
    assert outbox_relay() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DISPATCHED
    # Queued, so not due again until it has had time to run …
    assert outbox_relay() == 0
    # … but when nothing happened for a long time, the broker lost it: queue it again.
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert outbox_relay() == 1
    assert queued == [str(message.pk)] * 2


@pytest.mark.django_db
def test_relay_command(recorder, celery_eager):
    message = enqueue()
    output = StringIO()
    call_command("outbox_relay", stdout=output)
    assert "1 message(s) queued" in output.getvalue()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_relay_runs_every_30_seconds_on_celery_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["messaging-outbox-relay"]
    assert schedule == {"task": "messaging.outbox_relay", "schedule": 30.0}


def test_an_unknown_kind_is_refused_before_anything_is_written():
    with pytest.raises(LookupError):
        outbox_enqueue(kind="no.such.kind", reference="x")


@pytest.mark.django_db
def test_on_a_worker_a_temporary_failure_comes_back_later_with_back_off(recorder, monkeypatch):
    """Through a broker the task is retried by Celery with a countdown, not at once."""
    message = enqueue()
    recorder.failures = [SmsTemporaryError("slow down", retry_after=120)]
    retried = {}

    class Retried(Exception):
        pass

    def fake_retry(**options):
        retried.update(options)
        return Retried()

    monkeypatch.setattr(outbox_deliver_task, "retry", fake_retry)
    outbox_deliver_task.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retried):
            outbox_deliver_task.run(str(message.pk))
    finally:
        outbox_deliver_task.pop_request()

    assert retried["countdown"] >= 120  # the gateway's Retry-After is honoured
    message.refresh_from_db()
    assert (message.status, message.attempts, recorder.sent) == (OutboxStatus.PENDING, 1, [])
    # The relay leaves it alone while Celery's retry is due.
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(seconds=120)
