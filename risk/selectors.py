"""Reads: the policy in force, a case's assessment, re-check dates."""

import calendar
import datetime

from verification.models import Case

from .models import RiskAssessment, RiskPolicy
from .rules import DEFAULT_RULES


def risk_policy_current() -> RiskPolicy:
    """The policy in force: the newest version (version 1 is made by a migration)."""
    policy = RiskPolicy.objects.order_by("-version").first()
    if policy is None:
        # A test database flush empties the table the migration filled.
        policy, _created = RiskPolicy.objects.get_or_create(
            version=1, defaults={"rules": DEFAULT_RULES}
        )
    return policy


def case_risk_assessment(*, case: Case) -> RiskAssessment | None:
    """The case's newest assessment, with its policy, or None if it was never scored."""
    return (
        RiskAssessment.objects.filter(case=case)
        .select_related("policy")
        .order_by("-created_at", "-pk")
        .first()
    )


def months_add(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def recheck_due_on(*, risk_level: str, registered_on: datetime.date) -> datetime.date:
    """When a customer registered on ``registered_on`` at ``risk_level`` is re-checked."""
    months = risk_policy_current().rules["recheck_months"][risk_level]
    return months_add(registered_on, months)
