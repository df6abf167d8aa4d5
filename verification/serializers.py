"""Shapes of the verification API: what reviewers and customers send, what they get back.

Serializers check types and lengths only; the rules (who may act, four eyes, which files
are accepted) are in verification.workflow, verification.services and
verification.documents, the same code the web pages call. Declared data always comes back
masked; a full value only through the audited reveal.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.enums import Channel, CustomerKind
from customers.selectors import case_next_step
from customers.serializers import (
    MaskedEnterpriseSerializer,
    MaskedIndividualSerializer,
    StrictSerializer,
)
from kyc_portal.accounts.models import User
from kyc_portal.crypto.masking import mask_name
from risk.enums import RiskLevel
from verification.enums import (
    DOCUMENT_UPLOAD_STATES,
    CaseKind,
    CaseState,
    DocumentRejectionReason,
    RejectionReason,
)
from verification.fast_track import fast_track_rules_shown
from verification.models import DocumentKind, DocumentStatus

CHECKS = (("biometric", _("Biometric check")), ("background", _("Background check")))

# What a reviewer may ask to see in full, by its path in the case's `individual` or
# `enterprise` object (beneficial owners by position, largest share first).
REVEALABLE_INDIVIDUAL = ("full_name", "document_number", "birth_date", "mobile", "email", "street")
REVEALABLE_ENTERPRISE = ("credit_code", "contact_name", "contact_mobile", "contact_email", "street")
REVEALABLE_PERSON = ("full_name", "document_number")


def _label(source: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, **kwargs)


# --- requests -------------------------------------------------------------------------------


class QueueFiltersSerializer(StrictSerializer):
    """What the queue is narrowed to; an empty value means any."""

    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    customer_kind = serializers.ChoiceField(
        choices=CustomerKind.choices, required=False, allow_blank=True
    )
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True
    )
    store = serializers.UUIDField(required=False, allow_null=True, help_text=_("Store id."))


class QueuePageRequestSerializer(QueueFiltersSerializer):
    after = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("The `next` cursor of the previous page; empty for the first page."),
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class ExpectedStateSerializer(StrictSerializer):
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices,
        required=False,
        help_text=_(
            "The state the reviewer saw. If the case has moved on meanwhile, the answer is "
            "409 `case_changed` and nothing is done."
        ),
    )


class AssignSerializer(ExpectedStateSerializer):
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text=_("Id of the reviewer who gets the case."),
    )


class RejectSerializer(ExpectedStateSerializer):
    reason = serializers.ChoiceField(choices=RejectionReason.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Required when the reason is `other`."),
    )


class RequestInformationSerializer(ExpectedStateSerializer):
    message = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        help_text=_("What the customer must provide or correct; sent to them."),
    )
    document_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentKind.choices),
        required=False,
        max_length=len(DocumentKind.choices),
        help_text=_("The documents the customer must upload again or add."),
    )


class SendToCheckSerializer(ExpectedStateSerializer):
    check = serializers.ChoiceField(choices=CHECKS)


class EscalateSerializer(ExpectedStateSerializer):
    note = serializers.CharField(
        max_length=2000, allow_blank=True, help_text=_("Why, for the senior reviewer.")
    )


class RevealSerializer(StrictSerializer):
    field = serializers.CharField(
        max_length=60,
        help_text=_(
            "Path of a masked value in the case's `individual` or `enterprise` object: "
            "`document_number`, `mobile`, `legal_representative.document_number`, "
            "`beneficial_owners.0.document_number` …"
        ),
    )


class CheckOverrideSerializer(StrictSerializer):
    # Checked by the service, so a missing value answers with its stable code
    # (`outcome_required`, `reason_required`) like the web form's message.
    outcome = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text=_("`pass` or `fail`.")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Why; kept with the check, shown to other reviewers and audited."),
    )


class DocumentDecisionSerializer(StrictSerializer):
    accepted = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=DocumentRejectionReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required when the document is rejected."),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Required when the reason is `other`."),
    )


class DocumentUploadSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    # Empty files and odd names are judged by verification.documents, with its messages.
    file = serializers.FileField(
        allow_empty_file=True,
        help_text=_(
            "JPEG or PNG (a PDF only for the scanned paper form). Re-encoded before it is "
            "stored: metadata and anything after the image are dropped."
        ),
    )
    expiry_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("When the document has one.")
    )


# --- reviewers' answers -----------------------------------------------------------------------


class StoreRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()


class StaffRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="display_name")


class CaseSummarySerializer(serializers.Serializer):
    """One row of the queue or of the reviewer's own cases."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    kind_label = _label("get_kind_display")
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = _label("get_state_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    channel_label = _label("get_channel_display")
    customer_type = serializers.ChoiceField(source="customer_kind", choices=CustomerKind.choices)
    customer_type_label = _label("get_customer_kind_display")
    customer_name = serializers.SerializerMethodField(
        help_text=_("An individual's name masked; an enterprise's legal name.")
    )
    store = StoreRefSerializer(allow_null=True)
    risk_level = serializers.CharField(
        help_text=_("`low`, `medium`, `high`; empty before scoring.")
    )
    risk_level_label = _label("get_risk_level_display")
    route = serializers.CharField(
        help_text=_("`fast_track`, `standard`, `enhanced`; empty before scoring.")
    )
    route_label = _label("get_route_display")
    quality_sample = serializers.BooleanField()
    escalated = serializers.BooleanField()
    sla_due_at = serializers.DateTimeField(allow_null=True, help_text=_("Decision due."))
    assigned_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_customer_name(self, case) -> str:
        customer = case.customer
        if customer.kind == CustomerKind.INDIVIDUAL:
            return mask_name(customer.individual.full_name)
        return customer.enterprise.legal_name


class QueuePageSerializer(serializers.Serializer):
    results = CaseSummarySerializer(many=True, source="cases")
    next = serializers.SerializerMethodField(
        help_text=_("Pass it as `after` for the next page; null on the last page.")
    )

    def get_next(self, page) -> str | None:
        return page.next_cursor.encode() if page.next_cursor is not None else None


class ClaimNextResultSerializer(serializers.Serializer):
    case = CaseSummarySerializer(
        allow_null=True, help_text=_("The case now held by the reviewer; null: the queue is empty.")
    )


class RiskFactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    explanation = serializers.CharField(help_text=_("In the request's language."))


class ApprovalSerializer(serializers.Serializer):
    approver = StaffRefSerializer()
    role = serializers.CharField()
    approved_at = serializers.DateTimeField()


class InformationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message = serializers.CharField()
    document_kinds = serializers.ListField(child=serializers.ChoiceField(DocumentKind.choices))
    requested_by = StaffRefSerializer()
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class DocumentStatusSerializer(serializers.Serializer):
    """A document as its owner sees it."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    kind_label = _label("get_kind_display")
    status = serializers.ChoiceField(choices=DocumentStatus.choices)
    status_label = _label("get_status_display")
    reason = serializers.CharField(source="reason_code", help_text=_("Why it was rejected."))
    reason_label = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()
    expiry_date = serializers.DateField(allow_null=True)

    def get_reason_label(self, document) -> str:
        if not document.reason_code:
            return ""
        return str(
            dict(DocumentRejectionReason.choices).get(document.reason_code, document.reason_code)
        )


class ReviewDocumentSerializer(DocumentStatusSerializer):
    """A document as a reviewer sees it, with links to the audited file views."""

    note = serializers.CharField(source="review_note")
    content_type = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    page_count = serializers.IntegerField(allow_null=True)
    file_url = serializers.SerializerMethodField(
        help_text=_("Opened with the same session; every look is recorded.")
    )
    thumbnail_url = serializers.SerializerMethodField(help_text=_("Null for a PDF."))

    def get_file_url(self, document) -> str:
        return reverse("verification:document-file", args=[document.pk])

    def get_thumbnail_url(self, document) -> str | None:
        if not document.thumbnail:
            return None
        return reverse("verification:document-thumbnail", args=[document.pk])


class CaseHistoryItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = _label("get_state_display")
    decision_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class CheckReadValueSerializer(serializers.Serializer):
    document = serializers.CharField(help_text=_("The document kind: `id_card_front`…"))
    document_label = serializers.CharField()
    field = serializers.CharField(help_text=_("`name`, `id_number`, `birth_date`, `address`…"))
    field_label = serializers.CharField()
    declared = serializers.CharField(help_text=_("The declared value, masked; empty: none."))
    read = serializers.CharField(help_text=_("The value read, masked; empty: not read."))
    match = serializers.BooleanField(
        allow_null=True, help_text=_("Null: not compared (not read, or nothing declared).")
    )
    similarity = serializers.FloatField(allow_null=True)


class CheckSerializer(serializers.Serializer):
    """The current run of one check of the case (``CheckShown``)."""

    id = serializers.UUIDField(source="check.id")
    kind = serializers.CharField(
        source="check.kind",
        help_text=_("`document_reading`, `face_match`, `in_person_biometric`, `background`."),
    )
    label = _label("check.get_kind_display")
    provider = serializers.CharField(source="check.provider")
    version = serializers.CharField(source="check.provider_version")
    status = serializers.CharField(
        source="check.status",
        help_text=_("`pending`, `running`, `waiting` (open), `done`, `failed`."),
    )
    status_label = _label("check.get_status_display")
    outcome = serializers.CharField(
        source="check.outcome", help_text=_("The provider's: `pass`, `fail`, `review`, `error`.")
    )
    final_outcome = serializers.CharField(
        source="check.final_outcome",
        help_text=_("The reviewer's decision when there is one, else the provider's outcome."),
    )
    final_outcome_label = serializers.CharField(source="badge")
    summary = serializers.CharField(source="check.summary", help_text=_("Stable result code."))
    explanation = serializers.CharField(help_text=_("In the request's language."))
    score = serializers.FloatField(source="check.score", allow_null=True)
    params = serializers.JSONField(
        source="check.params", help_text=_("The result's details: codes, counts, distances.")
    )
    read_values = CheckReadValueSerializer(
        many=True, help_text=_("Document reading: each value read beside the declared one.")
    )
    attempts = serializers.IntegerField(source="check.attempts")
    last_error = serializers.CharField(source="check.last_error")
    requested_at = serializers.DateTimeField(source="check.requested_at")
    requested_by = StaffRefSerializer(source="check.requested_by", allow_null=True)
    started_at = serializers.DateTimeField(source="check.started_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="check.finished_at", allow_null=True)
    override_outcome = serializers.CharField(
        source="check.override_outcome",
        help_text=_("`pass` or `fail` when a reviewer decided the check; else empty."),
    )
    override_reason = serializers.CharField(source="check.override_reason")
    overridden_by = StaffRefSerializer(source="check.overridden_by", allow_null=True)
    overridden_at = serializers.DateTimeField(source="check.overridden_at", allow_null=True)
    superseded = serializers.BooleanField(source="check.superseded")


class ChecksStateSerializer(serializers.Serializer):
    passed = serializers.BooleanField(help_text=_("Every required check passed."))
    open = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Kinds of the required checks without an answer yet: “checks pending”."),
    )
    not_passed = serializers.ListField(
        child=serializers.CharField(), help_text=_("Kinds of the required checks not passed.")
    )


class CaseDetailSerializer(CaseSummarySerializer):
    """Everything the reviewer's case screen shows. Needs ``context``: ``risk_factors``,
    ``approvals``, ``documents``, ``information_requests``, ``history``,
    ``beneficial_owners``, ``checks``, ``checks_state`` and ``allowed_actions``, read by
    the view."""

    customer_id = serializers.UUIDField()
    customer_number = serializers.CharField(source="customer.customer_number", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    sla_breached_at = serializers.DateTimeField(allow_null=True)
    review_seconds = serializers.IntegerField()
    assigned_to = StaffRefSerializer(allow_null=True)
    fast_track_rules = serializers.SerializerMethodField(
        help_text=_(
            "The fast-track policy version and each rule's outcome with its explanation in "
            "the request's language; empty when not decided."
        )
    )
    decision_reason = serializers.CharField(help_text=_("Rejection reason code."))
    decision_reason_label = _label("get_decision_reason_display")
    decision_note = serializers.CharField()
    approvals_needed = serializers.IntegerField(help_text=_("2 for a high-risk case (four eyes)."))
    risk_factors = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()
    information_requests = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField(help_text=_("The customer's other cases."))
    checks = serializers.SerializerMethodField(
        help_text=_("The current run of each check; values read are masked.")
    )
    checks_state = serializers.SerializerMethodField()
    individual = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_(
            "What this user may do now: `claim`, `release`, `assign`, `approve`, `reject`, "
            "`request_information`, `send_to_biometric_check`, `send_to_background_check`, "
            "`escalate`, `decide_documents`, `reveal`. A hint for the screen: the action "
            "itself checks again."
        )
    )

    def _context_list(self, name: str) -> list:
        return self.context.get(name) or []

    @extend_schema_field(serializers.JSONField())
    def get_fast_track_rules(self, case) -> dict:
        record = case.fast_track_rules or {}
        if not record:
            return {}
        return {
            "policy_version": record.get("policy_version"),
            "decided_at": record.get("decided_at"),
            "passed": record.get("passed"),
            "rules": fast_track_rules_shown(record),
        }

    @extend_schema_field(RiskFactorSerializer(many=True))
    def get_risk_factors(self, case):
        return RiskFactorSerializer(self._context_list("risk_factors"), many=True).data

    @extend_schema_field(ApprovalSerializer(many=True))
    def get_approvals(self, case):
        return ApprovalSerializer(self._context_list("approvals"), many=True).data

    @extend_schema_field(InformationRequestSerializer(many=True))
    def get_information_requests(self, case):
        return InformationRequestSerializer(
            self._context_list("information_requests"), many=True
        ).data

    @extend_schema_field(ReviewDocumentSerializer(many=True))
    def get_documents(self, case):
        return ReviewDocumentSerializer(self._context_list("documents"), many=True).data

    @extend_schema_field(CaseHistoryItemSerializer(many=True))
    def get_history(self, case):
        return CaseHistoryItemSerializer(self._context_list("history"), many=True).data

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, case):
        return CheckSerializer(self._context_list("checks"), many=True).data

    @extend_schema_field(ChecksStateSerializer(allow_null=True))
    def get_checks_state(self, case):
        state = self.context.get("checks_state")
        return ChecksStateSerializer(state).data if state is not None else None

    @extend_schema_field(MaskedIndividualSerializer(allow_null=True))
    def get_individual(self, case):
        if case.customer.kind != CustomerKind.INDIVIDUAL:
            return None
        return MaskedIndividualSerializer(case.customer.individual).data

    @extend_schema_field(MaskedEnterpriseSerializer(allow_null=True))
    def get_enterprise(self, case):
        if case.customer.kind != CustomerKind.ENTERPRISE:
            return None
        return MaskedEnterpriseSerializer(
            case.customer.enterprise,
            context={"beneficial_owners": self._context_list("beneficial_owners")},
        ).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, case):
        return self._context_list("allowed_actions")


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text=_("The full value. This look is recorded."))


# --- customers' answers -----------------------------------------------------------------------


class OpenInformationRequestSerializer(serializers.Serializer):
    message = serializers.CharField(help_text=_("What the reviewer asks for."))
    document_kinds = serializers.ListField(child=serializers.ChoiceField(DocumentKind.choices))
    document_kind_labels = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()

    def get_document_kind_labels(self, request) -> list[str]:
        labels = dict(DocumentKind.choices)
        return [str(labels.get(kind, kind)) for kind in request.document_kinds]


class CustomerCaseSerializer(serializers.Serializer):
    """A case as the customer (or their store) follows it. Expects the case's documents
    and information requests prefetched (``documents``, ``information_requests``)."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    kind_label = _label("get_kind_display")
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = _label("get_state_display")
    next_step = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    information_request = serializers.SerializerMethodField(
        help_text=_("What the reviewer asked for, while it is not answered; else null.")
    )
    documents = DocumentStatusSerializer(many=True)
    can_upload_documents = serializers.SerializerMethodField()
    can_provide_information = serializers.SerializerMethodField(
        help_text=_("True while the reviewer waits for the customer's answer.")
    )

    def get_next_step(self, case) -> str:
        return case_next_step(case)

    @extend_schema_field(OpenInformationRequestSerializer(allow_null=True))
    def get_information_request(self, case):
        if case.state != CaseState.NEEDS_MORE_INFORMATION:
            return None
        # Prefetched newest first; the open one is the newest without an answer.
        for request in case.information_requests.all():
            if request.answered_at is None:
                return OpenInformationRequestSerializer(request).data
        return None

    def get_can_upload_documents(self, case) -> bool:
        return case.state in DOCUMENT_UPLOAD_STATES

    def get_can_provide_information(self, case) -> bool:
        return case.state == CaseState.NEEDS_MORE_INFORMATION


class CustomerCaseListSerializer(serializers.Serializer):
    results = CustomerCaseSerializer(many=True)


class UploadedDocumentSerializer(DocumentStatusSerializer):
    case_id = serializers.UUIDField(allow_null=True)
