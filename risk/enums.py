from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class RiskFactor(models.TextChoices):
    """What a risk assessment can find. The codes are stored on assessments: never rename."""

    CUSTOMER_TYPE = "customer_type", _("Customer type")
    CHANNEL = "channel", _("Channel")
    HIGH_RISK_JURISDICTION = "high_risk_jurisdiction", _("High-risk jurisdiction")
    AGE = "age", _("Age")
    DUPLICATE_IDENTITY_ATTEMPTS = "duplicate_identity_attempts", _("Duplicate identity attempts")
    OWNERSHIP_INCOMPLETE = "ownership_incomplete", _("Incomplete ownership")
    IDENTITY_INCONSISTENT = "identity_inconsistent", _("Inconsistent identity data")
    DOCUMENT_CHECK_FAILED = "document_check_failed", _("Document reading failed")
