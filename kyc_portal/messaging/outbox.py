"""Writes of the transactional outbox: enqueue, dispatch, deliver, relay.

How a message travels:

1. ``outbox_enqueue`` writes an :class:`OutboxMessage` in the caller's transaction and asks
   for ``outbox_dispatch`` once that transaction commits.
2. ``outbox_dispatch`` hands the delivery task to the broker without waiting or retrying: a
   web request must never hang on a broker that is down. If the broker does not take it,
   the row stays ``pending`` and the caller carries on (the registration is saved).
3. ``outbox_deliver`` (run by the task) locks the row, does nothing if it is finished,
   calls the kind's handler, and records the outcome in the same transaction: a duplicated
   or retried task therefore never sends twice. Temporary failures are tried again with
   exponential back-off; after the last attempt, or on a permanent refusal, the row is
   ``failed`` and the handler hears about it.
4. ``outbox_relay`` (Celery beat every 30 s, and ``manage.py outbox_relay``) queues every
   unfinished row whose ``next_attempt_at`` has passed: the ones the broker refused, and
   the ones a lost message or a dead worker left behind.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from kombu import pools
from kombu.exceptions import KombuError

from .errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from .models import FINISHED_STATUSES, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# Sending attempts per message (the first one and its retries).
MAX_ATTEMPTS = 6
# Back-off between attempts: up to 20 s, 40 s, 80 s … at most 10 minutes (full jitter).
BACKOFF_FACTOR_SECONDS = 20
BACKOFF_MAX_SECONDS = 600
# A queued message with no news after this long is queued again by the relay (the broker
# lost it, or no worker ran it). Sending is idempotent, so a duplicate is harmless.
STALE_AFTER = datetime.timedelta(minutes=10)
# Longest a dispatch may wait for the broker (connecting, or for a free pooled connection).
DISPATCH_TIMEOUT_SECONDS = 2


def _broker_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [KombuError, ConnectionError, TimeoutError, OSError]
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover - redis is installed with celery[redis]
        pass
    else:
        errors.append(redis.exceptions.RedisError)
    return tuple(errors)


# What apply_async raises when the broker cannot be reached or times out.
BROKER_ERRORS = _broker_errors()


class SkipDelivery(Exception):
    """Raised by a handler: the message is no longer needed (e.g. a newer one replaced it)."""


@dataclass(frozen=True)
class OutboxHandler:
    """``deliver(message)`` sends or raises a DeliveryError / SkipDelivery; ``finished``
    runs in the same transaction once the message is sent, failed or cancelled."""

    deliver: Callable[[OutboxMessage], None]
    finished: Callable[[OutboxMessage], None] | None = None


_HANDLERS: dict[str, OutboxHandler] = {}


def register_outbox_handler(
    kind: str,
    *,
    deliver: Callable[[OutboxMessage], None],
    finished: Callable[[OutboxMessage], None] | None = None,
) -> None:
    _HANDLERS[kind] = OutboxHandler(deliver=deliver, finished=finished)


def _handler_for(kind: str) -> OutboxHandler:
    if kind not in _HANDLERS:
        # Handlers register when their app's module is imported; the apps' tasks modules
        # import them (a worker imports those anyway, a management command may not have).
        autodiscover_modules("tasks")
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"No outbox handler is registered for {kind!r}.") from None


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one delivery attempt came to; ``retry_in`` (seconds) when another is due."""

    status: str
    retry_in: float | None = None
    error: DeliveryError | None = None


def outbox_enqueue(
    *, kind: str, reference: str, payload: Mapping[str, Any] | None = None
) -> OutboxMessage:
    """Record a message in the caller's transaction; queue its sending after commit."""
    _handler_for(kind)  # fail now, inside the caller's transaction, on an unknown kind
    message = OutboxMessage.objects.create(
        kind=kind,
        reference=reference,
        payload=dict(payload or {}),
        next_attempt_at=timezone.now(),
    )
    # robust: whatever goes wrong while queuing, the caller's committed work stands.
    message_id = message.pk

    def dispatch_after_commit() -> None:
        outbox_dispatch(message_id=message_id)

    transaction.on_commit(dispatch_after_commit, robust=True)
    return message


