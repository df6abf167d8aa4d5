"""The check framework: which checks a case gets, retries, failures a reviewer can see,
re-runs and overrides, consent for biometrics, and the fast track waiting for checks."""

import hashlib

import pytest
from django.utils import timezone

from customers.models import Consent, ConsentPurpose
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import DomainError, NotAllowedError
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from tests.verification.checks.scripted import ScriptedProvider
from verification.checks.base import CheckResult, ProviderError, ProviderTimeout
from verification.checks.services import (
    case_checks_state,
    check_override,
    check_rerun,
    check_run,
    checks_request,
    checks_required,
)
from verification.enums import CaseState, CheckKind, CheckOutcome, CheckStatus
from verification.models import Case, Check
from verification.workflow import case_fast_track

pytestmark = pytest.mark.django_db

SCRIPTED = "tests.verification.checks.scripted.ScriptedProvider"


@pytest.fixture(autouse=True)
def scripted(settings):
    """Every kind is done by the scripted provider; each test writes its script."""
    settings.KYC_CHECK_PROVIDERS = {kind: SCRIPTED for kind in CheckKind.values}
    settings.KYC_CHECK_ATTEMPTS = 3
    ScriptedProvider.script.clear()
    ScriptedProvider.requests.clear()
    return ScriptedProvider.script


@pytest.fixture
def enterprise_case():
    """An enterprise case: the default policy asks for a background check."""
    return case_in_review(enterprise=True, risk_level=RiskLevel.MEDIUM)


def _background(case) -> Check:
    return Check.objects.get(case=case, kind=CheckKind.BACKGROUND, superseded=False)


def test_the_policy_decides_which_checks_a_case_needs():
    enterprise = case_in_review(enterprise=True, risk_level=RiskLevel.LOW)
    high_online = case_in_review(risk_level=RiskLevel.HIGH)
    medium_online = case_in_review(risk_level=RiskLevel.MEDIUM)

    assert checks_required(case=enterprise) == [CheckKind.BACKGROUND]
    assert set(checks_required(case=high_online)) == {CheckKind.FACE_MATCH, CheckKind.BACKGROUND}
    # No identity image uploaded: nothing to read yet.
    assert checks_required(case=medium_online) == []


def test_entering_review_requests_the_required_checks_once(enterprise_case):
    check = _background(enterprise_case)
    assert check.status == CheckStatus.PENDING
    assert check.provider == "scripted"
    assert checks_request(case=enterprise_case) == []


def test_a_check_that_passes_is_recorded_with_the_hash_of_the_answer(enterprise_case):
    check = check_run(check_id=_background(enterprise_case).pk).check

    assert check.status == CheckStatus.DONE and check.outcome == CheckOutcome.PASS
    assert check.response_sha256 == hashlib.sha256(b'{"hits": 0}').hexdigest()
    assert AuditEntry.objects.filter(target_id=str(enterprise_case.pk), action="check.finished")


def test_temporary_failures_are_retried_with_the_same_idempotency_key(enterprise_case, scripted):
    scripted.extend([ProviderTimeout(), ProviderError("busy", code="vendor_busy", temporary=True)])
    check = _background(enterprise_case)

    first = check_run(check_id=check.pk)
    second = check_run(check_id=check.pk)
    third = check_run(check_id=check.pk)

    assert first.retry_in is not None and second.retry_in is not None
    assert third.check.status == CheckStatus.DONE
    keys = {request.idempotency_key for request in ScriptedProvider.requests}
    assert keys == {check.idempotency_key}


def test_after_the_last_attempt_the_check_fails_visibly(enterprise_case, scripted):
    scripted.extend([ProviderTimeout()] * 3)
    check = _background(enterprise_case)
    for _ in range(3):
        outcome = check_run(check_id=check.pk)

    assert outcome.retry_in is None
    failed = Check.objects.get(pk=check.pk)
    assert failed.status == CheckStatus.FAILED and failed.outcome == CheckOutcome.ERROR
    assert failed.summary == "timeout" and failed.attempts == 3
    state = case_checks_state(case=enterprise_case)
    assert state.not_passed == [CheckKind.BACKGROUND] and not state.passed


def test_a_permanent_refusal_fails_at_once(enterprise_case, scripted):
    scripted.append(ProviderError("bad request", code="vendor_refused"))
    check = check_run(check_id=_background(enterprise_case).pk).check
    assert check.status == CheckStatus.FAILED and check.summary == "vendor_refused"


def test_a_crashing_provider_fails_the_check_not_the_case(enterprise_case, scripted):
    scripted.append(ZeroDivisionError())
    check = check_run(check_id=_background(enterprise_case).pk).check
    assert check.summary == "provider_crashed"
    assert Case.objects.get(pk=enterprise_case.pk).state == CaseState.DOCUMENT_REVIEW


def test_a_finished_check_is_not_run_again_by_a_duplicated_task(enterprise_case):
    check = _background(enterprise_case)
    check_run(check_id=check.pk)
    assert check_run(check_id=check.pk).check is None
    assert len(ScriptedProvider.requests) == 1


