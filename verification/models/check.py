import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel, CustomerKind
from kyc_portal.crypto.fields import EncryptedJSONField
from risk.enums import RiskLevel
from verification.enums import CheckKind, CheckOutcome, CheckStatus


class Check(models.Model):
    """One run of one check on a case, by one provider.

    What a reviewer reads is ``summary`` (a stable code) with ``params`` (no personal data)
    and, for document reading, ``findings``: the values read next to the declared ones,
    encrypted. The provider's raw answer is not kept, only its SHA-256; biometric data
    (images, templates, embeddings) never is. A re-run is a new row; the old one is marked
    superseded so the history stays.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("verification.Case", on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(_("check"), max_length=30, choices=CheckKind.choices)
    provider = models.CharField(_("provider"), max_length=60)
    provider_version = models.CharField(_("provider version"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=CheckOutcome.choices, blank=True
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    summary = models.CharField(_("result code"), max_length=60, blank=True)
    params = models.JSONField(_("result details"), default=dict, blank=True)
    findings = EncryptedJSONField(_("values read"), default=dict, blank=True)
    response_sha256 = models.CharField(
        _("SHA-256 of the provider's answer"), max_length=64, blank=True
    )
    # Sent to the provider with every attempt of this row, so a retried call is one charge.
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, unique=True)
    vendor_reference = models.CharField(
        _("provider's reference"), max_length=120, blank=True, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    superseded = models.BooleanField(_("replaced by a re-run"), default=False)
    override_outcome = models.CharField(
        _("outcome set by a reviewer"), max_length=10, choices=CheckOutcome.choices, blank=True
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(_("overridden"), null=True, blank=True)

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["case", "kind", "-requested_at"], name="check_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {str(self.id)[:8]}"

    @property
    def final_outcome(self) -> str:
        """The reviewer's override when there is one, else the provider's outcome."""
        return self.override_outcome or self.outcome


class CheckRequirement(models.Model):
    """Which checks a case needs, by risk level, customer type and channel (policy)."""

    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    customer_kind = models.CharField(
        _("customer type"), max_length=20, choices=CustomerKind.choices
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    document_reading = models.BooleanField(_("document reading (OCR)"), default=True)
    face_match = models.BooleanField(_("face match"), default=False)
    in_person_biometric = models.BooleanField(_("biometric verification in store"), default=False)
    background = models.BooleanField(_("background check"), default=False)

    class Meta:
        verbose_name = _("checks required")
        verbose_name_plural = _("checks required")
        ordering = ["risk_level", "customer_kind", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk_level", "customer_kind", "channel"], name="check_requirement_unique"
            )
        ]

    def __str__(self) -> str:
        return " · ".join(
            str(label)
            for label in (
                self.get_risk_level_display(),
                self.get_customer_kind_display(),
                self.get_channel_display(),
            )
        )

    def kinds(self) -> list[str]:
        return [kind for kind in CheckKind.values if getattr(self, kind)]
