"""A reviewer asks for more; the customer (or their store) sees what, uploads it, and sends
the case back to review — on the web."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.enums import Channel
from customers.services import customer_login_create
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.verification import case_in_review
from tests.verification import corpus
from verification.enums import CaseState
from verification.models import Case, Document, DocumentKind, InformationRequest
from verification.workflow import case_request_information

pytestmark = pytest.mark.django_db

BACK = DocumentKind.ID_CARD_BACK
MESSAGE = "The back of your ID card is cut off. Please send a photo of the whole card."


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


def ask_for_the_back(case: Case, reviewer) -> Case:
    return case_request_information(
        case_id=case.pk, actor=reviewer, message=MESSAGE, document_kinds=[BACK]
    )


def photo(name: str = "back.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, corpus.jpeg())


# --- the customer ---------------------------------------------------------------------------


@pytest.fixture
def customer_case(client, reviewer):
    case = case_in_review()
    user = customer_login_create(
        customer=case.customer, username="xiaoming", password=DEFAULT_PASSWORD
    )
    client.force_login(user)
    return ask_for_the_back(case, reviewer)


def test_the_customer_sees_the_reviewers_request_and_answers_it(client, storage_dir, customer_case):
    status = reverse("customers:status")
    page = client.get(status).content.decode()
    assert "What the reviewer needs" in page
    assert MESSAGE in page
    assert "ID card (back) — not uploaded yet" in page
    assert "I have provided what was asked" in page
    assert f'<option value="{BACK}" selected>' in page

    uploaded = client.post(
        reverse("customers:document_upload", args=[customer_case.pk]),
        {"kind": BACK, "file": photo()},
    )
    assert uploaded.status_code == 302
    assert "ID card (back) — <strong>uploaded</strong>" in client.get(status).content.decode()

    answered = client.post(reverse("customers:information_provided", args=[customer_case.pk]))

    assert answered.status_code == 302
    customer_case.refresh_from_db()
    assert customer_case.state == CaseState.DOCUMENT_REVIEW
    request = InformationRequest.objects.get(case=customer_case)
    assert request.answered_at is not None
    assert request.answered_by == customer_case.customer.user
    page = client.get(answered["Location"]).content.decode()
    assert "The application goes back to the reviewer" in page
    assert "What the reviewer needs" not in page
    assert "The information asked for was provided; the review continues" in page


def test_answering_twice_says_it_is_no_longer_possible(client, customer_case):
    url = reverse("customers:information_provided", args=[customer_case.pk])
    client.post(url)

    again = client.post(url)

    page = client.get(again["Location"]).content.decode()
    assert "Someone else has just changed this case" in page
    customer_case.refresh_from_db()
    assert customer_case.state == CaseState.DOCUMENT_REVIEW


def test_answering_is_a_post(client, customer_case):
    url = reverse("customers:information_provided", args=[customer_case.pk])
    assert client.get(url).status_code == 405


# --- store staff for a walk-in customer ---------------------------------------------------------


@pytest.fixture
def staff(client):
    staff = UserFactory(role=Role.STORE_STAFF)
    client.force_login(staff)
    return staff


def test_store_staff_upload_the_id_card_scans_and_answer_the_reviewer(
    client, storage_dir, staff, reviewer
):
    case = case_in_review(store=staff.store, actor=staff)
    detail = reverse("customers:store_application", args=[case.customer_id])
    upload = reverse("customers:store_document_upload", args=[case.customer_id])

    page = client.get(detail).content.decode()
    assert "The customer's documents" in page
    assert "ID card (front)" in page and "Not uploaded yet" in page
    for kind in (DocumentKind.ID_CARD_FRONT, BACK):
        response = client.post(upload, {"kind": kind, "file": photo(f"{kind}.jpg")})
        assert response.status_code == 302
    documents = Document.objects.filter(case=case)
    assert {document.kind for document in documents} == {DocumentKind.ID_CARD_FRONT, BACK}
    assert {(document.channel, document.uploaded_by) for document in documents} == {
        (Channel.STORE, staff)
    }

    ask_for_the_back(case, reviewer)
    page = client.get(detail).content.decode()
    assert MESSAGE in page
    assert "When the customer has provided everything" in page
    client.post(upload, {"kind": BACK, "file": photo()})
    client.post(reverse("customers:store_information_provided", args=[case.customer_id]))

    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert InformationRequest.objects.get(case=case).answered_by == staff


def test_a_refused_scan_is_shown_on_the_store_page(client, storage_dir, staff):
    case = case_in_review(store=staff.store, actor=staff)

    response = client.post(
        reverse("customers:store_document_upload", args=[case.customer_id]),
        {"kind": BACK, "file": SimpleUploadedFile("scan.png", corpus.tiff())},
    )

    assert response.status_code == 200
    assert "This file is a TIFF file." in response.content.decode()
    assert not Document.objects.filter(case=case).exists()


def test_staff_of_another_store_cannot_act_on_the_case(client, storage_dir, reviewer):
    other_staff = UserFactory(role=Role.STORE_STAFF)
    case = case_in_review(store=other_staff.store, actor=other_staff)
    ask_for_the_back(case, reviewer)
    client.force_login(UserFactory(role=Role.STORE_STAFF))

    upload = client.post(
        reverse("customers:store_document_upload", args=[case.customer_id]),
        {"kind": BACK, "file": photo()},
    )
    answer = client.post(reverse("customers:store_information_provided", args=[case.customer_id]))

    assert (upload.status_code, answer.status_code) == (404, 404)
    case.refresh_from_db()
    assert case.state == CaseState.NEEDS_MORE_INFORMATION
    assert not Document.objects.filter(case=case).exists()
