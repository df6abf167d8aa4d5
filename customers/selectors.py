"""Reads about customers, always scoped to who is asking."""

import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.accounts.selectors import scope_to_user
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