def outbox_dispatch(*, message_id, queue: str | None = None) -> bool:
    """Hand the delivery task to the broker; False (and the row left as it was) if it
    cannot be reached. Never retries and never blocks for long."""
    from .tasks import outbox_deliver_task

    options: dict[str, Any] = {"retry": False}
    if queue:
        options["queue"] = queue
    try:
        if outbox_deliver_task.app.conf.task_always_eager:
            outbox_deliver_task.apply_async(args=[str(message_id)], **options)
        else:
            with _producer_pool(outbox_deliver_task.app).acquire(
                block=True, timeout=DISPATCH_TIMEOUT_SECONDS
            ) as producer:
                outbox_deliver_task.apply_async(
                    args=[str(message_id)], producer=producer, **options
                )
    except BROKER_ERRORS as error:
        logger.warning(
            "The broker did not take outbox message %s (%s); the relay will queue it again.",
            message_id,
            type(error).__name__,
        )
        return False
    now = timezone.now()
    # A fast worker (or an eager run) may have finished it already: leave that alone.
    OutboxMessage.objects.filter(
        pk=message_id, status__in=(OutboxStatus.PENDING, OutboxStatus.DISPATCHED)
    ).update(status=OutboxStatus.DISPATCHED, dispatched_at=now, next_attempt_at=now + STALE_AFTER)
    return True


def _producer_pool(app):
    """Producers whose connection makes one attempt and gives up.

    ``retry=False`` is not enough: before publishing, kombu reconnects in a loop for
    ``broker_connection_timeout`` seconds (4 by default, ~6 s seen here), far too long for a
    web request. A pool with its own transport options leaves Celery's pools alone.
    """
    options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
    connection = app.connection_for_write(
        transport_options=options, connect_timeout=DISPATCH_TIMEOUT_SECONDS
    )
    return pools.producers[connection]


def _backoff_seconds(*, attempts: int, retry_after: float | None) -> float:
    countdown = get_exponential_backoff_interval(
        factor=BACKOFF_FACTOR_SECONDS,
        retries=max(attempts - 1, 0),
        maximum=BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )
    return float(max(countdown, retry_after or 0))


def outbox_deliver(*, message_id) -> DeliveryOutcome:
    """Send one outbox message at most once. Safe to call any number of times."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning("Outbox message %s does not exist; nothing to send.", message_id)
            return DeliveryOutcome(status="missing")
        if message.status in FINISHED_STATUSES:
            # A duplicated or late task: the first one already recorded the outcome.
            return DeliveryOutcome(status=message.status)
        handler = _handler_for(message.kind)
        message.attempts += 1
        outcome = _attempt(message, handler)
        message.save()
        if message.status in FINISHED_STATUSES and handler.finished is not None:
            handler.finished(message)
    return outcome


def _attempt(message: OutboxMessage, handler: OutboxHandler) -> DeliveryOutcome:
    now = timezone.now()
    try:
        handler.deliver(message)
    except SkipDelivery:
        message.status = OutboxStatus.CANCELLED
        return DeliveryOutcome(status=message.status)
    except PermanentDeliveryError as error:
        return _give_up(message, error, now=now)
    except TemporaryDeliveryError as error:
        if message.attempts >= MAX_ATTEMPTS:
            return _give_up(message, error, now=now)
        retry_in = _backoff_seconds(attempts=message.attempts, retry_after=error.retry_after)
        message.last_error = f"{error.code}: {error}"[:300]
        message.next_attempt_at = now + datetime.timedelta(seconds=retry_in) + STALE_AFTER
        logger.warning(
            "Outbox message %s (%s), attempt %d failed (%s); trying again in %.0f s.",
            message.pk,
            message.kind,
            message.attempts,
            error.code,
            retry_in,
        )
        return DeliveryOutcome(status=message.status, retry_in=retry_in, error=error)
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.last_error = ""
    logger.info("Outbox message %s (%s) sent.", message.pk, message.kind)
    return DeliveryOutcome(status=message.status)


def _give_up(message: OutboxMessage, error: DeliveryError, *, now) -> DeliveryOutcome:
    message.status = OutboxStatus.FAILED
    message.failed_at = now
    message.last_error = f"{error.code}: {error}"[:300]
    logger.error(
        "Outbox message %s (%s) not delivered after %d attempt(s): %s.",
        message.pk,
        message.kind,
        message.attempts,
        error.code,
    )
    return DeliveryOutcome(status=message.status, error=error)


def outbox_relay(*, limit: int = 500, queue: str | None = None) -> int:
    """Queue every unfinished message that is due; returns how many the broker took.

    Stops at the first refusal: when the broker is down the next round will try again.
    """
    due = list(
        OutboxMessage.objects.filter(
            status__in=(OutboxStatus.PENDING, OutboxStatus.DISPATCHED),
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for message_id in due:
        if not outbox_dispatch(message_id=message_id, queue=queue):
            break
        queued += 1
    if due:
        logger.info("Outbox relay: %d of %d due message(s) queued.", queued, len(due))
    return queued
