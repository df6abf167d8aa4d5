"""The transactional outbox: a message to send is a row written with the change it is about.

The row is written in the same database transaction as that change (a registration, say),
so a message exists exactly when the change does. The Celery task that sends it is queued
after commit; when the broker is down, the row waits as ``pending`` and the relay queues it
again. Payloads hold ids only, never personal values: the sender reads those from the
encrypted records when it runs.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be queued")
    DISPATCHED = "dispatched", _("Queued for sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    CANCELLED = "cancelled", _("Cancelled (no longer needed)")


FINISHED_STATUSES = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)


class OutboxMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60, help_text=_("Which sender handles it."))
    reference = models.CharField(
        _("about"),
        max_length=80,
        db_index=True,
        help_text=_("What the message is about, e.g. confirmation:<id>; never a personal value."),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("last queued"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("relay looks again after"),
        help_text=_("An unfinished message still here after this time is queued again."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def idempotency_key(self) -> str:
        """Handed to the carrier: one outbox row reaches the customer at most once."""
        return str(self.id)
