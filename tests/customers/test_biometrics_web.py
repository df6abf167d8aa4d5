"""Biometrics on the web pages: the customer's consent to the face comparison and their
selfie (on the status page, only when their case needs a face match), and store staff
recording an in-store verification."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.enums import Channel
from customers.models import Consent, ConsentPurpose
from customers.services import customer_login_create
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.verification import case_in_review
from tests.verification import corpus
from verification.checks.services import check_run, checks_request
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Case, Check, Document, DocumentKind
from verification.tasks import check_run_task

pytestmark = pytest.mark.django_db

SECTION = "Face comparison"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def customer_case(client, *, risk_level: str = RiskLevel.HIGH) -> Case:
    """An online individual's case in review, with the customer logged in."""
    case = case_in_review(risk_level=risk_level)
    user = customer_login_create(
        customer=case.customer, username=f"customer-{case.pk.hex[:8]}", password=DEFAULT_PASSWORD
    )
    client.force_login(user)
    case.customer.refresh_from_db()
    return case


def url(name: str, case: Case) -> str:
    return reverse(f"customers:{name}", args=[case.pk])


def page(client, case: Case) -> str:
    response = client.get(url("status_case", case))
    assert response.status_code == 200
    return response.content.decode()


def give_consent(client, case: Case):
    return client.post(url("biometric_consent", case), {"agree": "on"}, follow=True)


def send_selfie(client, case: Case, content: bytes, name: str = "me.jpg"):
    return client.post(
        url("biometric_selfie", case), {"file": SimpleUploadedFile(name, content)}, follow=True
    )


def face_checks(case: Case):
    return Check.objects.filter(case=case, kind=CheckKind.FACE_MATCH).order_by("requested_at")


# --- the customer -----------------------------------------------------------------------------


def test_the_section_appears_only_when_the_case_needs_a_face_match(client):
    medium = customer_case(client, risk_level=RiskLevel.MEDIUM)
    assert SECTION not in page(client, medium)

    high = customer_case(client)
    shown = page(client, high)
    assert SECTION in shown
    assert "compared with the portrait on my identity document" in shown  # the consent text
    assert "Give my consent" in shown and "Send the selfie" not in shown


def test_the_customer_gives_consent_then_sends_a_selfie(client, storage_dir):
    case = customer_case(client)

    refused = client.post(url("biometric_consent", case), {}, follow=True).content.decode()
    assert "Tick the box to give your consent." in refused
    assert not Consent.objects.filter(purpose=ConsentPurpose.BIOMETRICS).exists()

    shown = give_consent(client, case).content.decode()
    consent = Consent.objects.get(customer=case.customer, purpose=ConsentPurpose.BIOMETRICS)
    assert (consent.channel, consent.recorded_by, consent.withdrawn_at) == (
        Channel.WEB,
        case.customer.user,
        None,
    )
    assert AuditEntry.objects.filter(action="consent.given", target_id=str(case.customer.pk))
    assert "You can now send your selfie." in shown and "Withdraw my consent" in shown

    shown = send_selfie(client, case, corpus.jpeg()).content.decode()
    selfie = Document.objects.get(case=case)
    assert selfie.kind == DocumentKind.SELFIE and selfie.uploaded_by == case.customer.user
    assert "Selfie received." in shown and "received on" in shown
    assert face_checks(case).get().status == CheckStatus.PENDING
    assert "in progress" in shown


def test_a_selfie_is_taken_only_with_consent(client, storage_dir):
    case = customer_case(client)

    shown = send_selfie(client, case, corpus.jpeg()).content.decode()

    assert "Give your consent to the face comparison before sending a selfie." in shown
    assert not Document.objects.filter(case=case).exists()


def test_a_refused_selfie_says_why_and_nothing_is_stored(client, storage_dir):
    case = customer_case(client)
    give_consent(client, case)

    shown = send_selfie(client, case, corpus.tiff(), name="me.png").content.decode()

    assert "This file is a TIFF file." in shown
    assert not Document.objects.filter(case=case).exists()


def test_the_customer_withdraws_their_consent(client):
    case = customer_case(client)
    give_consent(client, case)

    shown = client.post(url("biometric_consent_withdraw", case), follow=True).content.decode()

    consent = Consent.objects.get(customer=case.customer, purpose=ConsentPurpose.BIOMETRICS)
    assert consent.withdrawn_at is not None
    assert AuditEntry.objects.filter(action="consent.withdrawn")
    assert "Your consent is withdrawn" in shown and "Give my consent" in shown

    again = client.post(url("biometric_consent_withdraw", case), follow=True).content.decode()
    assert "There is no consent to the face comparison to withdraw." in again


