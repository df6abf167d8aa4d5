import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel


class ConsentPurpose(models.TextChoices):
    IDENTITY_PROCESSING = "identity_processing", _("Processing of identity data for KYC")
    BIOMETRICS = "biometrics", _("Biometric comparison of my face")


class Consent(models.Model):
    """What the customer agreed to, in which wording, when, and through which channel."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    text_version = models.CharField(_("text version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.text_version})"
