"""Reads about customers, always scoped to who is asking."""

import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.accounts.selectors import scope_to_user
from verification.enums import CaseState
from verification.models import Case

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
