import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from customers.enums import Channel, CustomerKind
from kyc_portal.accounts.roles import Role, user_has_role
from risk.enums import RiskLevel
from verification.enums import (
    REVIEW_STATES,
    CaseKind,
    CaseState,
    RejectionReason,
    ReviewRoute,
)

# Who may decide on a case. Senior reviewers are reviewers too (roles.ROLE_INCLUDES).
REVIEWER_ROLES = (Role.REVIEWER, Role.COMPLIANCE_OFFICER)
# Who may give the second approval of a high-risk case (four eyes).
SECOND_APPROVER_ROLES = (Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER)


# The review queue: unclaimed cases in review (the condition of its partial indexes).
_QUEUE = models.Q(state__in=REVIEW_STATES, assigned_to__isnull=True)


def is_reviewer(case: "Case", user) -> bool:
    return user_has_role(user, *REVIEWER_ROLES)


def is_customer_side(case: "Case", user) -> bool:
    """The customer themself, or staff of the store that took the application."""
    if user_has_role(user, Role.CUSTOMER):
        return case.customer.user_id == user.pk
    return user_has_role(user, Role.STORE_STAFF) and case.store_id == user.store_id


class Case(ConcurrentTransitionMixin, models.Model):
    """One application (or periodic re-check) moving through the KYC process.

    The transitions below declare what is legal; only ``verification.workflow`` calls them.
    Transition bodies change fields and nothing else. ``channel``, ``customer_kind`` and
    ``store`` repeat the customer's so that the review queue filters without joins.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(
        _("case type"), max_length=20, choices=CaseKind.choices, default=CaseKind.ONBOARDING
    )
    state = FSMField(
        _("state"),
        max_length=30,
        choices=CaseState.choices,
        default=CaseState.COLLECTING,
        protected=True,
        db_index=True,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    customer_kind = models.CharField(
        _("customer type"), max_length=20, choices=CustomerKind.choices
    )
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # Routing, set when the case enters review (verification.workflow.case_route).
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    route = models.CharField(
        _("review path"), max_length=20, choices=ReviewRoute.choices, blank=True
    )
    quality_sample = models.BooleanField(
        _("quality-control sample"),
        default=False,
        help_text=_("A fast-track case picked at random for a reviewer to look at."),
    )
    fast_track_rules = models.JSONField(
        _("fast-track rules applied"),
        default=dict,
        blank=True,
        help_text=_("The fast-track policy and each rule's outcome when the case was decided."),
    )
    # Review: who holds the case and until when it must be decided.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_assigned",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    escalated = models.BooleanField(
        _("escalated"),
        default=False,
        help_text=_("Only a senior reviewer or a compliance officer may decide it."),
    )
    sla_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    sla_warned_at = models.DateTimeField(_("deadline warning sent"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    review_seconds = models.PositiveIntegerField(_("review time (seconds)"), default=0)
    # People who typed or corrected the customer's data may not approve the case.
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered or corrected by"),
        related_name="cases_edited",
        blank=True,
    )
    decision_reason = models.CharField(
        _("reason"), max_length=40, choices=RejectionReason.choices, blank=True
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the customer"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            # The review queue: unclaimed cases in review, soonest deadline first, read in
            # index order with keyset pagination on (sla_due_at, id).
            models.Index(fields=["sla_due_at", "id"], condition=_QUEUE, name="case_queue_open"),
            # The same, led by each filter of the queue page.
            models.Index(
                fields=["risk_level", "sla_due_at", "id"], condition=_QUEUE, name="case_queue_risk"
            ),
            models.Index(
                fields=["channel", "sla_due_at", "id"], condition=_QUEUE, name="case_queue_channel"
            ),
            models.Index(
                fields=["customer_kind", "sla_due_at", "id"],
                condition=_QUEUE,
                name="case_queue_kind",
            ),
            models.Index(
                fields=["store", "sla_due_at", "id"], condition=_QUEUE, name="case_queue_store"
            ),
            # The deadline watch: every case in review (claimed or not) by deadline.
            models.Index(
                fields=["sla_due_at"],
                condition=models.Q(state__in=REVIEW_STATES),
                name="case_sla_watch",
            ),
            models.Index(fields=["assigned_to", "state"], name="case_assigned"),
            models.Index(fields=["customer", "-created_at"], name="case_customer_created"),
        ]

    def __str__(self) -> str:
        return str(_("case %(id)s") % {"id": str(self.id)[:8]})

    # -- conditions (read-only; the workflow checks them under the row lock) -------------

    def documents_decided(self) -> bool:
        """Every document of the case has been accepted or rejected by a reviewer."""
        from verification.models.document import DocumentStatus

        return not self.documents.filter(status=DocumentStatus.RECEIVED).exists()

    def approvals_needed(self) -> int:
        """Four eyes: a high-risk case needs two approvals, any other one."""
        return 2 if self.risk_level == RiskLevel.HIGH else 1

    def has_enough_approvals(self) -> bool:
        return self.approvals.count() >= self.approvals_needed()

    def is_fast_track(self) -> bool:
        return self.route == ReviewRoute.FAST_TRACK and not self.quality_sample

    # -- onboarding ------------------------------------------------------------------------

    @transition(field=state, source=CaseState.COLLECTING, target=CaseState.AWAITING_CONFIRMATION)
    def submit(self, *, at) -> None:
        self.submitted_at = at

    @transition(
        field=state, source=CaseState.AWAITING_CONFIRMATION, target=CaseState.DOCUMENT_REVIEW
    )
    def confirm(self, *, at) -> None:
        self.confirmed_at = at

    @transition(field=state, source=CaseState.AWAITING_CONFIRMATION, target=CaseState.EXPIRED)
    def expire(self, *, at) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=[
            CaseState.COLLECTING,
            CaseState.AWAITING_CONFIRMATION,
            CaseState.DOCUMENT_REVIEW,
            CaseState.NEEDS_MORE_INFORMATION,
        ],
        target=CaseState.WITHDRAWN,
        permission=is_customer_side,
    )
    def withdraw(self, *, at) -> None:
        self.closed_at = at
        self.assigned_to = None

    # -- review ----------------------------------------------------------------------------

    @transition(
        field=state,
        source=REVIEW_STATES,
        target=CaseState.NEEDS_MORE_INFORMATION,
        permission=is_reviewer,
    )
    def request_information(self, *, at) -> None:
        self.assigned_to = None

    @transition(
        field=state,
        source=CaseState.NEEDS_MORE_INFORMATION,
        target=CaseState.DOCUMENT_REVIEW,
        permission=is_customer_side,
    )
    def provide_information(self, *, at) -> None:
        pass

    @transition(
        field=state,
        source=CaseState.DOCUMENT_REVIEW,
        target=CaseState.BIOMETRIC_CHECK,
        conditions=[documents_decided],
        permission=is_reviewer,
    )
    def start_biometric_check(self, *, at) -> None:
        pass

    @transition(
        field=state,
        source=[CaseState.DOCUMENT_REVIEW, CaseState.BIOMETRIC_CHECK],
        target=CaseState.BACKGROUND_CHECK,
        conditions=[documents_decided],
        permission=is_reviewer,
    )
    def start_background_check(self, *, at) -> None:
        pass

    @transition(
        field=state,
        source=REVIEW_STATES,
        target=CaseState.APPROVED,
        conditions=[documents_decided, has_enough_approvals],
        permission=is_reviewer,
    )
    def approve(self, *, at) -> None:
        self.approved_at = at
        self.assigned_to = None

    @transition(
        field=state,
        source=CaseState.DOCUMENT_REVIEW,
        target=CaseState.APPROVED,
        conditions=[is_fast_track],
    )
    def fast_track_approve(self, *, at, rules: dict) -> None:
        self.approved_at = at
        self.fast_track_rules = rules

    @transition(
        field=state,
        source=[*REVIEW_STATES, CaseState.NEEDS_MORE_INFORMATION],
        target=CaseState.REJECTED,
        permission=is_reviewer,
    )
    def reject(self, *, at, reason: str, note: str = "") -> None:
        self.decision_reason = reason
        self.decision_note = note
        self.closed_at = at
        self.assigned_to = None

    @transition(field=state, source=CaseState.APPROVED, target=CaseState.REGISTERED)
    def register(self, *, at) -> None:
        self.closed_at = at

    # -- periodic re-check -----------------------------------------------------------------

    @transition(field=state, source=CaseState.COLLECTING, target=CaseState.RECHECK)
    def open_recheck(self, *, at) -> None:
        self.submitted_at = at

    @transition(field=state, source=CaseState.RECHECK, target=CaseState.AWAITING_CONFIRMATION)
    def ask_recheck_confirmation(self, *, at) -> None:
        pass
