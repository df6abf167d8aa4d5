"""Reads about cases and documents, always scoped to who is asking."""

import uuid
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.selectors import scope_to_user
from verification.models import Document

# Roles that look at every customer's documents. Administrators manage users and policies
# and do not need identity documents for that, so they are not among them.
DOCUMENT_REVIEW_ROLES = frozenset({Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER})


def document_scope_to_user(queryset: QuerySet[Document], user) -> QuerySet[Document]:
    """The documents of ``queryset`` that ``user`` may see.

    Reviewers, senior reviewers and compliance officers: all. Store staff: those of their
    store's customers. A customer: their own. Anyone else (administrators included): none.
    """
    return scope_to_user(
        queryset,
        user,
        customer_path="customer__user",
        store_path="customer__store",
        unscoped_roles=DOCUMENT_REVIEW_ROLES,
    )


def document_list(*, user, customer=None, case=None) -> QuerySet[Document]:
    """Documents ``user`` may see, newest first, optionally of one customer or case."""
    documents = Document.objects.select_related("customer")
    if customer is not None:
        documents = documents.filter(customer=customer)
    if case is not None:
        documents = documents.filter(case=case)
    return document_scope_to_user(documents, user)


def document_get(*, user, document_id: uuid.UUID) -> Document | None:
    """The document, or None when it does not exist or ``user`` may not see it.

    Callers answer both cases with the same 404, so nobody learns that an id exists.
    """
    return document_list(user=user).filter(pk=document_id).first()


@dataclass(frozen=True)
class DocumentUsage:
    count: int
    byte_size: int


def customer_document_usage(*, customer) -> DocumentUsage:
    """How many documents the customer has and how many bytes they take (for the quota)."""
    totals = Document.objects.filter(customer=customer).aggregate(
        count=Count("pk"), byte_size=Sum("byte_size")
    )
    return DocumentUsage(count=totals["count"], byte_size=totals["byte_size"] or 0)