def test_consent_withdrawn_before_the_face_match_runs(client, storage_dir, celery_eager):
    case = customer_case(client)  # the policy asked for a face match: queued, not run yet
    give_consent(client, case)
    send_selfie(client, case, corpus.jpeg())
    client.post(url("biometric_consent_withdraw", case))

    check_run_task.delay(str(face_checks(case).get().pk))  # a worker gets to it only now

    check = face_checks(case).get()
    assert (check.status, check.outcome, check.summary) == (
        CheckStatus.DONE,
        CheckOutcome.REVIEW,
        "no_biometric_consent",
    )
    assert check.findings == {} and check.params == {}
    assert Document.objects.filter(case=case, kind=DocumentKind.SELFIE).exists()


def test_giving_consent_again_runs_the_face_match_that_stopped(client, storage_dir):
    case = customer_case(client)
    give_consent(client, case)
    send_selfie(client, case, corpus.jpeg())
    client.post(url("biometric_consent_withdraw", case))
    check_run(check_id=face_checks(case).get().pk)

    give_consent(client, case)

    stopped, fresh = face_checks(case)
    assert stopped.superseded and stopped.summary == "no_biometric_consent"
    assert not fresh.superseded and fresh.status == CheckStatus.PENDING


def test_another_customers_case_is_not_found(client, storage_dir):
    other = customer_case(client)
    customer_case(client)  # now logged in as someone else

    responses = [
        client.post(url("biometric_consent", other), {"agree": "on"}),
        client.post(url("biometric_consent_withdraw", other)),
        client.post(url("biometric_selfie", other), {"file": SimpleUploadedFile("a.jpg", b"x")}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert not Consent.objects.filter(customer=other.customer, purpose="biometrics").exists()
    assert client.get(url("biometric_consent", other)).status_code == 405


# --- store staff ------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    staff = UserFactory(role=Role.STORE_STAFF)
    client.force_login(staff)
    return staff


def waiting_case(staff) -> Case:
    """A high-risk walk-in whose in-store biometric check waits for staff."""
    case = case_in_review(store=staff.store, actor=staff, risk_level=RiskLevel.HIGH)
    checks_request(case=case)
    check_run(check_id=Check.objects.get(case=case, kind=CheckKind.IN_PERSON_BIOMETRIC).pk)
    return case


def store_urls(case: Case) -> tuple[str, str]:
    return (
        reverse("customers:store_application", args=[case.customer_id]),
        reverse("customers:store_biometric", args=[case.customer_id]),
    )


def test_store_staff_record_the_in_store_verification(client, staff):
    case = waiting_case(staff)
    detail, record = store_urls(case)
    assert record in client.get(detail).content.decode()

    incomplete = client.post(record, {"device_reference": "FP-0042"})
    assert incomplete.status_code == 200
    assert "This field is required." in incomplete.content.decode()

    done = client.post(
        record, {"method": "fingerprint", "device_reference": "FP-0042", "matched": "yes"}
    )

    assert done.status_code == 302 and done.url == detail
    check = Check.objects.get(case=case, kind=CheckKind.IN_PERSON_BIOMETRIC)
    assert (check.outcome, check.summary) == (CheckOutcome.PASS, "verified_in_person")
    assert check.params["store"] == staff.store.code
    assert record not in client.get(detail).content.decode()
    assert "No in-store biometric check is waiting" in client.get(record).content.decode()


def test_an_identity_number_as_device_reference_is_refused_beside_the_field(client, staff):
    case = waiting_case(staff)
    _detail, record = store_urls(case)

    response = client.post(
        record, {"method": "face", "device_reference": "11010519491231002X", "matched": "no"}
    )

    assert response.status_code == 200
    assert "Never the customer&#x27;s ID or phone number." in response.content.decode()
    check = Check.objects.get(case=case, kind=CheckKind.IN_PERSON_BIOMETRIC)
    assert check.status == CheckStatus.WAITING


def test_without_a_waiting_check_there_is_nothing_to_record(client, staff):
    case = case_in_review(store=staff.store, actor=staff, risk_level=RiskLevel.LOW)
    detail, record = store_urls(case)

    assert record not in client.get(detail).content.decode()
    response = client.post(
        record, {"method": "face", "device_reference": "CAM-1", "matched": "yes"}, follow=True
    )
    assert "has no in-store biometric check waiting for a result" in response.content.decode()


def test_staff_of_another_store_cannot_see_or_record(client):
    case = waiting_case(UserFactory(role=Role.STORE_STAFF))
    client.force_login(UserFactory(role=Role.STORE_STAFF))
    _detail, record = store_urls(case)

    assert client.get(record).status_code == 404
    response = client.post(
        record, {"method": "face", "device_reference": "CAM-1", "matched": "yes"}
    )
    assert response.status_code == 404
    check = Check.objects.get(case=case, kind=CheckKind.IN_PERSON_BIOMETRIC)
    assert check.status == CheckStatus.WAITING
