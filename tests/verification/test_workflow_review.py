"""The review part of the case workflow: routing, four eyes, decisions, registration."""

import re

import pytest
from django.utils import timezone

from customers.models import Customer
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from kyc_portal.messaging.models import OutboxMessage
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.customers import register_individual
from tests.factories.verification import case_document, case_in_review
from verification.enums import CaseState, RejectionReason
from verification.models import Case, CaseAssignment, DocumentStatus, InformationRequest
from verification.services import case_claim, case_claim_next, case_escalate, document_decide
from verification.workflow import (
    ROUTE_FOR_RISK,
    case_approve,
    case_editor_add,
    case_open_recheck,
    case_provide_information,
    case_reject,
    case_request_information,
    case_transition,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def senior():
    return UserFactory(role=Role.SENIOR_REVIEWER)


def _accept_all(case, reviewer):
    for document in case.documents.all():
        document_decide(document_id=document.pk, actor=reviewer, accepted=True)


def test_a_confirmed_case_is_scored_routed_and_given_a_deadline(db):
    customer = register_individual()
    case = case_transition(case_id=customer.cases.get().pk, transition="confirm")
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.risk_assessments.count() == 1
    assert case.route == ROUTE_FOR_RISK[case.risk_assessments.get().level]
    assert case.sla_due_at is not None and case.sla_due_at > timezone.now()


def test_approval_registers_the_customer_with_a_number_and_a_recheck_date(reviewer, storage_dir):
    case = case_in_review(risk_level=RiskLevel.MEDIUM)
    case_document(case=case)
    with pytest.raises(ConflictError) as undecided:
        case_approve(case_id=case.pk, actor=reviewer)
    assert undecided.value.code == "documents_undecided"
    _accept_all(case, reviewer)

    case = case_approve(case_id=case.pk, actor=reviewer, expected_state=CaseState.DOCUMENT_REVIEW)

    assert case.state == CaseState.REGISTERED
    customer = Customer.objects.get(pk=case.customer_id)
    year = timezone.localdate().year
    assert re.fullmatch(rf"C{year}\d{{6}}", customer.customer_number)
    assert customer.registered_at is not None
    assert customer.next_recheck_on > timezone.localdate()
    assert customer.risk_level == RiskLevel.MEDIUM
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"case_notice.email", "case_notice.sms"} <= kinds
    transitions = AuditEntry.objects.filter(
        target_id=str(case.pk), action="case.transition"
    ).values_list("details__to", flat=True)
    assert {"approved", "registered"} <= set(transitions)


def test_customer_numbers_follow_each_other(reviewer):
    numbers = []
    for _ in range(2):
        case = case_in_review()
        case_approve(case_id=case.pk, actor=reviewer)
        numbers.append(Customer.objects.get(pk=case.customer_id).customer_number)
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1


def test_nobody_approves_a_case_whose_data_they_entered_or_corrected(reviewer):
    case = case_in_review()
    case_editor_add(case=case, user=reviewer)
    with pytest.raises(NotAllowedError) as refused:
        case_approve(case_id=case.pk, actor=reviewer)
    assert refused.value.code == "four_eyes_own_entry"
    assert Case.objects.get(pk=case.pk).state == CaseState.DOCUMENT_REVIEW


def test_a_high_risk_case_needs_two_approvers_the_second_senior(reviewer, senior):
    case = case_in_review(risk_level=RiskLevel.HIGH)

    case = case_approve(case_id=case.pk, actor=reviewer)
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.approvals.count() == 1

    with pytest.raises(NotAllowedError) as same:
        case_approve(case_id=case.pk, actor=reviewer)
    assert same.value.code == "four_eyes_same_reviewer"
    with pytest.raises(NotAllowedError) as junior:
        case_approve(case_id=case.pk, actor=UserFactory(role=Role.REVIEWER))
    assert junior.value.code == "four_eyes_senior_required"

    case = case_approve(case_id=case.pk, actor=senior)
    assert case.state == CaseState.REGISTERED


def test_the_model_refuses_approval_without_enough_approvals(reviewer):
    """Four eyes holds even for code that skips case_approve."""
    case = case_in_review(risk_level=RiskLevel.HIGH)
    with pytest.raises(ConflictError) as refused:
        case_transition(case_id=case.pk, transition="approve", actor=reviewer)
    assert refused.value.code == "conditions_not_met"
    assert Case.objects.get(pk=case.pk).state == CaseState.DOCUMENT_REVIEW


def test_a_transition_not_allowed_from_the_state_is_refused_and_changes_nothing(reviewer):
    case = register_individual().cases.get()
    with pytest.raises(ConflictError) as refused:
        case_approve(case_id=case.pk, actor=reviewer)
    assert refused.value.code == "transition_not_allowed"
    assert "Waiting for the customer" in refused.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_CONFIRMATION


