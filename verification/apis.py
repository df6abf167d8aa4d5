"""REST API of verification: the review queue and reviewers' actions, and the customer's
side of a case (status, documents, answering a reviewer's request). See docs/api.md.

Views stay thin: they check the request's shape (serializers.py), find the case or
document through the scoped selectors (someone who may not see it gets the same 404 as
for an id that does not exist), call the workflow and services the web pages call, and
render the result. Errors leave through kyc_portal.core.api.exception_handler.

Staff reach these endpoints with their web session only, after the second factor: a
token of a staff account is refused, so a token can never skip that factor.
"""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.apis import (
    MASKED_INDIVIDUAL_EXAMPLE,
    NO_APPLICATION,
    STAFF_FORBIDDEN,
    UNAUTHENTICATED,
    IsCustomer,
    NoApplicationError,
    error_example,
    error_response,
)
from customers.enums import CustomerKind
from customers.selectors import customer_application_status
from kyc_portal.accounts.roles import HasRole, Role, user_has_role, user_is_staff_member
from kyc_portal.audit.services import audit_reveal
from kyc_portal.core.errors import ConflictError
from risk.selectors import case_risk_assessment
from verification import services, workflow
from verification.checks.selectors import (
    case_checks_actionable,
    case_checks_shown,
    check_get,
    check_shown,
)
from verification.checks.services import case_checks_state, check_override, check_rerun
from verification.documents import document_upload
from verification.enums import REVIEW_STATES, CaseState
from verification.models import Case, DocumentStatus
from verification.models.case import REVIEWER_ROLES, SECOND_APPROVER_ROLES
from verification.selectors import (
    DOCUMENT_REVIEW_ROLES,
    QueueCursor,
    QueueFilters,
    case_get,
    case_scope_to_user,
    document_get,
    document_list,
    review_queue_page,
    reviewer_cases,
)
from verification.serializers import (
    REVEALABLE_ENTERPRISE,
    REVEALABLE_INDIVIDUAL,
    REVEALABLE_PERSON,
    AssignSerializer,
    CaseDetailSerializer,
    CaseSummarySerializer,
    CheckOverrideSerializer,
    CheckSerializer,
    ClaimNextResultSerializer,
    CustomerCaseListSerializer,
    CustomerCaseSerializer,
    DocumentDecisionSerializer,
    DocumentUploadSerializer,
    EscalateSerializer,
    ExpectedStateSerializer,
    QueueFiltersSerializer,
    QueuePageRequestSerializer,
    QueuePageSerializer,
    RejectSerializer,
    RequestInformationSerializer,
    RevealResultSerializer,
    RevealSerializer,
    ReviewDocumentSerializer,
    SendToCheckSerializer,
    UploadedDocumentSerializer,
)
from verification.services import TEAM_LEAD_ROLES

# --- access -------------------------------------------------------------------------------


class NoStaffToken(BasePermission):
    """Tokens are for customers. Staff come with the web session, after the second factor."""

    message = _("Staff use the API with their web session, after the second factor.")
    code = "staff_token"

    def has_permission(self, request, view) -> bool:
        by_token = isinstance(request.successful_authenticator, TokenAuthentication)
        return not (by_token and user_is_staff_member(request.user))


class CaseNotFoundError(exceptions.NotFound):
    default_detail = _("There is no such case, or it is not yours to see.")
    default_code = "case_not_found"


class DocumentNotFoundError(exceptions.NotFound):
    default_detail = _("There is no such document, or it is not yours to see.")
    default_code = "document_not_found"


class CheckNotFoundError(exceptions.NotFound):
    default_detail = _("There is no such check, or it is not yours to see.")
    default_code = "check_not_found"


