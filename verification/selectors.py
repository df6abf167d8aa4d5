"""Reads about cases and documents, always scoped to who is asking."""

import base64
import binascii
import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils.translation import gettext as _

from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.accounts.selectors import scope_to_user
from kyc_portal.core.errors import DomainError
from verification.enums import REVIEW_STATES
from verification.models import Case, Document
from verification.models.case import SECOND_APPROVER_ROLES

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


# -- cases -------------------------------------------------------------------------------


def case_scope_to_user(queryset: QuerySet[Case], user) -> QuerySet[Case]:
    """Cases ``user`` may see: reviewers and compliance all, store staff their store's, a
    customer their own, anyone else (administrators included) none."""
    return scope_to_user(
        queryset,
        user,
        customer_path="customer__user",
        store_path="store",
        unscoped_roles=DOCUMENT_REVIEW_ROLES,
    )


def case_get(*, user, case_id: uuid.UUID) -> Case | None:
    """The case, or None when it does not exist or ``user`` may not see it (callers answer
    both with the same 404)."""
    cases = Case.objects.select_related(
        "customer", "customer__individual", "customer__enterprise", "assigned_to", "store"
    )
    return case_scope_to_user(cases, user).filter(pk=case_id).first()


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer narrows the queue to; empty values mean "any"."""

    channel: str = ""
    customer_kind: str = ""
    risk_level: str = ""
    store_id: int | None = None


ANY = QueueFilters()


@dataclass(frozen=True)
class QueueCursor:
    """Where the next page starts: after this (deadline, id) in queue order."""

    due_at: datetime.datetime
    case_id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.due_at.isoformat()}|{self.case_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "QueueCursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            due_text, id_text = raw.split("|")
            return cls(due_at=datetime.datetime.fromisoformat(due_text), case_id=uuid.UUID(id_text))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise DomainError(
                _("This page link is damaged. Go back to the first page of the queue."),
                code="bad_cursor",
            ) from None


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    next_cursor: QueueCursor | None


def review_queue_cases(*, reviewer, filters: QueueFilters = ANY) -> QuerySet[Case]:
    """Unclaimed cases in review that ``reviewer`` may take, soonest deadline first.

    Left out: cases the reviewer entered or corrected, cases they already approved (four
    eyes), and escalated cases unless they are a senior reviewer or compliance officer.
    Ordered to match the partial index ``case_queue_open``.
    """
    cases = Case.objects.filter(state__in=REVIEW_STATES, assigned_to__isnull=True)
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.customer_kind:
        cases = cases.filter(customer_kind=filters.customer_kind)
    if filters.risk_level:
        cases = cases.filter(risk_level=filters.risk_level)
    if filters.store_id:
        cases = cases.filter(store_id=filters.store_id)
    if not user_has_role(reviewer, *SECOND_APPROVER_ROLES):
        cases = cases.filter(escalated=False)
    cases = cases.exclude(editors=reviewer).exclude(approvals__approver=reviewer)
    cases = cases.exclude(customer__entered_by=reviewer)
    return cases.order_by("sla_due_at", "id")


def review_queue_page(
    *,
    reviewer,
    filters: QueueFilters = ANY,
    after: QueueCursor | None = None,
    size: int = 50,
) -> QueuePage:
    """One page of the queue, read by keyset (no OFFSET, no COUNT)."""
    cases = review_queue_cases(reviewer=reviewer, filters=filters)
    if after is not None:
        # A row comparison, which PostgreSQL uses as an index bound: an OR of the two
        # conditions would read the index from the start on every page.
        cases = cases.filter(
            TupleGreaterThan(Tuple(F("sla_due_at"), F("id")), (after.due_at, after.case_id))
        )
    rows = list(
        cases.select_related("customer__individual", "customer__enterprise", "store")[: size + 1]
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = QueueCursor(due_at=last.sla_due_at, case_id=last.pk)
    return QueuePage(cases=rows, next_cursor=next_cursor)


def reviewer_cases(*, reviewer) -> QuerySet[Case]:
    """The cases ``reviewer`` holds now, soonest deadline first."""
    return (
        Case.objects.filter(assigned_to=reviewer, state__in=REVIEW_STATES)
        .select_related("customer__individual", "customer__enterprise", "store")
        .order_by("sla_due_at", "id")
    )
