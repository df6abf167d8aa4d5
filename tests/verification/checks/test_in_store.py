"""In-store biometric verification: the check waits for store staff, who record what
their device said; the answer enters the case like any provider's."""

import hashlib
import json

import pytest

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from verification.checks.biometrics import in_store_biometric_record, in_store_check_waiting
from verification.checks.services import case_checks_state, check_run, checks_request
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Case, Check

pytestmark = pytest.mark.django_db

IN_STORE = CheckKind.IN_PERSON_BIOMETRIC


@pytest.fixture
def staff():
    return UserFactory(role=Role.STORE_STAFF)


def waiting_case(staff) -> Case:
    """A high-risk walk-in whose in-store check has run: it waits for staff."""
    case = case_in_review(store=staff.store, actor=staff, risk_level=RiskLevel.HIGH)
    checks_request(case=case)  # the policy for the pinned risk level
    check_run(check_id=Check.objects.get(case=case, kind=IN_STORE).pk)
    return case


def record(case, staff, **overrides) -> Check:
    arguments = {"method": "fingerprint", "device_reference": "FP-0042", "matched": True}
    arguments.update(overrides)
    return in_store_biometric_record(case=case, staff=staff, **arguments)


def test_the_check_waits_for_staff_and_keeps_the_case_out_of_the_fast_track(staff):
    case = waiting_case(staff)

    check = in_store_check_waiting(case=case)
    assert check is not None and check.status == CheckStatus.WAITING and not check.outcome
    assert IN_STORE in case_checks_state(case=case).open


def test_staff_record_a_verified_fingerprint(staff):
    case = waiting_case(staff)

    check = record(case, staff)

    assert (check.status, check.outcome, check.summary) == (
        CheckStatus.DONE,
        CheckOutcome.PASS,
        "verified_in_person",
    )
    expected = {"method": "fingerprint", "device_reference": "FP-0042", "store": staff.store.code}
    assert check.params == expected
    assert check.findings == {}
    raw = json.dumps({**expected, "matched": True}, sort_keys=True).encode()
    assert check.response_sha256 == hashlib.sha256(raw).hexdigest()
    entry = AuditEntry.objects.get(action="biometric.in_store_recorded")
    assert entry.actor == staff and entry.target_id == str(case.pk)
    assert entry.details == {**expected, "matched": True}
    assert IN_STORE not in case_checks_state(case=case).open
    assert in_store_check_waiting(case=case) is None


def test_a_verification_that_failed_fails_the_check(staff):
    case = waiting_case(staff)

    check = record(case, staff, method="face", device_reference="CAM/7", matched=False)

    assert (check.outcome, check.summary) == (CheckOutcome.FAIL, "not_verified_in_person")
    assert IN_STORE in case_checks_state(case=case).not_passed


def test_staff_of_another_store_and_reviewers_cannot_record(staff):
    case = waiting_case(staff)

    for outsider in (UserFactory(role=Role.STORE_STAFF), UserFactory(role=Role.REVIEWER)):
        with pytest.raises(NotAllowedError) as refused:
            record(case, outsider)
        assert refused.value.code == "not_your_store"
    assert in_store_check_waiting(case=case) is not None


def test_a_check_is_recorded_once(staff):
    case = waiting_case(staff)
    record(case, staff)

    with pytest.raises(ConflictError) as refused:
        record(case, staff, matched=False)

    assert refused.value.code == "no_waiting_check"
    assert Check.objects.get(case=case, kind=IN_STORE).outcome == CheckOutcome.PASS
    assert AuditEntry.objects.filter(action="biometric.in_store_recorded").count() == 1


def test_a_case_that_needs_no_in_store_check_has_nothing_to_record(staff):
    case = case_in_review(store=staff.store, actor=staff, risk_level=RiskLevel.LOW)

    with pytest.raises(ConflictError) as refused:
        record(case, staff)
    assert refused.value.code == "no_waiting_check"


@pytest.mark.parametrize(
    "reference",
    ["", "   ", "11010519491231002X", "13912345678", "x" * 41, "FP 0042", "<script>"],
)
def test_the_device_reference_is_a_device_number_never_a_personal_one(staff, reference):
    case = waiting_case(staff)

    with pytest.raises(DomainError) as refused:
        record(case, staff, device_reference=reference)

    assert (refused.value.code, refused.value.field) == ("bad_device_reference", "device_reference")
    assert in_store_check_waiting(case=case) is not None


def test_the_method_is_fingerprint_or_face(staff):
    with pytest.raises(DomainError) as refused:
        record(waiting_case(staff), staff, method="iris")
    assert refused.value.code == "unknown_method"
