"""One confirmation message sent to a customer: a signed link and a 6-digit code.

Only keyed digests of the code and of the link's nonce are kept for checking. The code and
nonce themselves are needed once, by the task that writes the message; they wait for it
encrypted in ``secrets`` and are erased as soon as every channel has been tried.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc_portal.crypto.fields import EncryptedCharField


class ConfirmationState(models.TextChoices):
    ACTIVE = "active", _("Waiting for the customer")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    SUPERSEDED = "superseded", _("Replaced by a newer message")


class ConfirmationDelivery(models.TextChoices):
    PENDING = "pending", _("Being sent")
    DELIVERED = "delivered", _("Sent")
    NOT_DELIVERED = "not_delivered", _("Confirmation not delivered")


class ConfirmationReason(models.TextChoices):
    SUBMITTED = "submitted", _("Application submitted")
    RESENT = "resent", _("Sent again on request")
    CORRECTED = "corrected", _("Details corrected")


class Confirmation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "verification.Case", on_delete=models.CASCADE, related_name="confirmations"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=ConfirmationReason.choices)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ConfirmationState.choices,
        default=ConfirmationState.ACTIVE,
    )
    delivery = models.CharField(
        _("delivery"),
        max_length=15,
        choices=ConfirmationDelivery.choices,
        default=ConfirmationDelivery.PENDING,
    )
    by_email = models.BooleanField(_("sent by e-mail"), default=False)
    by_sms = models.BooleanField(_("sent by SMS"), default=False)
    code_digest = models.CharField(max_length=64, editable=False)
    nonce_digest = models.CharField(max_length=64, editable=False)
    secrets = EncryptedCharField(max_length=100, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        verbose_name = _("confirmation message")
        verbose_name_plural = _("confirmation messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "-created_at"], name="confirmation_case_latest")]

    def __str__(self) -> str:
        return str(_("confirmation %(id)s") % {"id": str(self.id)[:8]})

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
