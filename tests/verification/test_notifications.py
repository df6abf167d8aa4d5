"""The messages a customer gets when their case is decided or sent back to them: sent after
the decision commits, saying what matters (number, request, reason) and nothing a stranger
reading over their shoulder could misuse (no identity number, no phone number)."""

import json

import pytest

from customers.models import Customer
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_document, case_in_review
from verification.enums import RejectionReason
from verification.models import Case, DocumentKind
from verification.services import document_decide
from verification.workflow import case_approve, case_reject, case_request_information

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_dir(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def case() -> Case:
    case = case_in_review()
    # Messages are asserted in English; the customer chose it.
    Customer.objects.filter(pk=case.customer_id).update(language="en")
    return case


@pytest.fixture
def decide(celery_eager, django_capture_on_commit_callbacks):
    """Run a workflow action and deliver what it queued once it commits."""

    def run(action, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**arguments)

    return run


def texts(directory) -> list[str]:
    lines = []
    for path in sorted(directory.glob("*.jsonl")):
        lines += [json.loads(line)["text"] for line in path.read_text().splitlines()]
    return lines


def the_only_email(mailoutbox):
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    html = email.alternatives[0][0]
    return email, email.subject + "\n" + email.body + "\n" + html


def assert_no_identity_data(text: str, customer: Customer) -> None:
    individual = customer.individual
    assert individual.document_number not in text
    assert individual.document_number[-6:] not in text
    assert individual.mobile not in text
    assert individual.mobile[-8:] not in text


def test_registration_is_announced_with_the_customer_number(
    case, reviewer, decide, mailoutbox, sms_dir, storage_dir
):
    for kind in (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK):
        document = case_document(case=case, kind=kind, actor=reviewer)
        document_decide(document_id=document.pk, actor=reviewer, accepted=True)

    decide(case_approve, case_id=case.pk, actor=reviewer)

    customer = Customer.objects.get(pk=case.customer_id)
    email, text = the_only_email(mailoutbox)
    assert email.to == [customer.individual.email]
    assert email.subject == "[KYC Portal] Your identity is verified"
    assert f"Your customer number is {customer.customer_number}." in email.body
    assert customer.customer_number in email.alternatives[0][0]
    assert "still up to date by" in email.body
    assert "/my-application/" in email.body
    assert_no_identity_data(text, customer)
    (sms,) = texts(sms_dir)
    assert customer.customer_number in sms
    assert_no_identity_data(sms, customer)


def test_a_request_for_information_quotes_the_reviewer(case, reviewer, decide, mailoutbox, sms_dir):
    message = "Please send a photo of the back of your ID card; the one we have is cut off."

    decide(
        case_request_information,
        case_id=case.pk,
        actor=reviewer,
        message=message,
        document_kinds=[DocumentKind.ID_CARD_BACK],
    )

    email, text = the_only_email(mailoutbox)
    assert email.subject == "[KYC Portal] We need more information for your application"
    assert message in email.body
    assert message in email.alternatives[0][0]
    assert_no_identity_data(text, case.customer)
    (sms,) = texts(sms_dir)
    assert "/my-application/" in sms
    assert_no_identity_data(sms, case.customer)


def test_a_rejection_gives_the_reason_but_not_the_reviewers_note(
    case, reviewer, decide, mailoutbox, sms_dir
):
    decide(
        case_reject,
        case_id=case.pk,
        actor=reviewer,
        reason=RejectionReason.DATA_MISMATCH,
        note="Internal: the birth date on the card is 1991.",
    )

    email, text = the_only_email(mailoutbox)
    assert email.subject == "[KYC Portal] Your application could not be accepted"
    assert "Reason: Declared data do not match the documents." in email.body
    assert "Declared data do not match the documents" in email.alternatives[0][0]
    assert "Internal" not in text
    assert_no_identity_data(text, case.customer)
    (sms,) = texts(sms_dir)
    assert "Internal" not in sms
    assert_no_identity_data(sms, case.customer)
