"""The customer's status page: the documents their case needs, uploading them, how the
reviewer judged them, and the state of the case in plain words through to registration."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.enums import Channel, DocumentType
from customers.models import Customer
from customers.services import customer_login_create, individual_register
from kyc_portal.accounts.roles import Role
from risk.enums import RiskLevel
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.customers import individual_details
from tests.factories.verification import case_document, case_in_review
from tests.verification import corpus
from verification.enums import CaseState, DocumentRejectionReason, RejectionReason
from verification.models import Case, Document, DocumentKind
from verification.services import document_decide
from verification.workflow import (
    case_approve,
    case_open_recheck,
    case_reject,
    case_request_information,
    case_send_to_check,
    case_transition,
    case_withdraw,
)

pytestmark = pytest.mark.django_db

FRONT, BACK = DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


def online_customer(**details) -> Customer:
    """Registered online a moment ago: the case waits for the customer's confirmation."""
    user = UserFactory(role=Role.CUSTOMER)
    return individual_register(
        details=individual_details(**details),
        channel=Channel.WEB,
        consent_given=True,
        user=user,
        actor=user,
    )


def login_for(case: Case):
    return customer_login_create(
        customer=case.customer, username=f"customer-{str(case.pk)[:8]}", password=DEFAULT_PASSWORD
    )


def upload(client, case: Case, kind: str, content: bytes, name: str = "photo.jpg", **headers):
    return client.post(
        reverse("customers:document_upload", args=[case.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content), "expiry_date": ""},
        **headers,
    )


def status_page(client, **headers) -> str:
    response = client.get(reverse("customers:status"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def decide_all(case: Case, reviewer) -> None:
    for document in case.documents.all():
        document_decide(document_id=document.pk, actor=reviewer, accepted=True)


def registered(case: Case, reviewer) -> Case:
    for kind in (FRONT, BACK):
        case_document(case=case, kind=kind, actor=reviewer)
    decide_all(case, reviewer)
    return case_approve(case_id=case.pk, actor=reviewer)


# --- what is needed -------------------------------------------------------------------------


def test_an_id_card_holder_is_asked_for_both_sides_and_may_add_a_selfie(client):
    customer = online_customer()
    client.force_login(customer.user)

    page = status_page(client)

    assert "Your documents" in page
    assert "ID card (front)" in page and "ID card (back)" in page
    assert "Not uploaded yet" in page
    # The select offers what this case needs, not every kind there is.
    for kind in (FRONT, BACK, DocumentKind.SELFIE):
        assert f'<option value="{kind}"' in page
    unrelated = (DocumentKind.PASSPORT_PAGE, DocumentKind.BUSINESS_LICENCE, DocumentKind.PAPER_FORM)
    for kind in unrelated:
        assert f'<option value="{kind}"' not in page
    assert 'enctype="multipart/form-data"' in page


def test_a_passport_holder_is_asked_for_the_photo_page_only(client):
    customer = online_customer(
        nationality="GB", document_type=DocumentType.PASSPORT, document_number="123456789"
    )
    client.force_login(customer.user)

    page = status_page(client)

    assert f'<option value="{DocumentKind.PASSPORT_PAGE}"' in page
    assert f'<option value="{FRONT}"' not in page


def test_an_enterprise_is_asked_for_its_licence_and_its_representatives_id_card(client):
    case = case_in_review(enterprise=True)
    client.force_login(login_for(case))

    page = status_page(client)

    assert "Business licence" in page
    assert "Legal representative&#x27;s ID card (front)" in page
    assert "Legal representative&#x27;s ID card (back)" in page
    assert f'<option value="{DocumentKind.PASSPORT_PAGE}"' not in page


# --- uploading ------------------------------------------------------------------------------


def test_a_customer_uploads_the_front_of_their_id_card_and_sees_it_listed(client, storage_dir):
    customer = online_customer()
    case = customer.cases.get()
    client.force_login(customer.user)

    response = upload(client, case, FRONT, corpus.jpeg())

    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("customers:status_case", args=[case.pk]) + "#documents"
    )
    document = Document.objects.get()
    assert (document.case, document.kind, document.uploaded_by) == (case, FRONT, customer.user)
    assert document.channel == Channel.WEB
    page = client.get(response["Location"]).content.decode()
    assert "ID card (front) uploaded. Thank you." in page
    assert "Received, not yet reviewed" in page
    thumbnail = reverse("verification:document-thumbnail", args=[document.pk])
    assert thumbnail in page
    preview = client.get(thumbnail)
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    # The page now offers the back as the next upload.
    assert f'<option value="{BACK}" selected>' in page


def test_the_expiry_date_is_kept(client, storage_dir):
    customer = online_customer()
    case = customer.cases.get()
    client.force_login(customer.user)

    client.post(
        reverse("customers:document_upload", args=[case.pk]),
        {
            "kind": BACK,
            "file": SimpleUploadedFile("back.png", corpus.png()),
            "expiry_date": "2031-06-30",
        },
    )

    assert str(Document.objects.get().expiry_date) == "2031-06-30"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (corpus.blank_png(20000, 20000), "huge.png", "The image has too many pixels"),
        (corpus.gif(), "photo.png", "This file is a GIF file. Only JPEG or PNG images"),
        (b"", "empty.jpg", "The file is empty."),
    ],
    ids=["too-many-pixels", "gif-named-png", "empty"],
)
def test_a_refused_file_says_why_beside_the_form_and_nothing_is_stored(
    client, storage_dir, content, name, message
):
    customer = online_customer()
    case = customer.cases.get()
    client.force_login(customer.user)

    response = upload(client, case, FRONT, content, name=name)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="field field--error"' in page
    assert message in page
    assert not Document.objects.exists()
    assert not [path for path in storage_dir.rglob("*") if path.is_file()]


