"""Celery tasks of the outbox. Thin: the work is in ``outbox.py``."""

from celery import shared_task

from .outbox import MAX_ATTEMPTS, outbox_deliver, outbox_relay


@shared_task(bind=True, name="messaging.outbox_deliver", max_retries=MAX_ATTEMPTS, acks_late=True)
def outbox_deliver_task(self, message_id: str) -> str:
    """Send one outbox message; a temporary failure comes back later with back-off.

    ``outbox_deliver`` counts the attempts on the row itself, so a message queued again by
    the relay does not start counting from zero; it also honours a gateway's Retry-After.
    """
    outcome = outbox_deliver(message_id=message_id)
    while outcome.retry_in is not None and self.request.is_eager:
        # In-process (no broker, the embedded setup): there is no queue to wait in, so the
        # next attempt follows at once, until sent or given up.
        outcome = outbox_deliver(message_id=message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in, exc=outcome.error)
    return outcome.status


@shared_task(name="messaging.outbox_relay", ignore_result=True)
def outbox_relay_task() -> int:
    """Queue outbox messages the broker refused or lost (Celery beat, every 30 s)."""
    return outbox_relay()
