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


# States in which a case waits for (or is with) a reviewer.
REVIEW_STATES = (
    CaseState.DOCUMENT_REVIEW,
    CaseState.BIOMETRIC_CHECK,
    CaseState.BACKGROUND_CHECK,
)
# States in which documents may still be added to a case; after that the evidence is closed.
DOCUMENT_UPLOAD_STATES = frozenset(
    {
        CaseState.COLLECTING,
        CaseState.AWAITING_CONFIRMATION,
        CaseState.NEEDS_MORE_INFORMATION,
        CaseState.DOCUMENT_REVIEW,
        CaseState.RECHECK,
    }
)
# States a case never leaves.
FINAL_STATES = (
    CaseState.REGISTERED,
    CaseState.REJECTED,
    CaseState.WITHDRAWN,
    CaseState.EXPIRED,
)


class ReviewRoute(models.TextChoices):
    """Which path a case takes through review, set from its risk level."""

    FAST_TRACK = "fast_track", _("Fast track")
    STANDARD = "standard", _("Standard review")
    ENHANCED = "enhanced", _("Enhanced review (extra checks, two approvals)")


class RejectionReason(models.TextChoices):
    """Why a case was rejected (stable codes for reports and the API)."""

    IDENTITY_NOT_VERIFIED = "identity_not_verified", _("Identity could not be verified")
    FORGED_DOCUMENT = "forged_document", _("Document suspected to be forged or altered")
    DATA_MISMATCH = "data_mismatch", _("Declared data do not match the documents")
    EXPIRED_DOCUMENT = "expired_document", _("Identity document has expired")
    BACKGROUND_CHECK = "background_check", _("Background check found a disqualifying record")
    NO_RESPONSE = "no_response", _("The customer did not provide the information requested")
    OTHER = "other", _("Other reason (see the note)")


class DocumentRejectionReason(models.TextChoices):
    UNREADABLE = "unreadable", _("Unreadable or blurred")
    WRONG_DOCUMENT = "wrong_document", _("Not the document asked for")
    EXPIRED = "expired", _("Expired")
    DATA_MISMATCH = "data_mismatch", _("Does not match the declared data")
    SUSPECTED_FORGERY = "suspected_forgery", _("Suspected forgery or alteration")
    INCOMPLETE = "incomplete", _("Part of the document is missing")
    OTHER = "other", _("Other reason (see the note)")


class CheckKind(models.TextChoices):
    DOCUMENT_READING = "document_reading", _("Document reading (OCR)")
    FACE_MATCH = "face_match", _("Face match (selfie and document photo)")
    IN_PERSON_BIOMETRIC = "in_person_biometric", _("Biometric verification in store")
    BACKGROUND = "background", _("Background check (credit and business records)")


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to run")
    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Waiting for the provider's answer")
    DONE = "done", _("Done")
    FAILED = "failed", _("Could not be completed")


class CheckOutcome(models.TextChoices):
    PASS = "pass", _("Passed")
    FAIL = "fail", _("Failed")
    REVIEW = "review", _("Needs a reviewer's judgement")
    ERROR = "error", _("Error")


# A check in these statuses has not given its answer yet.
OPEN_CHECK_STATUSES = (CheckStatus.PENDING, CheckStatus.RUNNING, CheckStatus.WAITING)
