"""What the queue page and the case screen both show: deadlines as countdowns, and a
case as one row of a list (masked name, second-approval state)."""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.enums import CustomerKind
from kyc_portal.accounts.roles import Role
from kyc_portal.crypto.masking import mask_name
from verification.models import Case, CaseApproval
from verification.models.case import REVIEWER_ROLES

# Who reaches the review pages. Senior reviewers are reviewers (roles.ROLE_INCLUDES).
REVIEW_PAGE_ROLES: tuple[Role, ...] = REVIEWER_ROLES

# Less time than this left: the countdown is highlighted.
DEADLINE_SOON = datetime.timedelta(hours=1)


def countdown_formats() -> dict[str, str]:
    """The countdown's wording, for the server and for static/js/review.js alike."""
    return {
        "due": _("due in %(time)s"),
        "overdue": _("overdue by %(time)s"),
        "days": _("%(days)d d %(hours)d h"),
        "hours": _("%(hours)d h %(minutes)d min"),
        "minutes": _("%(minutes)d min"),
    }


def _duration_text(seconds: int, formats: dict[str, str]) -> str:
    minutes_total = max(seconds // 60, 1)
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return formats["days"] % {"days": days, "hours": hours}
    if hours:
        return formats["hours"] % {"hours": hours, "minutes": minutes}
    return formats["minutes"] % {"minutes": minutes}


@dataclass(frozen=True)
class Deadline:
    due_at: datetime.datetime | None
    text: str
    overdue: bool
    soon: bool

    @property
    def css_modifier(self) -> str:
        if self.overdue:
            return "overdue"
        return "soon" if self.soon else "ok"


def deadline_for(due_at: datetime.datetime | None, *, now: datetime.datetime) -> Deadline:
    """ "due in 3 h 20 min" or "overdue by 40 min" (wall-clock time left)."""
    if due_at is None:
        return Deadline(due_at=None, text=_("no deadline"), overdue=False, soon=False)
    formats = countdown_formats()
    seconds = int((due_at - now).total_seconds())
    if seconds < 0:
        text = formats["overdue"] % {"time": _duration_text(-seconds, formats)}
        return Deadline(due_at=due_at, text=text, overdue=True, soon=False)
    text = formats["due"] % {"time": _duration_text(seconds, formats)}
    return Deadline(
        due_at=due_at, text=text, overdue=False, soon=seconds < DEADLINE_SOON.total_seconds()
    )


def customer_display_name(case: Case) -> str:
    """The name a list shows: a person's masked, an enterprise's legal name as registered."""
    customer = case.customer
    if case.customer_kind == CustomerKind.ENTERPRISE:
        return customer.enterprise.legal_name
    return mask_name(customer.individual.full_name)


@dataclass(frozen=True)
class CaseRow:
    case: Case
    name: str
    deadline: Deadline
    approvals: int

    @property
    def waiting_for_second_approval(self) -> bool:
        return 0 < self.approvals < self.case.approvals_needed()


def _approval_counts(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not case_ids:
        return {}
    counts = (
        CaseApproval.objects.filter(case_id__in=case_ids)
        .values_list("case_id")
        .annotate(count=Count("pk"))
    )
    return dict(counts)


def case_rows(*case_lists: list[Case]) -> list[list[CaseRow]]:
    """Rows for each list of cases, with one query for all their approvals."""
    now = timezone.now()
    counts = _approval_counts([case.pk for cases in case_lists for case in cases])
    return [
        [
            CaseRow(
                case=case,
                name=customer_display_name(case),
                deadline=deadline_for(case.sla_due_at, now=now),
                approvals=counts.get(case.pk, 0),
            )
            for case in cases
        ]
        for cases in case_lists
    ]
