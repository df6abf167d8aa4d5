"""Forms of the review pages: the queue's filters and the reviewer's actions on a case.

Every action form carries the state the reviewer saw (``expected_state``), so that a case
someone else has just moved gives a conflict message instead of an action on a case the
reviewer did not see.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel, CustomerKind
from kyc_portal.accounts.models import Store, User
from kyc_portal.accounts.roles import Role
from risk.enums import RiskLevel
from verification.enums import CaseState, CheckOutcome, DocumentRejectionReason, RejectionReason
from verification.models import DocumentKind
from verification.models.case import REVIEWER_ROLES
from verification.selectors import QueueFilters

ANY_CHOICE = ("", _("Any"))


def _with_any(choices) -> list:
    return [ANY_CHOICE, *choices]


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; an unknown value counts as "any"."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=_with_any(Channel.choices), required=False
    )
    customer_kind = forms.ChoiceField(
        label=_("Customer type"), choices=_with_any(CustomerKind.choices), required=False
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=_with_any(RiskLevel.choices), required=False
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.none(), required=False, empty_label=_("Any")
    )

    def __init__(self, *args, stores, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores

    def filters(self) -> QueueFilters:
        # Valid fields only: one bad value in a shared link does not hide the whole queue.
        self.is_valid()
        data = self.cleaned_data
        store = data.get("store")
        return QueueFilters(
            channel=data.get("channel", ""),
            customer_kind=data.get("customer_kind", ""),
            risk_level=data.get("risk_level", ""),
            store_id=store.pk if store else None,
        )

    def query_items(self) -> list[tuple[str, str]]:
        """The filters in use as (name, value) pairs, for links and hidden inputs."""
        filters = self.filters()
        items = [
            ("channel", filters.channel),
            ("customer_kind", filters.customer_kind),
            ("risk_level", filters.risk_level),
            ("store", str(filters.store_id or "")),
        ]
        return [(name, value) for name, value in items if value]


class CaseActionForm(forms.Form):
    """An action without further input: claim, release, approve."""

    expected_state = forms.ChoiceField(choices=CaseState.choices, widget=forms.HiddenInput)


class RejectForm(CaseActionForm):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Choose a reason")), *RejectionReason.choices]
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “other”. The customer is told the reason."),
    )


class RequestInformationForm(CaseActionForm):
    message = forms.CharField(
        label=_("What the customer must provide or correct"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the customer as written: be specific and polite."),
    )
    document_kinds = forms.MultipleChoiceField(
        label=_("Documents to upload again"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SendToCheckForm(CaseActionForm):
    check = forms.ChoiceField(
        label=_("Next check"),
        choices=[
            ("biometric", _("Biometric check (face comparison)")),
            ("background", _("Background check")),
        ],
        widget=forms.RadioSelect,
    )


class EscalateForm(CaseActionForm):
    note = forms.CharField(
        label=_("Why you escalate the case"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the senior reviewer who decides it; not shown to the customer."),
    )


class AssignForm(CaseActionForm):
    reviewer = forms.ModelChoiceField(
        label=_("Give the case to"), queryset=User.objects.none(), empty_label=_("Choose")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reviewer_groups = {role.value for role in (*REVIEWER_ROLES, Role.SENIOR_REVIEWER)}
        self.fields["reviewer"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=reviewer_groups)
            .distinct()
            .order_by("username")
        )
        self.fields["reviewer"].label_from_instance = lambda user: user.display_name


class DocumentDecisionForm(CaseActionForm):
    ACCEPT, REJECT = "accept", "reject"

    decision = forms.ChoiceField(choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))])
    reason = forms.ChoiceField(
        label=_("Reason for rejecting"),
        choices=[("", _("Choose a reason")), *DocumentRejectionReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT


class RevealForm(forms.Form):
    """Which masked value to show in full (the view knows the fields it offers)."""

    field = forms.CharField(max_length=100)


class CheckRerunForm(forms.Form):
    """Run a check again: nothing to fill in, the check is in the address."""


class CheckOverrideForm(forms.Form):
    """A reviewer decides a check themself, with the reason (kept and audited)."""

    outcome = forms.ChoiceField(
        label=_("The check"),
        choices=[(CheckOutcome.PASS, _("passed")), (CheckOutcome.FAIL, _("failed"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the check passed or failed.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the check and shown to other reviewers."),
        error_messages={"required": _("Give the reason for deciding this check yourself.")},
    )
