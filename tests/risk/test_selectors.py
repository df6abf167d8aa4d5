"""Re-check dates and finding a case's assessment."""

import copy
import datetime

import pytest

from risk.enums import RiskLevel
from risk.rules import DEFAULT_RULES
from risk.selectors import case_risk_assessment, months_add, recheck_due_on
from risk.services import risk_policy_create
from tests.factories.customers import register_individual

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("level", "due"),
    [
        (RiskLevel.LOW, datetime.date(2029, 3, 14)),
        (RiskLevel.MEDIUM, datetime.date(2028, 3, 14)),
        (RiskLevel.HIGH, datetime.date(2027, 3, 14)),
    ],
)
def test_the_recheck_interval_follows_the_risk_level(level, due):
    assert recheck_due_on(risk_level=level, registered_on=datetime.date(2026, 3, 14)) == due


def test_a_customer_registered_on_29_february_is_rechecked_on_28_february():
    registered = datetime.date(2024, 2, 29)

    assert recheck_due_on(risk_level=RiskLevel.HIGH, registered_on=registered) == datetime.date(
        2025, 2, 28
    )
    assert recheck_due_on(risk_level=RiskLevel.LOW, registered_on=registered) == datetime.date(
        2027, 2, 28
    )


def test_the_recheck_interval_comes_from_the_policy_in_force():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["recheck_months"] = {"low": 12, "medium": 6, "high": 1}
    risk_policy_create(rules=rules)

    assert recheck_due_on(
        risk_level=RiskLevel.HIGH, registered_on=datetime.date(2026, 1, 31)
    ) == datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 4, 30)),
        (datetime.date(2026, 12, 31), 1, datetime.date(2027, 1, 31)),
        (datetime.date(2026, 11, 15), 14, datetime.date(2028, 1, 15)),
        (datetime.date(2026, 5, 31), 36, datetime.date(2029, 5, 31)),
    ],
)
def test_months_are_calendar_months(day, months, expected):
    assert months_add(day, months) == expected


def test_the_newest_assessment_is_the_one_that_counts(assess):
    customer = register_individual()
    first = assess(customer)
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["thresholds"] = {"medium": 1, "high": 2}
    risk_policy_create(rules=rules)
    second = assess(customer)

    found = case_risk_assessment(case=customer.cases.get())

    assert found == second != first
    assert found.level == RiskLevel.HIGH