class VerificationApiView(APIView):
    """JSON in, JSON out; token first, so an anonymous request gets 401, not 403."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated, NoStaffToken, HasRole]
    allowed_roles: frozenset[Role] = frozenset()

    def visible_case(self, case_id) -> Case:
        """The case if the user may see it (scoped by role), else 404."""
        case = case_get(user=self.request.user, case_id=case_id)
        if case is None:
            raise CaseNotFoundError()
        return case

    def validated(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


# --- documentation ------------------------------------------------------------------------

ROLE_FORBIDDEN = error_response(
    "The login's role may not use this endpoint (or a staff session without the second "
    "factor: `second_factor_required`).",
    error_example(
        "Wrong role",
        "permission_denied",
        str(HasRole.message),
        status_codes=[403],
    ),
)
CASE_NOT_FOUND = error_response(
    "No such case, or not one this login may see (the same answer for both).",
    error_example(
        "No such case", "case_not_found", str(CaseNotFoundError.default_detail), status_codes=[404]
    ),
)
DOCUMENT_NOT_FOUND = error_response(
    "No such document, or not one this login may see.",
    error_example(
        "No such document",
        "document_not_found",
        str(DocumentNotFoundError.default_detail),
        status_codes=[404],
    ),
)
_REVIEW_ERRORS = {401: UNAUTHENTICATED, 403: ROLE_FORBIDDEN}
CONFLICT = error_response(
    "Someone else changed or holds the case, or the action is not possible in its state; "
    "nothing was done.",
    error_example(
        "Changed meanwhile",
        "case_changed",
        "Someone else has just changed this case. Reload it to see its current state.",
        status_codes=[409],
    ),
    error_example(
        "Held by another reviewer",
        "case_held_by_other",
        "Another reviewer is working on this case.",
        status_codes=[409],
    ),
    error_example(
        "Wrong state",
        "transition_not_allowed",
        "This action is not possible while the case is in the state “Rejected”.",
        status_codes=[409],
    ),
)
ACTION_FORBIDDEN = error_response(
    "The role may not do this, the case is escalated, or four eyes forbids it.",
    error_example(
        "Own entry",
        "four_eyes_own_entry",
        "You entered or corrected this customer's data, so another reviewer must approve the case.",
        status_codes=[403],
    ),
    error_example(
        "Same reviewer twice",
        "four_eyes_same_reviewer",
        "You have already approved this case: a second reviewer must approve it too.",
        status_codes=[403],
    ),
    error_example(
        "Senior needed",
        "four_eyes_senior_required",
        "The second approval of a high-risk case must come from a senior reviewer or a "
        "compliance officer.",
        status_codes=[403],
    ),
)
_ACTION_ERRORS = {
    400: error_response("The request is malformed, or a required reason or note is missing."),
    401: UNAUTHENTICATED,
    403: ACTION_FORBIDDEN,
    404: CASE_NOT_FOUND,
    409: CONFLICT,
}

_DUE = "2026-11-26T10:30:00+08:00"
CASE_SUMMARY_EXAMPLE = {
    "id": "0f7f6c2e-3f0b-4d5e-8f1a-9c2b7d6e5a41",
    "kind": "onboarding",
    "kind_label": "New application",
    "state": "document_review",
    "state_label": "Document review",
    "channel": "web",
    "channel_label": "Web",
    "customer_type": "individual",
    "customer_type_label": "Individual",
    "customer_name": "王**",
    "store": None,
    "risk_level": "medium",
    "risk_level_label": "Medium risk",
    "route": "standard",
    "route_label": "Standard review",
    "quality_sample": False,
    "escalated": False,
    "sla_due_at": _DUE,
    "assigned_at": None,
    "created_at": "2026-11-25T14:30:00+08:00",
    "confirmed_at": "2026-11-25T14:40:00+08:00",
}
QUEUE_EXAMPLE = OpenApiExample(
    "A page of the queue",
    response_only=True,
    value={"results": [CASE_SUMMARY_EXAMPLE], "next": "MjAyNi0xMS0yNlQwMjozMDowMCswMDowMHww"},
)
CHECK_EXAMPLE = {
    "id": "3c9d4f7a-1b2e-4c5d-9e8f-0a1b2c3d4e5f",
    "kind": "background",
    "label": "Background check (credit and business records)",
    "provider": "reference_file",
    "version": "1",
    "status": "done",
    "status_label": "Done",
    "outcome": "review",
    "final_outcome": "pass",
    "final_outcome_label": "Passed",
    "summary": "possible_match",
    "explanation": "Only a name is close to a record, for: Customer (similarity 0.91): check "
    "whether it is the same person or enterprise. Type: Credit blacklist. Source: 人民银行.",
    "score": 0.913,
    "params": {
        "count": 1,
        "record_types": ["credit_blacklist"],
        "sources": ["人民银行"],
        "parties": ["customer"],
        "score": 0.913,
    },
    "read_values": [],
    "attempts": 1,
    "last_error": "",
    "requested_at": "2026-11-25T14:40:01+08:00",
    "requested_by": None,
    "started_at": "2026-11-25T14:40:02+08:00",
    "finished_at": "2026-11-25T14:40:02+08:00",
    "override_outcome": "pass",
    "override_reason": "Namesake: born 1962, the customer in 1990.",
    "overridden_by": {"id": "c1d2e3f4-0000-4000-8000-000000000001", "name": "李明"},
    "overridden_at": "2026-11-25T15:10:00+08:00",
    "superseded": False,
}
CASE_DETAIL_EXAMPLE = OpenApiExample(
    "Case under review",
    response_only=True,
    value={
        **CASE_SUMMARY_EXAMPLE,
        "assigned_at": "2026-11-25T15:00:00+08:00",
        "customer_id": "5b0e8a51-5d0c-4a4e-9f57-2a8f3d1f0c11",
        "customer_number": None,
        "submitted_at": "2026-11-25T14:30:00+08:00",
        "sla_breached_at": None,
        "review_seconds": 0,
        "assigned_to": {"id": "c1d2e3f4-0000-4000-8000-000000000001", "name": "李明"},
        "fast_track_rules": {},
        "decision_reason": "",
        "decision_reason_label": "",
        "decision_note": "",
        "approvals_needed": 1,
        "risk_factors": [
            {
                "code": "channel",
                "points": 10,
                "explanation": "The application came in through the channel “Web "
                "self-registration”: nobody saw the customer or the original documents.",
            }
        ],
        "approvals": [],
        "information_requests": [],
        "documents": [
            {
                "id": "7a1c9e3b-2d4f-4b6a-8c0e-1f2a3b4c5d6e",
                "kind": "id_card_front",
                "kind_label": "ID card (front)",
                "status": "received",
                "status_label": "Received",
                "reason": "",
                "reason_label": "",
                "uploaded_at": "2026-11-25T14:35:00+08:00",
                "expiry_date": "2036-05-17",
                "note": "",
                "content_type": "image/jpeg",
                "width": 1600,
                "height": 1000,
                "page_count": None,
                "file_url": "/documents/7a1c9e3b-2d4f-4b6a-8c0e-1f2a3b4c5d6e/",
                "thumbnail_url": "/documents/7a1c9e3b-2d4f-4b6a-8c0e-1f2a3b4c5d6e/thumbnail/",
            }
        ],
        "history": [],
        "checks": [CHECK_EXAMPLE],
        "checks_state": {"passed": True, "open": [], "not_passed": []},
        "individual": MASKED_INDIVIDUAL_EXAMPLE,
        "enterprise": None,
        "allowed_actions": [
            "reveal",
            "rerun_checks",
            "override_checks",
            "release",
            "decide_documents",
            "reject",
            "request_information",
            "escalate",
        ],
    },
)
CUSTOMER_CASE_EXAMPLE = {
    "id": "0f7f6c2e-3f0b-4d5e-8f1a-9c2b7d6e5a41",
    "kind": "onboarding",
    "kind_label": "New application",
    "state": "needs_more_information",
    "state_label": "More information needed",
    "next_step": "The reviewer needs more information from you: the message we sent you says what.",
    "created_at": "2026-11-25T14:30:00+08:00",
    "submitted_at": "2026-11-25T14:30:00+08:00",
    "confirmed_at": "2026-11-25T14:40:00+08:00",
    "closed_at": None,
    "information_request": {
        "message": "The photo of the back of your ID card is blurred: please take it again.",
        "document_kinds": ["id_card_back"],
        "document_kind_labels": ["ID card (back)"],
        "requested_at": "2026-11-25T16:00:00+08:00",
    },
    "documents": [
        {
            "id": "7a1c9e3b-2d4f-4b6a-8c0e-1f2a3b4c5d6e",
            "kind": "id_card_back",
            "kind_label": "ID card (back)",
            "status": "rejected",
            "status_label": "Rejected",
            "reason": "unreadable",
            "reason_label": "Unreadable or blurred",
            "uploaded_at": "2026-11-25T14:35:00+08:00",
            "expiry_date": None,
        }
    ],
    "can_upload_documents": True,
    "can_provide_information": True,
}
UPLOAD_ERRORS = error_response(
    "The file was refused; nothing was stored. The code says why.",
    error_example(
        "Not an accepted format",
        "unsupported_type",
        "This file is a GIF file. Only JPEG or PNG images are accepted.",
        {"file": [{"code": "unsupported_type", "message": "…"}]},
        status_codes=[400],
    ),
    error_example(
        "Too many pixels",
        "too_many_pixels",
        "The image has too many pixels (at most 40 megapixels are accepted). Take the photo "
        "at a lower resolution.",
        {"file": [{"code": "too_many_pixels", "message": "…"}]},
        status_codes=[400],
    ),
)
DOCUMENTS_CLOSED = error_response(
    "The case is decided (or with a check): documents can no longer be added to it.",
    error_example(
        "Case decided",
        "documents_closed",
        "Documents can no longer be added to this application.",
        status_codes=[409],
    ),
)


# --- the review queue ----------------------------------------------------------------------


def _queue_filters(data: dict) -> QueueFilters:
    return QueueFilters(
        channel=data.get("channel", ""),
        customer_kind=data.get("customer_kind", ""),
        risk_level=data.get("risk_level", ""),
        store_id=data.get("store"),
    )


class ReviewApiView(VerificationApiView):
    allowed_roles = DOCUMENT_REVIEW_ROLES

    def case_response(self, case_id) -> Response:
        """The case as the reviewer's case screen shows it, read again after an action."""
        case = self.visible_case(case_id)
        context = case_detail_context(case=case, user=self.request.user)
        return Response(CaseDetailSerializer(case, context=context).data)


