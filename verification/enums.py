from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    COLLECTING = "collecting", _("Collecting information")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the customer's confirmation")
    DOCUMENT_REVIEW = "document_review", _("Document review")
    BIOMETRIC_CHECK = "biometric_check", _("Biometric check")
    BACKGROUND_CHECK = "background_check", _("Background check")
    NEEDS_MORE_INFORMATION = "needs_more_information", _("More information needed")
    APPROVED = "approved", _("Approved")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired (never confirmed)")
    RECHECK = "recheck", _("Periodic re-check")


class CaseKind(models.TextChoices):
    ONBOARDING = "onboarding", _("New application")
    RECHECK = "recheck", _("Periodic re-check")
