"""Review-time KPIs: how long reviewers take, and how often paths and channels keep their
deadline. Reads only (selectors).

Percentiles are computed in Python from the period's rows, so that SQLite and PostgreSQL
give the same figures; they interpolate between ranks, as PostgreSQL's ``percentile_cont``.
"""

import datetime
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from verification.enums import CaseState
from verification.models import Case, CaseAssignment, SlaBreach
from verification.models.review import ReviewOutcome

# A review stretch that ended with the reviewer deciding something about the case. Stretches
# released, reassigned or escalated are left out: handing a case on quickly is not a fast
# review.
DECISION_OUTCOMES = (
    ReviewOutcome.APPROVED,
    ReviewOutcome.FIRST_APPROVAL,
    ReviewOutcome.REJECTED,
    ReviewOutcome.INFORMATION_REQUESTED,
)
APPROVED_STATES = (CaseState.APPROVED, CaseState.REGISTERED)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` (0–1) percentile of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class ReviewerKpis:
    reviewer_id: uuid.UUID
    reviewer_name: str
    cases_decided: int
    median_seconds: float | None
    p90_seconds: float | None
    breaches: int  # deadlines missed while the reviewer held the case


def reviewer_kpis(*, start: datetime.datetime, end: datetime.datetime) -> list[ReviewerKpis]:
    """Per reviewer, decisions made from ``start`` (included) to ``end`` (excluded): cases
    decided, median and 90th percentile of review time, and deadlines missed while holding
    a case (by deadline). Most cases decided first."""
    seconds: dict[uuid.UUID, list[int]] = defaultdict(list)
    cases: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    decisions = CaseAssignment.objects.filter(
        outcome__in=DECISION_OUTCOMES,
        ended_at__gte=start,
        ended_at__lt=end,
        seconds__isnull=False,
    ).values_list("reviewer_id", "case_id", "seconds")
    for reviewer_id, case_id, spent in decisions.iterator():
        seconds[reviewer_id].append(spent)
        cases[reviewer_id].add(case_id)
    breaches: dict[uuid.UUID, int] = defaultdict(int)
    missed = SlaBreach.objects.filter(
        reviewer__isnull=False, due_at__gte=start, due_at__lt=end
    ).values_list("reviewer_id", flat=True)
    for reviewer_id in missed.iterator():
        breaches[reviewer_id] += 1
    reviewers = get_user_model().objects.in_bulk(set(seconds) | set(breaches))
    rows = [
        ReviewerKpis(
            reviewer_id=reviewer_id,
            reviewer_name=reviewer.display_name,
            cases_decided=len(cases[reviewer_id]),
            median_seconds=percentile(seconds[reviewer_id], 0.5),
            p90_seconds=percentile(seconds[reviewer_id], 0.9),
            breaches=breaches[reviewer_id],
        )
        for reviewer_id, reviewer in reviewers.items()
    ]
    rows.sort(key=lambda row: (-row.cases_decided, row.reviewer_name, str(row.reviewer_id)))
    return rows


@dataclass(frozen=True)
class RouteKpis:
    route: str
    channel: str
    cases_decided: int
    decided_within_sla: int
    median_seconds_to_decision: float | None  # from the customer's confirmation

    @property
    def share_within_sla(self) -> float | None:
        return self.decided_within_sla / self.cases_decided if self.cases_decided else None


def route_kpis(*, start: datetime.datetime, end: datetime.datetime) -> list[RouteKpis]:
    """Per review path and channel, cases approved or rejected from ``start`` (included) to
    ``end`` (excluded): how many, how many within their deadline, and the median time from
    the customer's confirmation to the decision.

    Within the deadline means no missed deadline was recorded for the case and it was
    decided by its last one (a case decided late before the watch ran has no record).
    """
    decided = (
        Case.objects.filter(
            Q(state__in=APPROVED_STATES, approved_at__gte=start, approved_at__lt=end)
            | Q(state=CaseState.REJECTED, closed_at__gte=start, closed_at__lt=end)
        )
        .annotate(breached=Exists(SlaBreach.objects.filter(case=OuterRef("pk"))))
        .values_list(
            "route", "channel", "state", "confirmed_at", "approved_at", "closed_at",
            "sla_due_at", "breached",
        )
    )  # fmt: skip
    counts: dict[tuple[str, str], int] = defaultdict(int)
    within: dict[tuple[str, str], int] = defaultdict(int)
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (
        route,
        channel,
        state,
        confirmed_at,
        approved_at,
        closed_at,
        due_at,
        breached,
    ) in decided.iterator():
        key = (route, channel)
        decided_at = approved_at if state in APPROVED_STATES else closed_at
        counts[key] += 1
        if not breached and due_at is not None and decided_at <= due_at:
            within[key] += 1
        if confirmed_at is not None:
            durations[key].append((decided_at - confirmed_at).total_seconds())
    return [
        RouteKpis(
            route=route,
            channel=channel,
            cases_decided=counts[(route, channel)],
            decided_within_sla=within[(route, channel)],
            median_seconds_to_decision=percentile(durations[(route, channel)], 0.5),
        )
        for route, channel in sorted(counts)
    ]