def test_acting_on_a_case_someone_else_changed_is_a_conflict(reviewer):
    case = case_in_review()
    case_request_information(case_id=case.pk, actor=reviewer, message="请上传身份证背面")
    with pytest.raises(ConflictError) as stale:
        case_reject(
            case_id=case.pk,
            actor=UserFactory(role=Role.REVIEWER),
            reason=RejectionReason.DATA_MISMATCH,
            expected_state=CaseState.DOCUMENT_REVIEW,
        )
    assert stale.value.code == "case_changed"
    assert Case.objects.get(pk=case.pk).state == CaseState.NEEDS_MORE_INFORMATION


def test_a_case_held_by_a_reviewer_is_not_decided_by_another(reviewer):
    case = case_in_review()
    case_claim(case_id=case.pk, reviewer=reviewer)
    with pytest.raises(ConflictError) as held:
        case_approve(case_id=case.pk, actor=UserFactory(role=Role.REVIEWER))
    assert held.value.code == "case_held_by_other"


def test_rejection_needs_a_reason_and_tells_the_customer(reviewer):
    case = case_in_review()
    with pytest.raises(DomainError) as no_reason:
        case_reject(case_id=case.pk, actor=reviewer, reason="")
    assert no_reason.value.code == "reason_required"
    with pytest.raises(DomainError) as no_note:
        case_reject(case_id=case.pk, actor=reviewer, reason=RejectionReason.OTHER, note=" ")
    assert no_note.value.code == "note_required"

    case = case_reject(case_id=case.pk, actor=reviewer, reason=RejectionReason.FORGED_DOCUMENT)
    assert case.state == CaseState.REJECTED
    assert case.decision_reason == RejectionReason.FORGED_DOCUMENT
    assert OutboxMessage.objects.filter(kind="case_notice.email").exists()


def test_more_information_goes_to_the_customer_and_comes_back_with_a_new_deadline(reviewer):
    case = case_in_review()
    case_claim(case_id=case.pk, reviewer=reviewer)
    first_deadline = case.sla_due_at

    case = case_request_information(
        case_id=case.pk,
        actor=reviewer,
        message="请重新上传清晰的身份证正面照片",
        document_kinds=["id_card_front"],
    )
    assert case.state == CaseState.NEEDS_MORE_INFORMATION
    assert case.assigned_to is None
    assignment = CaseAssignment.objects.get(case=case)
    assert assignment.outcome == "information_requested" and assignment.seconds is not None

    customer_user = UserFactory(role=Role.CUSTOMER)
    Customer.objects.filter(pk=case.customer_id).update(user=customer_user)
    case = case_provide_information(case_id=case.pk, actor=customer_user)
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert InformationRequest.objects.get(case=case).answered_at is not None
    assert case.sla_due_at >= first_deadline


def test_another_customer_cannot_answer_for_a_case(reviewer):
    case = case_in_review()
    case_request_information(case_id=case.pk, actor=reviewer, message="请补充地址证明")
    with pytest.raises(NotAllowedError):
        case_provide_information(case_id=case.pk, actor=UserFactory(role=Role.CUSTOMER))


def test_an_escalated_case_is_decided_by_a_senior(reviewer, senior):
    case = case_in_review()
    case_escalate(case_id=case.pk, actor=reviewer, note="地址与证件签发地不一致,需要资深审核")
    with pytest.raises(NotAllowedError) as refused:
        case_approve(case_id=case.pk, actor=UserFactory(role=Role.REVIEWER))
    assert refused.value.code == "escalated"
    assert case_approve(case_id=case.pk, actor=senior).state == CaseState.REGISTERED


def test_rejected_documents_keep_their_reason(reviewer, storage_dir):
    case = case_in_review()
    document = case_document(case=case)
    with pytest.raises(DomainError):
        document_decide(document_id=document.pk, actor=reviewer, accepted=False)
    document = document_decide(
        document_id=document.pk, actor=reviewer, accepted=False, reason="unreadable"
    )
    assert document.status == DocumentStatus.REJECTED and document.reason_code == "unreadable"


def test_two_reviewers_taking_the_next_case_get_different_cases(reviewer):
    first, second = case_in_review(), case_in_review()
    other = UserFactory(role=Role.REVIEWER)
    taken = {case_claim_next(reviewer=reviewer).pk, case_claim_next(reviewer=other).pk}
    assert taken == {first.pk, second.pk}
    assert case_claim_next(reviewer=UserFactory(role=Role.REVIEWER)) is None


def test_a_periodic_recheck_opens_for_a_registered_customer(reviewer):
    case = case_in_review()
    case_approve(case_id=case.pk, actor=reviewer)
    recheck = case_open_recheck(customer=case.customer)
    assert recheck.state == CaseState.RECHECK and recheck.kind == "recheck"
    recheck = case_transition(case_id=recheck.pk, transition="ask_recheck_confirmation")
    assert recheck.state == CaseState.AWAITING_CONFIRMATION