def test_a_waiting_check_keeps_the_case_waiting(enterprise_case, scripted):
    scripted.append(CheckResult.waiting("vendor-ref-1"))
    check = check_run(check_id=_background(enterprise_case).pk).check
    assert check.status == CheckStatus.WAITING and check.vendor_reference == "vendor-ref-1"
    assert case_checks_state(case=enterprise_case).open == [CheckKind.BACKGROUND]


def test_a_reviewer_runs_a_check_again_and_the_history_stays(enterprise_case, scripted):
    reviewer = UserFactory(role=Role.REVIEWER)
    scripted.append(ProviderError("bad", code="vendor_refused"))
    failed = check_run(check_id=_background(enterprise_case).pk).check

    fresh = check_rerun(check_id=failed.pk, actor=reviewer)

    assert fresh.pk != failed.pk and fresh.idempotency_key != failed.idempotency_key
    assert Check.objects.get(pk=failed.pk).superseded
    assert check_run(check_id=fresh.pk).check.outcome == CheckOutcome.PASS
    with pytest.raises(NotAllowedError):
        check_rerun(check_id=fresh.pk, actor=UserFactory(role=Role.CUSTOMER))


def test_an_override_needs_a_reason_and_is_audited(enterprise_case, scripted):
    reviewer = UserFactory(role=Role.REVIEWER)
    scripted.append(CheckResult(outcome=CheckOutcome.REVIEW, summary="possible_match"))
    check = check_run(check_id=_background(enterprise_case).pk).check
    with pytest.raises(DomainError) as no_reason:
        check_override(check_id=check.pk, actor=reviewer, outcome=CheckOutcome.PASS, reason="")
    assert no_reason.value.code == "reason_required"

    check = check_override(
        check_id=check.pk,
        actor=reviewer,
        outcome=CheckOutcome.PASS,
        reason="同名不同人:出生日期不同",
    )

    assert check.final_outcome == CheckOutcome.PASS and check.outcome == CheckOutcome.REVIEW
    assert case_checks_state(case=enterprise_case).passed
    entry = AuditEntry.objects.get(target_id=str(enterprise_case.pk), action="check.overridden")
    assert entry.details == {"kind": "background", "outcome": "pass", "was": "review"}


def test_face_match_needs_the_customers_biometric_consent_still_in_force(scripted):
    case = case_in_review(risk_level=RiskLevel.HIGH)
    Consent.objects.create(
        customer=case.customer,
        purpose=ConsentPurpose.BIOMETRICS,
        text_version="1",
        channel="web",
        given_at=timezone.now(),
        withdrawn_at=timezone.now(),
    )
    face = Check.objects.get(case=case, kind=CheckKind.FACE_MATCH)

    check = check_run(check_id=face.pk).check

    assert check.outcome == CheckOutcome.REVIEW and check.summary == "no_biometric_consent"
    assert all(request.check_id != face.pk for request in ScriptedProvider.requests)


def test_the_fast_track_waits_for_the_checks_and_passes_when_they_pass(storage_dir):
    from tests.factories.verification import case_document
    from verification.models import DocumentKind

    case = case_in_review(risk_level=RiskLevel.LOW)
    case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    case_document(case=case, kind=DocumentKind.ID_CARD_BACK)
    reading = Check.objects.get(case=case, kind=CheckKind.DOCUMENT_READING)

    waiting = case_fast_track(case_id=case.pk)
    assert waiting.state == CaseState.DOCUMENT_REVIEW
    rules = {rule["rule"]: rule for rule in waiting.fast_track_rules["rules"]}
    assert rules["checks_passed"]["passed"] is False

    check_run(check_id=reading.pk)
    assert case_fast_track(case_id=case.pk).state == CaseState.REGISTERED


def test_a_failed_document_reading_raises_the_risk_and_the_path(storage_dir, scripted):
    from tests.factories.verification import case_document
    from verification.enums import ReviewRoute
    from verification.models import DocumentKind

    case = case_in_review(risk_level=RiskLevel.LOW)
    case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    reading = Check.objects.get(case=case, kind=CheckKind.DOCUMENT_READING)
    scripted.append(
        CheckResult(
            outcome=CheckOutcome.FAIL, summary="mismatch", params={"mismatched": ["x.name"]}
        )
    )

    check_run(check_id=reading.pk)

    case = Case.objects.get(pk=case.pk)
    assessment = case.risk_assessments.order_by("-created_at").first()
    assert assessment.has_factor("document_check_failed")
    assert case.risk_level == RiskLevel.MEDIUM and case.route == ReviewRoute.STANDARD
    assert AuditEntry.objects.filter(target_id=str(case.pk), action="risk.raised").exists()


def test_the_sweep_runs_checks_whose_task_was_lost(enterprise_case, celery_eager):
    import datetime

    from verification.tasks import check_sweep_task

    check = _background(enterprise_case)
    assert check_sweep_task() == 0  # just requested: its own task may still come
    Check.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    assert check_sweep_task() == 1
    assert Check.objects.get(pk=check.pk).status == CheckStatus.DONE