class ReviewQueueApi(ReviewApiView):
    @extend_schema(
        operation_id="review_queue_list",
        tags=["review"],
        summary="A page of the review queue",
        description=(
            "Unclaimed cases in review this reviewer may take, soonest deadline first. Left "
            "out: cases they entered or corrected or already approved, and escalated cases "
            "for reviewers who are not senior. Paged by cursor: pass `next` as `after`. No "
            "total is counted."
        ),
        parameters=[QueuePageRequestSerializer],
        responses={
            200: QueuePageSerializer,
            400: error_response(
                "A filter value is not one of the listed ones, or the cursor is damaged.",
                error_example(
                    "Damaged cursor",
                    "bad_cursor",
                    "This page link is damaged. Go back to the first page of the queue.",
                    status_codes=[400],
                ),
            ),
            **_REVIEW_ERRORS,
        },
        examples=[QUEUE_EXAMPLE],
    )
    def get(self, request, *args, **kwargs):
        data = self.validated(QueuePageRequestSerializer, request.query_params)
        after = QueueCursor.decode(data["after"]) if data.get("after") else None
        page = review_queue_page(
            reviewer=request.user, filters=_queue_filters(data), after=after, size=data["limit"]
        )
        return Response(QueuePageSerializer(page).data)


class ClaimNextApi(ReviewApiView):
    @extend_schema(
        operation_id="review_queue_claim_next",
        tags=["review"],
        summary="Take the next case from the queue",
        description=(
            "The unclaimed case with the soonest deadline (within the filters) is now held "
            "by this reviewer. Two reviewers asking at the same moment get two different "
            'cases. `{"case": null}` when nothing is waiting.'
        ),
        request=QueueFiltersSerializer,
        responses={
            200: ClaimNextResultSerializer,
            400: error_response("A bad filter."),
            **_REVIEW_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Individuals only", request_only=True, value={"customer_kind": "individual"}
            ),
            OpenApiExample("Claimed", response_only=True, value={"case": CASE_SUMMARY_EXAMPLE}),
            OpenApiExample("Queue empty", response_only=True, value={"case": None}),
        ],
    )
    def post(self, request, *args, **kwargs):
        data = self.validated(QueueFiltersSerializer, request.data)
        case = services.case_claim_next(
            reviewer=request.user, filters=_queue_filters(data), request=request
        )
        return Response(ClaimNextResultSerializer({"case": case}).data)


