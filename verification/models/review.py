from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel
from risk.enums import RiskLevel
from verification.enums import ReviewRoute


class CaseApproval(models.Model):
    """One reviewer's approval; a high-risk case needs two by different people."""

    case = models.ForeignKey(
        "verification.Case", on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="case_approvals",
    )
    role = models.CharField(_("approver's role"), max_length=30)
    approved_at = models.DateTimeField(_("approved"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["approved_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "approver"], name="approval_one_per_person")
        ]

    def __str__(self) -> str:
        return str(_("approval of %(case)s") % {"case": self.case})


class ReviewOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    FIRST_APPROVAL = "first_approval", _("First of two approvals")
    REJECTED = "rejected", _("Rejected")
    INFORMATION_REQUESTED = "information_requested", _("More information requested")
    CHECKS_STARTED = "checks_started", _("Sent to further checks")
    ESCALATED = "escalated", _("Escalated")
    RELEASED = "released", _("Put back in the queue")
    REASSIGNED = "reassigned", _("Given to another reviewer")


class CaseAssignment(models.Model):
    """A stretch of time one reviewer held a case: the raw material of review-time KPIs."""

    case = models.ForeignKey(
        "verification.Case", on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="case_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the reviewer claimed the case from the queue."),
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=30, choices=ReviewOutcome.choices, blank=True
    )
    seconds = models.PositiveIntegerField(_("time spent (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["reviewer", "-started_at"], name="assignment_reviewer")]

    def __str__(self) -> str:
        return str(_("review of %(case)s") % {"case": self.case})


class InformationRequest(models.Model):
    """What a reviewer asked the customer for, and when they answered."""

    case = models.ForeignKey(
        "verification.Case", on_delete=models.PROTECT, related_name="information_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    message = models.TextField(_("what the customer must do"))
    document_kinds = models.JSONField(_("documents asked for"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return str(_("information request for %(case)s") % {"case": self.case})


class SlaBreach(models.Model):
    """A case not decided by its deadline (kept for the KPIs even after the decision)."""

    case = models.ForeignKey(
        "verification.Case", on_delete=models.CASCADE, related_name="sla_breaches"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer holding the case"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(_("decision was due"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    state = models.CharField(_("state at the deadline"), max_length=30)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    route = models.CharField(_("review path"), max_length=20, choices=ReviewRoute.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("missed deadline")
        verbose_name_plural = _("missed deadlines")
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "due_at"], name="sla_breach_once_per_deadline")
        ]

    def __str__(self) -> str:
        return str(_("missed deadline of %(case)s") % {"case": self.case})
