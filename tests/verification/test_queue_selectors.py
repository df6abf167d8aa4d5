"""The review queue's reads: which cases a reviewer may take, in which order, page by page."""

import datetime

import pytest
from django.utils import timezone

from kyc_portal.accounts.roles import Role
from kyc_portal.core.errors import DomainError
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from verification import workflow
from verification.enums import CaseState
from verification.models import Case
from verification.selectors import (
    QueueCursor,
    QueueFilters,
    review_queue_cases,
    review_queue_page,
    reviewer_cases,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


def set_due(case: Case, due_at: datetime.datetime) -> Case:
    Case.objects.filter(pk=case.pk).update(sla_due_at=due_at)
    case.refresh_from_db()
    return case


def test_pages_cover_every_case_once_in_deadline_order_even_with_equal_deadlines(reviewer):
    start = timezone.now()
    same = start + datetime.timedelta(hours=3)
    cases = [set_due(case_in_review(), same) for _ in range(3)]
    cases += [set_due(case_in_review(), start + datetime.timedelta(hours=h)) for h in (1, 5)]
    expected = [case.pk for case in sorted(cases, key=lambda case: (case.sla_due_at, case.pk))]

    seen, after = [], None
    while True:
        page = review_queue_page(reviewer=reviewer, after=after, size=2)
        seen += [case.pk for case in page.cases]
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert seen == expected


def test_a_cursor_survives_its_round_trip_through_a_link():
    cursor = QueueCursor(
        due_at=timezone.now().replace(microsecond=123456),
        case_id=Case._meta.pk.default(),
    )

    assert QueueCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("text", ["", "abc", "!!!", "MjAyNi0xMS0yNXxub3QtYS11dWlk"])
def test_a_damaged_cursor_is_a_domain_error(text):
    with pytest.raises(DomainError) as caught:
        QueueCursor.decode(text)

    assert caught.value.code == "bad_cursor"


def test_the_queue_leaves_out_cases_that_are_held_or_not_in_review(reviewer):
    waiting = case_in_review()
    held = case_in_review()
    Case.objects.filter(pk=held.pk).update(assigned_to=UserFactory(role=Role.REVIEWER))
    sent_back = case_in_review()
    workflow.case_request_information(
        case_id=sent_back.pk, actor=UserFactory(role=Role.REVIEWER), message="请补充材料"
    )

    assert list(review_queue_cases(reviewer=reviewer)) == [waiting]


def test_four_eyes_keeps_own_entries_and_own_approvals_out_of_a_reviewers_queue(reviewer):
    edited = case_in_review()
    edited.editors.add(reviewer)
    approved = case_in_review(risk_level=RiskLevel.HIGH)
    workflow.case_approve(case_id=approved.pk, actor=reviewer)
    other = UserFactory(role=Role.SENIOR_REVIEWER)

    assert list(review_queue_cases(reviewer=reviewer)) == []
    assert set(review_queue_cases(reviewer=other)) == {edited, approved}


def test_escalated_cases_are_for_senior_reviewers_and_compliance_only(reviewer):
    case = case_in_review()
    Case.objects.filter(pk=case.pk).update(escalated=True)

    assert list(review_queue_cases(reviewer=reviewer)) == []
    for role in (Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER):
        assert list(review_queue_cases(reviewer=UserFactory(role=role))) == [case]


def test_filters_combine(reviewer):
    high = case_in_review(risk_level=RiskLevel.HIGH, enterprise=True)
    case_in_review(risk_level=RiskLevel.HIGH)
    case_in_review(enterprise=True)

    filters = QueueFilters(risk_level=RiskLevel.HIGH, customer_kind="enterprise")

    assert list(review_queue_cases(reviewer=reviewer, filters=filters)) == [high]


def test_reviewer_cases_are_the_cases_held_in_review_soonest_deadline_first(reviewer):
    now = timezone.now()
    later = set_due(case_in_review(), now + datetime.timedelta(hours=8))
    sooner = set_due(case_in_review(), now + datetime.timedelta(hours=1))
    closed = case_in_review()
    for case in (later, sooner, closed):
        Case.objects.filter(pk=case.pk).update(assigned_to=reviewer)
    workflow.case_reject(case_id=closed.pk, actor=reviewer, reason="data_mismatch")

    assert list(reviewer_cases(reviewer=reviewer)) == [sooner, later]
    assert Case.objects.get(pk=closed.pk).state == CaseState.REJECTED