class MyReviewCasesApi(ReviewApiView):
    @extend_schema(
        operation_id="review_cases_mine",
        tags=["review"],
        summary="The cases I hold",
        responses={200: CaseSummarySerializer(many=True), **_REVIEW_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        cases = reviewer_cases(reviewer=request.user)
        return Response(CaseSummarySerializer(cases, many=True).data)


# --- one case --------------------------------------------------------------------------------


def _beneficial_owners(case: Case) -> list:
    """Largest share first, in a fixed order, so a position names the same owner in the
    case detail and in a reveal."""
    if case.customer.kind != CustomerKind.ENTERPRISE:
        return []
    return list(case.customer.enterprise.beneficial_owners.order_by("-share", "id"))


def case_detail_context(*, case: Case, user) -> dict:
    """What the case screen shows besides the case row, each read once."""
    documents = list(document_list(user=user, case=case))
    approvals = list(case.approvals.select_related("approver"))
    assessment = case_risk_assessment(case=case)
    risk_factors = []
    if assessment is not None:
        risk_factors = [
            {"code": code, "points": points, "explanation": sentence}
            for code, points, sentence in assessment.factor_explanations()
        ]
    history = case_scope_to_user(
        Case.objects.filter(customer_id=case.customer_id).exclude(pk=case.pk), user
    ).order_by("-created_at")
    return {
        "documents": documents,
        "approvals": approvals,
        "information_requests": list(case.information_requests.select_related("requested_by")),
        "history": list(history),
        "beneficial_owners": _beneficial_owners(case),
        "risk_factors": risk_factors,
        "checks": case_checks_shown(case=case),
        "checks_state": case_checks_state(case=case),
        "allowed_actions": case_allowed_actions(
            case=case, user=user, documents=documents, approvals=approvals
        ),
    }


def _may_approve(*, case: Case, user, approvals: list) -> bool:
    if case.customer.entered_by_id == user.pk or case.editors.filter(pk=user.pk).exists():
        return False
    if any(approval.approver_id == user.pk for approval in approvals):
        return False
    is_last = len(approvals) + 1 >= case.approvals_needed()
    return not (is_last and approvals and not user_has_role(user, *SECOND_APPROVER_ROLES))


def case_allowed_actions(*, case: Case, user, documents: list, approvals: list) -> list[str]:
    """What ``user`` may do with the case now, for the screen to offer; each action checks
    again under the row lock (verification.workflow, verification.services)."""
    actions = ["reveal"]
    if case_checks_actionable(case=case, user=user):
        actions += ["rerun_checks", "override_checks"]
    in_review = case.state in REVIEW_STATES
    held = case.assigned_to_id is not None
    held_by_other = held and case.assigned_to_id != user.pk
    if in_review and user_has_role(user, *TEAM_LEAD_ROLES):
        actions.append("assign")
        if held:
            actions.append("release")
    may_decide = (
        user_has_role(user, *REVIEWER_ROLES)
        and not held_by_other
        and (not case.escalated or user_has_role(user, *SECOND_APPROVER_ROLES))
    )
    if not may_decide:
        return actions
    if case.state == CaseState.NEEDS_MORE_INFORMATION:
        actions.append("reject")
    if not in_review:
        return actions
    if not held:
        actions.append("claim")
    elif "release" not in actions:
        actions.append("release")
    actions += ["decide_documents", "reject", "request_information", "escalate"]
    if all(document.status != DocumentStatus.RECEIVED for document in documents):
        if case.state == CaseState.DOCUMENT_REVIEW:
            actions.append("send_to_biometric_check")
        if case.state in (CaseState.DOCUMENT_REVIEW, CaseState.BIOMETRIC_CHECK):
            actions.append("send_to_background_check")
        if _may_approve(case=case, user=user, approvals=approvals):
            actions.append("approve")
    return actions


class ReviewCaseApi(ReviewApiView):
    @extend_schema(
        operation_id="review_case_read",
        tags=["review"],
        summary="A case, as the reviewer's case screen shows it",
        description=(
            "State, path, risk level with each factor's points and explanation, deadline, "
            "holder, approvals, information requests, documents (with links to the audited "
            "file views), the customer's other cases, the declared data **masked**, and what "
            "this user may do now."
        ),
        responses={200: CaseDetailSerializer, **_REVIEW_ERRORS, 404: CASE_NOT_FOUND},
        examples=[CASE_DETAIL_EXAMPLE],
    )
    def get(self, request, case_id, *args, **kwargs):
        return self.case_response(case_id)


_OWNER = re.compile(r"beneficial_owners\.(\d{1,3})")


def _revealable_value(*, case: Case, field: str, beneficial_owners: list) -> str | None:
    """The full value at ``field`` (its path in the case's masked data), or None."""
    customer = case.customer
    holder, name = None, field
    if customer.kind == CustomerKind.INDIVIDUAL:
        if field in REVEALABLE_INDIVIDUAL:
            holder = customer.individual
    elif field in REVEALABLE_ENTERPRISE:
        holder = customer.enterprise
    else:
        prefix, _dot, name = field.rpartition(".")
        if name in REVEALABLE_PERSON:
            if prefix == "legal_representative":
                holder = getattr(customer.enterprise, "legal_representative", None)
            elif (match := _OWNER.fullmatch(prefix)) and int(match[1]) < len(beneficial_owners):
                holder = beneficial_owners[int(match[1])]
    if holder is None:
        return None
    value = getattr(holder, name)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class RevealApi(ReviewApiView):
    @extend_schema(
        operation_id="review_case_reveal",
        tags=["review"],
        summary="See one masked value in full (recorded)",
        description=(
            "Every call is written to the audit trail with the field's name (never its "
            "value). Use it when the masked value is not enough to decide."
        ),
        request=RevealSerializer,
        responses={
            200: RevealResultSerializer,
            400: error_response(
                "No such field, or not one that is masked.",
                error_example(
                    "Unknown field",
                    "validation_error",
                    "Some fields need your attention.",
                    {"field": [{"code": "not_revealable", "message": "…"}]},
                    status_codes=[400],
                ),
            ),
            **_REVIEW_ERRORS,
            404: CASE_NOT_FOUND,
        },
        examples=[
            OpenApiExample("ID number", request_only=True, value={"field": "document_number"}),
            OpenApiExample(
                "Revealed",
                response_only=True,
                value={"field": "document_number", "value": "11010519491231002X"},
            ),
        ],
    )
    def post(self, request, case_id, *args, **kwargs):
        case = self.visible_case(case_id)
        field = self.validated(RevealSerializer, request.data)["field"]
        value = _revealable_value(
            case=case, field=field, beneficial_owners=_beneficial_owners(case)
        )
        if value is None:
            raise exceptions.ValidationError(
                {
                    "field": [
                        exceptions.ErrorDetail(
                            str(_("This value is not masked, or the customer has no such field.")),
                            code="not_revealable",
                        )
                    ]
                }
            )
        # On the case, like the web screen's reveals, so its audit trail lists both.
        audit_reveal(actor=request.user, request=request, target=case, field=field)
        return Response(RevealResultSerializer({"field": field, "value": value}).data)


# --- reviewers' actions ------------------------------------------------------------------------


class _CaseActionApi(ReviewApiView):
    """POST to one action of a case; answers with the case as it is afterwards."""

    serializer_class = ExpectedStateSerializer

    def act(self, *, case: Case, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, case_id, *args, **kwargs):
        case = self.visible_case(case_id)
        self.act(case=case, data=self.validated(self.serializer_class, request.data))
        return self.case_response(case.pk)


def _action_schema(operation: str, summary: str, description: str = "", **kwargs):
    return extend_schema(
        operation_id=f"review_case_{operation}",
        tags=["review"],
        summary=summary,
        description=description,
        request=kwargs.pop("request", ExpectedStateSerializer),
        responses={200: CaseDetailSerializer, **_ACTION_ERRORS},
        **kwargs,
    )


class ClaimCaseApi(_CaseActionApi):
    def act(self, *, case, data):
        services.case_claim(
            case_id=case.pk,
            reviewer=self.request.user,
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema("claim", "Take this case", "Taking a case one already holds changes nothing.")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class ReleaseCaseApi(_CaseActionApi):
    def act(self, *, case, data):
        services.case_release(
            case_id=case.pk,
            actor=self.request.user,
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "release", "Put the case back in the queue", "By its holder, or by a team lead."
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class AssignCaseApi(_CaseActionApi):
    serializer_class = AssignSerializer

    def act(self, *, case, data):
        services.case_assign(
            case_id=case.pk,
            reviewer=data["reviewer"],
            actor=self.request.user,
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "assign",
        "Give the case to a reviewer",
        "Senior reviewers and compliance officers only; the reviewer must not have entered "
        "or corrected the customer's data (`four_eyes_own_entry`).",
        request=AssignSerializer,
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class ApproveCaseApi(_CaseActionApi):
    def act(self, *, case, data):
        workflow.case_approve(
            case_id=case.pk,
            actor=self.request.user,
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "approve",
        "Approve the case",
        "Every document must be accepted or rejected first (`documents_undecided`). A "
        "high-risk case needs two approvals by different people, the second by a senior "
        "reviewer or compliance officer: after the first the case stays in review, "
        "unassigned, with the approval listed. The last approval registers the customer.",
        examples=[
            OpenApiExample(
                "Approve what I saw", request_only=True, value={"expected_state": "document_review"}
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RejectCaseApi(_CaseActionApi):
    serializer_class = RejectSerializer

    def act(self, *, case, data):
        workflow.case_reject(
            case_id=case.pk,
            actor=self.request.user,
            reason=data["reason"],
            note=data.get("note", ""),
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "reject",
        "Reject the case",
        "With a reason code; a note is required for `other`. The customer is told.",
        request=RejectSerializer,
        examples=[
            OpenApiExample(
                "Data mismatch",
                request_only=True,
                value={
                    "reason": "data_mismatch",
                    "note": "Birth date on the card differs.",
                    "expected_state": "document_review",
                },
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RequestInformationApi(_CaseActionApi):
    serializer_class = RequestInformationSerializer

    def act(self, *, case, data):
        workflow.case_request_information(
            case_id=case.pk,
            actor=self.request.user,
            message=data["message"],
            document_kinds=data.get("document_kinds"),
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "request_information",
        "Ask the customer for more information",
        "The case goes back to the customer with the message (sent to them) and the "
        "documents to upload; it returns to review when they answer.",
        request=RequestInformationSerializer,
        examples=[
            OpenApiExample(
                "Blurred photo",
                request_only=True,
                value={
                    "message": "The photo of the back of your ID card is blurred.",
                    "document_kinds": ["id_card_back"],
                },
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SendToCheckApi(_CaseActionApi):
    serializer_class = SendToCheckSerializer

    def act(self, *, case, data):
        workflow.case_send_to_check(
            case_id=case.pk,
            actor=self.request.user,
            check=data["check"],
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "send_to_check",
        "Send the case on to the biometric or background check",
        "Every document must be decided first (`conditions_not_met`).",
        request=SendToCheckSerializer,
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class EscalateCaseApi(_CaseActionApi):
    serializer_class = EscalateSerializer

    def act(self, *, case, data):
        services.case_escalate(
            case_id=case.pk,
            actor=self.request.user,
            note=data["note"],
            request=self.request,
            expected_state=data.get("expected_state"),
        )

    @_action_schema(
        "escalate",
        "Hand the case to the senior reviewers",
        "With a note saying why; the case goes back to the queue for senior reviewers and "
        "compliance officers only.",
        request=EscalateSerializer,
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class DocumentDecisionApi(ReviewApiView):
    @extend_schema(
        operation_id="review_document_decide",
        tags=["review"],
        summary="Accept or reject one document",
        description="Rejecting needs a reason code; `other` needs a note too.",
        request=DocumentDecisionSerializer,
        responses={
            200: ReviewDocumentSerializer,
            400: error_response(
                "No reason, or no note for `other`.",
                error_example(
                    "No reason",
                    "reason_required",
                    "Choose why the document is rejected.",
                    status_codes=[400],
                ),
            ),
            401: UNAUTHENTICATED,
            403: error_response("The role may not decide, or the case is escalated."),
            404: DOCUMENT_NOT_FOUND,
            409: CONFLICT,
        },
        examples=[
            OpenApiExample(
                "Reject",
                request_only=True,
                value={"accepted": False, "reason": "unreadable", "note": ""},
            )
        ],
    )
    def post(self, request, document_id, *args, **kwargs):
        document = document_get(user=request.user, document_id=document_id)
        if document is None:
            raise DocumentNotFoundError()
        data = self.validated(DocumentDecisionSerializer, request.data)
        document = services.document_decide(
            document_id=document.pk,
            actor=request.user,
            accepted=data["accepted"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            request=request,
        )
        return Response(ReviewDocumentSerializer(document).data)


# --- checks ----------------------------------------------------------------------------------

CHECK_NOT_FOUND = error_response(
    "No such check, or one of a case this login may not see (the same answer for both).",
    error_example(
        "No such check",
        "check_not_found",
        str(CheckNotFoundError.default_detail),
        status_codes=[404],
    ),
)
CHECK_CONFLICT = error_response(
    "The check is still queued or running, it was run again meanwhile, the case is closed or "
    "another reviewer holds it; nothing was done.",
    error_example(
        "Still running", "check_running", "This check is still running.", status_codes=[409]
    ),
    error_example(
        "Replaced",
        "check_superseded",
        "This check has been run again meanwhile: the screen now shows the new run.",
        status_codes=[409],
    ),
    error_example(
        "Case closed",
        "case_closed",
        "This case is closed: its checks can no longer change.",
        status_codes=[409],
    ),
)
CHECK_FORBIDDEN = error_response(
    "The role may not act on cases, or the case is escalated to the senior reviewers.",
    error_example(
        "Wrong role",
        "permission_denied",
        "Your role does not allow this action on a case.",
        status_codes=[403],
    ),
)


class _CheckActionApi(ReviewApiView):
    """POST to one action on a check of a case this login may see."""

    def visible_check(self, check_id):
        check = check_get(user=self.request.user, check_id=check_id)
        if check is None:
            raise CheckNotFoundError()
        if check.superseded:
            raise ConflictError(
                _("This check has been run again meanwhile: the screen now shows the new run."),
                code="check_superseded",
            )
        return check

    def check_response(self, check, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(CheckSerializer(check_shown(check=check)).data, status=status_code)


class CheckRerunApi(_CheckActionApi):
    @extend_schema(
        operation_id="review_check_rerun",
        tags=["review"],
        summary="Run a check again",
        description=(
            "A new run of the same check, queued at once; the earlier run stays in the "
            "history (audited). Not while the check is still queued or running "
            "(`check_running`); a check waiting for a vendor's answer may be run again."
        ),
        request=None,
        responses={
            201: CheckSerializer,
            401: UNAUTHENTICATED,
            403: CHECK_FORBIDDEN,
            404: CHECK_NOT_FOUND,
            409: CHECK_CONFLICT,
        },
    )
    def post(self, request, check_id, *args, **kwargs):
        check = self.visible_check(check_id)
        fresh = check_rerun(check_id=check.pk, actor=request.user, request=request)
        return self.check_response(fresh, status_code=status.HTTP_201_CREATED)


class CheckOverrideApi(_CheckActionApi):
    @extend_schema(
        operation_id="review_check_override",
        tags=["review"],
        summary="Decide a check yourself",
        description=(
            "The reviewer's outcome (`pass` or `fail`) replaces the provider's as the one "
            "that counts (`final_outcome`); the provider's stays in `outcome`. The reason is "
            "required, kept with the check, shown to other reviewers and audited."
        ),
        request=CheckOverrideSerializer,
        responses={
            200: CheckSerializer,
            400: error_response(
                "No outcome, or no reason.",
                error_example(
                    "No reason",
                    "reason_required",
                    "Give the reason for deciding this check yourself.",
                    status_codes=[400],
                ),
                error_example(
                    "No outcome",
                    "outcome_required",
                    "Choose whether the check passed or failed.",
                    status_codes=[400],
                ),
            ),
            401: UNAUTHENTICATED,
            403: CHECK_FORBIDDEN,
            404: CHECK_NOT_FOUND,
            409: CHECK_CONFLICT,
        },
        examples=[
            OpenApiExample(
                "A namesake",
                request_only=True,
                value={"outcome": "pass", "reason": "Namesake: born 1962, the customer in 1990."},
            ),
            OpenApiExample("Decided", response_only=True, value=CHECK_EXAMPLE),
        ],
    )
    def post(self, request, check_id, *args, **kwargs):
        check = self.visible_check(check_id)
        data = self.validated(CheckOverrideSerializer, request.data)
        check = check_override(
            check_id=check.pk,
            actor=request.user,
            outcome=data.get("outcome", ""),
            reason=data.get("reason", ""),
            request=request,
        )
        return self.check_response(check)


# --- the customer's side ----------------------------------------------------------------------


def _followed_cases(user):
    """Cases the customer (their own) or store staff (their store's) follow, newest first."""
    cases = Case.objects.prefetch_related("documents", "information_requests")
    return case_scope_to_user(cases, user).order_by("-created_at")


class CustomerSideApiView(VerificationApiView):
    """The customer, or store staff for their store's customers: the same actions."""

    def followed_case_response(self, case_id) -> Response:
        case = _followed_cases(self.request.user).filter(pk=case_id).first()
        if case is None:
            raise CaseNotFoundError()
        return Response(CustomerCaseSerializer(case).data)

    def upload(self, *, case: Case) -> Response:
        data = self.validated(DocumentUploadSerializer, self.request.data)
        document = document_upload(
            customer=case.customer,
            kind=data["kind"],
            uploaded_file=data["file"],
            actor=self.request.user,
            request=self.request,
            case=case,
            expiry_date=data.get("expiry_date"),
        )
        return Response(UploadedDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    def provide_information(self, case_id) -> Response:
        case = self.visible_case(case_id)
        # Said plainly to the customer; the workflow refuses it anyway.
        if case.state != CaseState.NEEDS_MORE_INFORMATION:
            raise ConflictError(
                _("This application is not waiting for information from you."),
                code="not_awaiting_information",
            )
        workflow.case_provide_information(
            case_id=case.pk, actor=self.request.user, request=self.request
        )
        return self.followed_case_response(case.pk)


class CustomerApiView(CustomerSideApiView):
    permission_classes = [IsAuthenticated, NoStaffToken, IsCustomer]


class StoreApiView(CustomerSideApiView):
    allowed_roles = frozenset({Role.STORE_STAFF})


_CUSTOMER_ERRORS = {401: UNAUTHENTICATED, 403: STAFF_FORBIDDEN}
_STORE_ERRORS = {401: UNAUTHENTICATED, 403: ROLE_FORBIDDEN, 404: CASE_NOT_FOUND}
_PROVIDE_DESCRIPTION = (
    "Tells the reviewer that what they asked for is done (upload the documents first): "
    "the case goes back to review with a new deadline."
)
_PROVIDE_CONFLICT = error_response(
    "The case is not waiting for information.",
    error_example(
        "Not waiting",
        "not_awaiting_information",
        "This application is not waiting for information from you.",
        status_codes=[409],
    ),
)
_UPLOAD_REQUEST = {"multipart/form-data": DocumentUploadSerializer}
_UPLOAD_DESCRIPTION = (
    "multipart/form-data with `kind`, `file` and optionally `expiry_date`. Accepted while "
    "the case is collecting, waiting for confirmation, in document review or waiting for "
    "more information. The file is checked and re-encoded before it is stored; a refused "
    "file leaves nothing behind."
)


class MyCasesApi(CustomerApiView):
    @extend_schema(
        operation_id="my_cases_list",
        tags=["application"],
        summary="My cases and their documents",
        description=(
            "Newest first: the state with its label and what happens next, the reviewer's "
            "open request for information (message and documents asked for) and each "
            "document's status with the reason when it was rejected."
        ),
        responses={200: CustomerCaseListSerializer, **_CUSTOMER_ERRORS},
        examples=[
            OpenApiExample(
                "Waiting for a new photo",
                response_only=True,
                value={"results": [CUSTOMER_CASE_EXAMPLE]},
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return Response(CustomerCaseListSerializer({"results": _followed_cases(request.user)}).data)


class MyDocumentsApi(CustomerApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="my_document_upload",
        tags=["application"],
        summary="Upload a document to my current application",
        description=_UPLOAD_DESCRIPTION,
        request=_UPLOAD_REQUEST,
        responses={
            201: UploadedDocumentSerializer,
            400: UPLOAD_ERRORS,
            **_CUSTOMER_ERRORS,
            404: NO_APPLICATION,
            409: DOCUMENTS_CLOSED,
            415: error_response("The body is not multipart/form-data."),
        },
    )
    def post(self, request, *args, **kwargs):
        application = customer_application_status(user=request.user)
        if application is None or application.case is None:
            raise NoApplicationError()
        return self.upload(case=application.case)


class MyCaseProvideInformationApi(CustomerApiView):
    @extend_schema(
        operation_id="my_case_provide_information",
        tags=["application"],
        summary="Tell the reviewer I have answered",
        description=_PROVIDE_DESCRIPTION,
        request=None,
        responses={
            200: CustomerCaseSerializer,
            **_CUSTOMER_ERRORS,
            404: CASE_NOT_FOUND,
            409: _PROVIDE_CONFLICT,
        },
    )
    def post(self, request, case_id, *args, **kwargs):
        return self.provide_information(case_id)


class StoreCaseApi(StoreApiView):
    @extend_schema(
        operation_id="store_case_read",
        tags=["store"],
        summary="A case of my store's customer",
        responses={200: CustomerCaseSerializer, **_STORE_ERRORS},
    )
    def get(self, request, case_id, *args, **kwargs):
        return self.followed_case_response(case_id)


class StoreCaseDocumentsApi(StoreApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="store_case_document_upload",
        tags=["store"],
        summary="Upload a document for my store's customer",
        description=_UPLOAD_DESCRIPTION,
        request=_UPLOAD_REQUEST,
        responses={
            201: UploadedDocumentSerializer,
            400: UPLOAD_ERRORS,
            **_STORE_ERRORS,
            409: DOCUMENTS_CLOSED,
            415: error_response("The body is not multipart/form-data."),
        },
    )
    def post(self, request, case_id, *args, **kwargs):
        return self.upload(case=self.visible_case(case_id))


class StoreCaseProvideInformationApi(StoreApiView):
    @extend_schema(
        operation_id="store_case_provide_information",
        tags=["store"],
        summary="Tell the reviewer the customer has answered",
        description=_PROVIDE_DESCRIPTION,
        request=None,
        responses={200: CustomerCaseSerializer, **_STORE_ERRORS, 409: _PROVIDE_CONFLICT},
    )
    def post(self, request, case_id, *args, **kwargs):
        return self.provide_information(case_id)
