import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from verification.enums import CaseKind, CaseState


class Case(ConcurrentTransitionMixin, models.Model):
    """One application (or periodic re-check) moving through the KYC process.

    The transitions below declare what is legal; only ``verification.workflow`` calls them.
    Transition bodies change fields and nothing else.
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
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the customer"), null=True, blank=True)
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

    def __str__(self) -> str:
        return str(_("case %(id)s") % {"id": str(self.id)[:8]})

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
    )
    def withdraw(self, *, at) -> None:
        self.closed_at = at