def test_the_refusal_is_in_the_customers_language(client, storage_dir):
    customer = online_customer()
    case = customer.cases.get()
    client.force_login(customer.user)

    response = upload(
        client, case, FRONT, corpus.blank_png(20000, 20000), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert "图片像素过多" in response.content.decode()
    assert not Document.objects.exists()


def test_a_customer_cannot_upload_to_another_customers_case(client, storage_dir):
    theirs = online_customer().cases.get()
    mine = online_customer()
    client.force_login(mine.user)

    assert upload(client, theirs, FRONT, corpus.jpeg()).status_code == 404
    provided = client.post(reverse("customers:information_provided", args=[theirs.pk]))
    assert provided.status_code == 404
    assert not Document.objects.exists()


def test_other_roles_cannot_use_the_customer_upload(client, storage_dir):
    case = online_customer().cases.get()
    client.force_login(UserFactory(role=Role.REVIEWER))

    assert upload(client, case, FRONT, corpus.jpeg()).status_code == 403
    assert not Document.objects.exists()


def test_a_closed_application_takes_no_more_documents(client, storage_dir, reviewer):
    case = case_in_review()
    client.force_login(login_for(case))
    case_reject(case_id=case.pk, actor=reviewer, reason=RejectionReason.DATA_MISMATCH)

    page = status_page(client)
    assert "Upload a document" not in page
    assert "No more documents can be added to this application." in page
    response = upload(client, case, FRONT, corpus.jpeg())

    assert response.status_code == 302
    assert "takes no more documents" in client.get(response["Location"]).content.decode()
    assert not Document.objects.exists()


# --- the reviewer's judgement -----------------------------------------------------------------


def test_a_rejected_document_shows_the_reason_and_the_reviewers_note(client, storage_dir, reviewer):
    case = case_in_review()
    client.force_login(login_for(case))
    front = case_document(case=case, kind=FRONT, actor=reviewer)
    back = case_document(case=case, kind=BACK, actor=reviewer)
    document_decide(document_id=front.pk, actor=reviewer, accepted=True)
    document_decide(
        document_id=back.pk,
        actor=reviewer,
        accepted=False,
        reason=DocumentRejectionReason.UNREADABLE,
        note="The photo is blurred at the bottom.",
    )

    page = status_page(client)

    assert "Accepted" in page
    assert "Rejected" in page
    assert "Unreadable or blurred" in page
    assert "The photo is blurred at the bottom." in page
    assert "Please upload it again." in page
    # A rejected document is still missing, so the customer is told to upload it.
    assert "Some documents listed below are still missing" in page


# --- the state in plain words -----------------------------------------------------------------


def test_a_fast_track_candidate_waits_for_the_automatic_checks(client, storage_dir):
    case = case_in_review(risk_level=RiskLevel.LOW)
    client.force_login(login_for(case))
    assert "Some documents listed below are still missing" in status_page(client)

    for kind in (FRONT, BACK):
        case_document(case=case, kind=kind, actor=case.customer.user)

    page = status_page(client)
    assert "Waiting for the automatic checks" in page
    assert "Details confirmed by the customer" in page  # the timeline


def test_a_registered_customer_sees_their_number_and_next_recheck(client, storage_dir, reviewer):
    case = case_in_review()
    client.force_login(login_for(case))

    registered(case, reviewer)

    customer = Customer.objects.get(pk=case.customer_id)
    assert customer.customer_number and customer.next_recheck_on
    page = status_page(client)
    assert "You are registered as our customer." in page
    assert customer.customer_number in page
    assert f"Registered with customer number {customer.customer_number}" in page
    assert "Identity confirmed" in page
    assert "Next check of your details" in page
    assert "Upload a document" not in page


def _rejected(case, reviewer, customer_user):
    case_reject(case_id=case.pk, actor=reviewer, reason=RejectionReason.DATA_MISMATCH)


def _withdrawn(case, reviewer, customer_user):
    case_withdraw(case_id=case.pk, actor=customer_user)


def _needs_information(case, reviewer, customer_user):
    case_request_information(case_id=case.pk, actor=reviewer, message="Send the back, please.")


def _biometric(case, reviewer, customer_user):
    case_send_to_check(case_id=case.pk, actor=reviewer, check="biometric")


def _background(case, reviewer, customer_user):
    case_send_to_check(case_id=case.pk, actor=reviewer, check="background")


def _recheck(case, reviewer, customer_user):
    registered(case, reviewer)
    case_open_recheck(customer=case.customer)


@pytest.mark.parametrize(
    ("drive", "state", "texts"),
    [
        (_rejected, CaseState.REJECTED, ["Not accepted: Declared data do not match", "Reason"]),
        (_withdrawn, CaseState.WITHDRAWN, ["Application withdrawn"]),
        (_needs_information, CaseState.NEEDS_MORE_INFORMATION, ["asked for more information"]),
        (_biometric, CaseState.BIOMETRIC_CHECK, ["Face comparison with the identity document"]),
        (_background, CaseState.BACKGROUND_CHECK, ["Further checks started"]),
        (_recheck, CaseState.RECHECK, ["Periodic re-check of the details started"]),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_each_state_is_told_in_the_timeline(client, storage_dir, reviewer, drive, state, texts):
    case = case_in_review()
    user = login_for(case)
    client.force_login(user)
    if drive in (_biometric, _background):
        case_document(case=case, kind=FRONT, actor=reviewer)
        decide_all(case, reviewer)

    drive(case, reviewer, user)

    page = status_page(client)
    assert Customer.objects.get(pk=case.customer_id).cases.latest("created_at").state == state
    assert str(CaseState(state).label).replace("'", "&#x27;") in page
    for text in texts:
        assert text in page


def test_an_application_never_confirmed_says_it_expired(client):
    customer = online_customer()
    client.force_login(customer.user)
    case_transition(case_id=customer.cases.get().pk, transition="expire")

    page = status_page(client)

    assert "Closed: the details were not confirmed in time" in page
    assert "You did not confirm your details in time." in page
