"""Reads about customers, always scoped to who is asking."""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.accounts.selectors import scope_to_user
from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.selectors import audit_entries_for
from verification.enums import DOCUMENT_UPLOAD_STATES, CaseState, DocumentRejectionReason
from verification.fast_track import CARD_IMAGES, IDENTITY_IMAGES
from verification.models import Case, Document, DocumentKind, DocumentStatus, InformationRequest
from verification.selectors import document_list

from .enums import CustomerKind
from .models import Consent, ConsentPurpose, Customer


def _with_profile(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.select_related(
        "individual", "enterprise", "enterprise__legal_representative", "store", "entered_by"
    )


def _latest_case(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    latest = Case.objects.filter(customer=OuterRef("pk")).order_by("-created_at")
    return customers.annotate(latest_case_state=Subquery(latest.values("state")[:1]))


# What happens next, in the customer's words, for each state of their case.
NEXT_STEP = {
    CaseState.COLLECTING: _("We are still collecting your details."),
    CaseState.AWAITING_CONFIRMATION: _(
        "We are sending you a summary of your details by e-mail or SMS. Open the link in it "
        "(or enter its 6-digit code) to confirm them or correct them; we can check your "
        "identity only after that."
    ),
    CaseState.DOCUMENT_REVIEW: _(
        "A reviewer is checking your details and documents. You get a message as soon as "
        "they have decided."
    ),
    CaseState.BIOMETRIC_CHECK: _(
        "We need to compare your face with the photo on your identity document; we tell you "
        "how in a message."
    ),
    CaseState.BACKGROUND_CHECK: _(
        "We are making a few more checks. There is nothing to do for you."
    ),
    CaseState.NEEDS_MORE_INFORMATION: _(
        "The reviewer needs more information from you: the message we sent you says what."
    ),
    CaseState.APPROVED: _("Your identity is confirmed. Your customer number follows shortly."),
    CaseState.REGISTERED: _("You are registered as our customer."),
    CaseState.REJECTED: _(
        "We could not confirm your identity. The message we sent you explains why and what "
        "you can do."
    ),
    CaseState.WITHDRAWN: _("This application was withdrawn."),
    CaseState.EXPIRED: _(
        "You did not confirm your details in time. Apply again, or ask one of our stores for help."
    ),
    CaseState.RECHECK: _("It is time to check that your details are still up to date."),
}


def case_next_step(case: Case | None) -> str:
    """What the customer should expect or do next, for the web and the app alike."""
    return str(NEXT_STEP.get(case.state, "")) if case is not None else ""


@dataclass(frozen=True)
class ApplicationStatus:
    """What a customer sees of their own application."""

    customer: Customer
    case: Case | None
    consent: Consent | None
    beneficial_owners: list


def customer_application_status(
    *, user: User, case_id: uuid.UUID | None = None
) -> ApplicationStatus | None:
    """The customer's own application (their latest case, or ``case_id`` if it is theirs).

    None when ``user`` is not a customer with an application, or the case is not theirs:
    callers answer both with a 404, so nobody learns whether another customer's id exists.
    """
    if not user_has_role(user, Role.CUSTOMER):
        return None
    # By login, not by role scope: a customer has exactly one customer record.
    customer = _with_profile(Customer.objects.filter(user=user)).first()
    if customer is None:
        return None
    cases = customer.cases.order_by("-created_at")
    case = cases.filter(pk=case_id).first() if case_id is not None else cases.first()
    if case_id is not None and case is None:
        return None
    return ApplicationStatus(
        customer=customer,
        case=case,
        consent=_identity_consent(customer),
        beneficial_owners=_beneficial_owners(customer),
    )


def _identity_consent(customer: Customer) -> Consent | None:
    return (
        customer.consents.filter(purpose=ConsentPurpose.IDENTITY_PROCESSING)
        .order_by("-given_at")
        .first()
    )


def _beneficial_owners(customer: Customer) -> list:
    if customer.kind != CustomerKind.ENTERPRISE:
        return []
    return list(customer.enterprise.beneficial_owners.order_by("-share"))


def store_applications(*, actor: User) -> QuerySet[Customer]:
    """Applications taken in at ``actor``'s store, newest first (store staff only).

    Each row carries ``latest_case_state`` so the list needs one query.
    """
    if not user_has_role(actor, Role.STORE_STAFF):
        return Customer.objects.none()
    customers = Customer.objects.filter(store__isnull=False).select_related(
        "individual", "enterprise"
    )
    scoped = scope_to_user(customers, actor, customer_path=None, store_path="store")
    return _latest_case(scoped).order_by("-created_at")


def store_application_detail(*, actor: User, customer_id: uuid.UUID) -> ApplicationStatus | None:
    """One application of ``actor``'s store, or None (another store's, or none at all)."""
    if not user_has_role(actor, Role.STORE_STAFF):
        return None
    customers = scope_to_user(
        _with_profile(Customer.objects.filter(store__isnull=False)),
        actor,
        customer_path=None,
        store_path="store",
    )
    customer = customers.filter(pk=customer_id).first()
    if customer is None:
        return None
    return ApplicationStatus(
        customer=customer,
        case=customer.cases.order_by("-created_at").first(),
        consent=_identity_consent(customer),
        beneficial_owners=_beneficial_owners(customer),
    )


# -- documents and progress of the customer's case -----------------------------------------

# An enterprise's identity images show its legal representative: say so.
_REPRESENTATIVE_LABELS = {
    DocumentKind.ID_CARD_FRONT: _("Legal representative's ID card (front)"),
    DocumentKind.ID_CARD_BACK: _("Legal representative's ID card (back)"),
    DocumentKind.PASSPORT_PAGE: _("Legal representative's passport photo page"),
}


def case_accepts_documents(case: Case | None) -> bool:
    return case is not None and case.state in DOCUMENT_UPLOAD_STATES


def _identity_images(document_type: str) -> list[str]:
    """The images of an identity document, in the order a person photographs them.

    The same sets the fast track waits for, so the page asks for what the checks need.
    """
    kinds = IDENTITY_IMAGES.get(document_type, CARD_IMAGES)
    return sorted(kinds, key=DocumentKind.values.index)


def _required_documents(customer: Customer) -> dict[str, str]:
    """Kind → label of the documents ``customer`` must upload, in the order to show them."""
    if customer.kind == CustomerKind.ENTERPRISE:
        representative = customer.enterprise.legal_representative
        kinds = _identity_images(representative.document_type)
        return {
            DocumentKind.BUSINESS_LICENCE: str(DocumentKind.BUSINESS_LICENCE.label),
            **{kind: str(_REPRESENTATIVE_LABELS[kind]) for kind in kinds},
        }
    return {
        kind: str(DocumentKind(kind).label)
        for kind in _identity_images(customer.individual.document_type)
    }


@dataclass(frozen=True)
class UploadedDocument:
    document: Document
    label: str
    # The label of the reviewer's reason when they rejected it, else "".
    reason: str


@dataclass(frozen=True)
class DocumentNeed:
    """One document the case needs (or may have), and the newest upload of it."""

    kind: str
    label: str
    required: bool
    # The reviewer's open request asks for it (again).
    asked: bool
    latest: UploadedDocument | None
    # Uploaded after the reviewer asked for it (always False when not asked).
    answered: bool

    @property
    def usable(self) -> bool:
        """Uploaded and not rejected: nothing more to do for it now."""
        return self.latest is not None and (self.latest.document.status != DocumentStatus.REJECTED)


@dataclass(frozen=True)
class CaseDocuments:
    """What the customer's side sees of a case's documents and can do about them."""

    needs: list[DocumentNeed]
    uploaded: list[UploadedDocument]
    upload_kinds: list[tuple[str, str]]
    information_request: InformationRequest | None
    accepts_uploads: bool

    @property
    def missing(self) -> list[DocumentNeed]:
        """Required documents not uploaded yet, or rejected and not uploaded again."""
        return [need for need in self.needs if need.required and not need.usable]

    @property
    def asked(self) -> list[DocumentNeed]:
        return [need for need in self.needs if need.asked]


def _reason_label(document: Document) -> str:
    if document.status != DocumentStatus.REJECTED or not document.reason_code:
        return ""
    return str(dict(DocumentRejectionReason.choices).get(document.reason_code, ""))


def application_documents(*, status: ApplicationStatus, user: User) -> CaseDocuments | None:
    """The documents of the application's case as its customer (or their store) sees them:
    which are needed, what was uploaded and how the reviewer judged it, and, while the
    case needs more information, the reviewer's newest request. None without a case."""
    case = status.case
    if case is None:
        return None
    labels = _required_documents(status.customer)
    required = list(labels)
    information_request = None
    asked: list[str] = []
    if case.state == CaseState.NEEDS_MORE_INFORMATION:
        information_request = case.information_requests.order_by("-requested_at").first()
        if information_request is not None:
            asked = [
                kind for kind in information_request.document_kinds if kind in DocumentKind.values
            ]
    optional = [DocumentKind.SELFIE]
    for kind in (*asked, *optional):
        labels.setdefault(kind, str(DocumentKind(kind).label))

    documents = [
        UploadedDocument(
            document=document,
            label=labels.get(document.kind) or document.get_kind_display(),
            reason=_reason_label(document),
        )
        for document in document_list(user=user, case=case).order_by("-uploaded_at")
    ]
    needs = []
    for kind, label in labels.items():
        latest = next((row for row in documents if row.document.kind == kind), None)
        needs.append(
            DocumentNeed(
                kind=kind,
                label=label,
                required=kind in required or kind in asked,
                asked=kind in asked,
                latest=latest,
                answered=kind in asked
                and latest is not None
                and latest.document.uploaded_at >= information_request.requested_at,
            )
        )
    return CaseDocuments(
        needs=needs,
        uploaded=documents,
        upload_kinds=list(labels.items()),
        information_request=information_request,
        accepts_uploads=case_accepts_documents(case),
    )


def application_next_step(*, case: Case | None, documents: CaseDocuments | None) -> str:
    """``case_next_step`` told with what the page knows: documents still missing, and the
    automatic checks a fast-track candidate is waiting for."""
    if case is None:
        return ""
    if case.state == CaseState.NEEDS_MORE_INFORMATION:
        return str(
            _(
                "A reviewer needs more information: read the request below, add what it asks "
                "for, then send the application back."
            )
        )
    if case.state == CaseState.DOCUMENT_REVIEW:
        if documents is not None and documents.missing:
            return str(
                _(
                    "Some documents listed below are still missing: the check starts as soon "
                    "as they are uploaded."
                )
            )
        if case.is_fast_track():
            return str(
                _(
                    "Waiting for the automatic checks of your details and documents. This "
                    "usually takes a few minutes."
                )
            )
    return case_next_step(case)


@dataclass(frozen=True)
class StateChange:
    at: datetime.datetime
    source: str
    target: str


def case_state_changes(*, case: Case) -> list[StateChange]:
    """Every state the case entered, oldest first, read from the audit trail (the workflow
    records each transition there, with its time)."""
    entries = (
        audit_entries_for(target=case)
        .filter(action=AuditAction.CASE_TRANSITION)
        .order_by("seq")
        .values_list("timestamp", "details")
    )
    return [
        StateChange(at=at, source=details.get("from", ""), target=details.get("to", ""))
        for at, details in entries
    ]
