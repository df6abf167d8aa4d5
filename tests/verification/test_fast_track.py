"""The fast track: low-risk individuals with their documents in order are approved by the
system, with the rules that allowed it recorded; everyone else goes to a reviewer."""

import datetime
from decimal import Decimal

import pytest

from customers.models import Customer, DuplicateIdentityAttempt
from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from tests.factories.verification import case_document, case_in_review
from tests.verification.checks.scripted import ScriptedProvider
from verification.checks.services import case_current_checks, check_run
from verification.enums import CaseState, CheckKind, ReviewRoute
from verification.fast_track import fast_track_policy
from verification.models import Case, DocumentKind, DocumentStatus, FastTrackPolicy
from verification.tasks import fast_track_sweep_task
from verification.workflow import case_fast_track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checks_that_pass(settings):
    """The checks are answered by a scripted provider (the real ones have their tests)."""
    settings.KYC_CHECK_PROVIDERS = {
        kind: "tests.verification.checks.scripted.ScriptedProvider" for kind in CheckKind.values
    }
    ScriptedProvider.script.clear()


def _run_checks(case) -> None:
    for check in case_current_checks(case=case):
        check_run(check_id=check.pk)


def _with_id_card(case):
    case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    case_document(case=case, kind=DocumentKind.ID_CARD_BACK)
    _run_checks(case)
    return case


def _rules(case) -> dict:
    return {rule["rule"]: rule["passed"] for rule in case.fast_track_rules["rules"]}


def test_a_low_risk_individual_with_documents_is_registered_automatically(storage_dir):
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW))

    case = case_fast_track(case_id=case.pk)

    assert case.state == CaseState.REGISTERED
    assert Customer.objects.get(pk=case.customer_id).customer_number
    record = case.fast_track_rules
    assert record["passed"] is True
    assert record["policy_version"] == fast_track_policy().version
    assert all(_rules(case).values())
    assert case.last_changed_by is None  # the system, not a person
    # What the checks passed is not left "waiting for review" on the customer's page.
    assert set(case.documents.values_list("status", flat=True)) == {DocumentStatus.ACCEPTED}


def test_the_decision_runs_after_the_confirmation_commits(
    storage_dir, django_capture_on_commit_callbacks, celery_eager
):
    """Uploading the last identity image of a waiting candidate tries again at once."""
    case = case_in_review(risk_level=RiskLevel.LOW)
    case_fast_track(case_id=case.pk)  # no documents yet: it waits
    assert Case.objects.get(pk=case.pk).state == CaseState.DOCUMENT_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        _with_id_card(Case.objects.get(pk=case.pk))
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED


def test_a_candidate_without_identity_images_waits_for_them(storage_dir):
    case = case_in_review(risk_level=RiskLevel.LOW)

    case = case_fast_track(case_id=case.pk)

    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.route == ReviewRoute.FAST_TRACK
    assert _rules(case)["identity_documents"] is False


def test_a_failed_rule_sends_the_case_to_standard_review_with_the_reason(storage_dir):
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW))
    DuplicateIdentityAttempt.objects.create(
        identity_index="x" * 64, existing_customer=case.customer, channel="web"
    )

    case = case_fast_track(case_id=case.pk)

    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.route == ReviewRoute.STANDARD
    assert _rules(case)["no_duplicate_attempts"] is False
    assert AuditEntry.objects.filter(target_id=str(case.pk), action="case.fast_track_refused")


def test_an_expired_document_blocks_the_fast_track(storage_dir):
    case = case_in_review(risk_level=RiskLevel.LOW)
    _with_id_card(case)
    case.documents.update(expiry_date=datetime.date(2020, 1, 1))

    assert case_fast_track(case_id=case.pk).route == ReviewRoute.STANDARD


def test_medium_risk_and_enterprises_never_take_the_fast_track(storage_dir):
    medium = _with_id_card(case_in_review(risk_level=RiskLevel.MEDIUM))
    enterprise = case_in_review(risk_level=RiskLevel.LOW, enterprise=True)
    assert case_fast_track(case_id=medium.pk).state == CaseState.DOCUMENT_REVIEW
    assert case_fast_track(case_id=enterprise.pk).state == CaseState.DOCUMENT_REVIEW


def test_a_quality_control_sample_goes_to_a_reviewer(storage_dir):
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW, quality_sample=True))
    assert case_fast_track(case_id=case.pk).state == CaseState.DOCUMENT_REVIEW


def test_switching_the_fast_track_off_in_a_new_policy_version(storage_dir):
    FastTrackPolicy.objects.create(version=fast_track_policy().version + 1, enabled=False)
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW))

    case = case_fast_track(case_id=case.pk)

    assert case.route == ReviewRoute.STANDARD
    assert _rules(case)["enabled"] is False


def test_the_sample_share_follows_the_policy():
    """0 % never samples, 100 % always does."""
    from verification import workflow

    policy = fast_track_policy()
    policy.quality_sample_percent = Decimal("0")
    policy.save()
    assert not any(workflow._picked_for_quality_control() for _ in range(50))
    policy.quality_sample_percent = Decimal("100")
    policy.save()
    assert all(workflow._picked_for_quality_control() for _ in range(50))


def test_running_the_decision_twice_changes_nothing_more(storage_dir):
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW))
    case_fast_track(case_id=case.pk)
    entries = AuditEntry.objects.count()
    assert case_fast_track(case_id=case.pk).state == CaseState.REGISTERED
    assert AuditEntry.objects.count() == entries


def test_the_sweep_queues_candidates_whose_task_was_lost(storage_dir, celery_eager):
    case = _with_id_card(case_in_review(risk_level=RiskLevel.LOW))
    Case.objects.filter(pk=case.pk).update(
        confirmed_at=case.confirmed_at - datetime.timedelta(minutes=10)
    )
    assert fast_track_sweep_task() == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED
