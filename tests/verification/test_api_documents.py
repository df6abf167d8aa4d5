"""Uploading documents through the API: the customer to their current case, store staff to
their store's customers' cases. Bad files are refused with their code and leave nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.enums import Channel
from customers.models import Customer
from customers.services import individual_register
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from tests.factories.accounts import StoreFactory, UserFactory
from tests.factories.customers import individual_details, register_individual
from tests.factories.verification import case_in_review
from tests.verification import corpus
from tests.verification.uploads import stored_files
from verification.enums import CaseState
from verification.models import Document, DocumentKind
from verification.workflow import case_reject

pytestmark = pytest.mark.django_db

MY_DOCUMENTS = reverse("v1:my-documents")


def token_client(user) -> APIClient:
    token, _created = Token.objects.get_or_create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def session_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    return api


def with_login(case) -> APIClient:
    """Give the case's customer a login, as if they had registered in the app."""
    user = UserFactory(role=Role.CUSTOMER)
    Customer.objects.filter(pk=case.customer_id).update(user=user)
    return token_client(user)


def store_case(store):
    customer = individual_register(
        details=individual_details(), channel=Channel.STORE, consent_given=True, store=store
    )
    return customer.cases.get()


def upload_body(data: bytes, *, name="photo.jpg", kind=DocumentKind.ID_CARD_FRONT, **extra):
    return {"kind": kind, "file": SimpleUploadedFile(name, data), **extra}


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


# --- the customer --------------------------------------------------------------------------------


def test_a_customer_uploads_a_photo_to_their_case(storage_dir):
    case = case_in_review()
    api = with_login(case)

    response = api.post(
        MY_DOCUMENTS,
        upload_body(corpus.jpeg(), kind=DocumentKind.ID_CARD_BACK, expiry_date="2036-05-17"),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "id_card_back"
    assert body["kind_label"] == "ID card (back)"
    assert body["status"] == "received"
    assert body["case_id"] == str(case.pk)
    assert body["expiry_date"] == "2036-05-17"
    document = Document.objects.get(pk=body["id"])
    assert document.case == case
    assert document.channel == Channel.API
    assert document.uploaded_by.customer == case.customer
    assert len(stored_files(storage_dir)) == 2  # the image and its thumbnail
    assert AuditEntry.objects.filter(action="document.upload", target_id=str(document.pk)).exists()


def test_a_customer_may_upload_before_confirming(storage_dir):
    case = register_individual().cases.get()
    assert case.state == CaseState.AWAITING_CONFIRMATION
    api = with_login(case)

    response = api.post(MY_DOCUMENTS, upload_body(corpus.png(), name="id.png"), format="multipart")

    assert response.status_code == 201
    assert response.json()["case_id"] == str(case.pk)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (corpus.blank_png(20000, 20000), "bomb.png", "too_many_pixels"),
        (corpus.gif(), "photo.png", "unsupported_type"),
        (corpus.svg(), "photo.svg", "unsupported_type"),
        (corpus.eps(), "photo.jpg", "unsupported_type"),
        (corpus.tiff(), "scan.tif", "unsupported_type"),
        (corpus.truncated_jpeg(), "photo.jpg", "corrupt"),
        (b"", "photo.jpg", "empty"),
        (corpus.pdf(), "scan.pdf", "unsupported_type"),  # a PDF only for the paper form
    ],
    ids=["bomb", "gif-as-png", "svg", "eps", "tiff", "truncated", "empty", "pdf-as-id-card"],
)
def test_bad_files_are_refused_with_their_code_and_nothing_is_stored(storage_dir, data, name, code):
    api = with_login(case_in_review())

    response = api.post(MY_DOCUMENTS, upload_body(data, name=name), format="multipart")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code
    assert error["fields"]["file"][0]["code"] == code
    assert error["message"]
    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()


def test_a_file_over_the_size_limit_is_refused(storage_dir, settings):
    settings.DOCUMENT_MAX_BYTES = 2000
    api = with_login(case_in_review())

    response = api.post(
        MY_DOCUMENTS, upload_body(corpus.photo(size=(400, 300))), format="multipart"
    )

    assert error_of(response)["code"] == "too_large"
    assert stored_files(storage_dir) == []


@pytest.mark.parametrize(
    ("data", "unwanted"),
    [
        (corpus.png_with_html(), corpus.APPENDED_HTML),
        (corpus.jpeg_with_gps_and_comment(), corpus.GPS_COMMENT),
    ],
    ids=["png-with-html", "jpeg-with-gps"],
)
def test_images_with_hidden_extras_are_stored_clean(storage_dir, data, unwanted):
    api = with_login(case_in_review())

    response = api.post(MY_DOCUMENTS, upload_body(data, name="photo"), format="multipart")

    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    with document.file.open("rb") as handle:
        stored = handle.read()
    assert unwanted not in stored
    assert b"GPS" not in stored


def test_a_path_in_the_file_name_goes_nowhere(storage_dir):
    api = with_login(case_in_review())

    response = api.post(
        MY_DOCUMENTS, upload_body(corpus.png(), name="../../x.png"), format="multipart"
    )

    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    assert document.original_name == "x.png"
    assert all(storage_dir in path.parents for path in stored_files(storage_dir))
    assert not (storage_dir.parent / "x.png").exists()


def test_no_uploads_once_the_case_is_decided(storage_dir):
    case = case_in_review()
    api = with_login(case)
    case_reject(case_id=case.pk, actor=UserFactory(role=Role.REVIEWER), reason="data_mismatch")

    response = api.post(MY_DOCUMENTS, upload_body(corpus.jpeg()), format="multipart")

    assert response.status_code == 409
    assert error_of(response)["code"] == "documents_closed"
    assert stored_files(storage_dir) == []


def test_the_request_is_checked_before_the_file(storage_dir):
    api = with_login(case_in_review())

    unknown_kind = api.post(
        MY_DOCUMENTS, upload_body(corpus.jpeg(), kind="tax_return"), format="multipart"
    )
    no_file = api.post(MY_DOCUMENTS, {"kind": DocumentKind.SELFIE}, format="multipart")
    as_json = api.post(MY_DOCUMENTS, {"kind": DocumentKind.SELFIE}, format="json")

    assert error_of(unknown_kind)["fields"]["kind"][0]["code"] == "invalid_choice"
    assert error_of(no_file)["fields"]["file"][0]["code"] == "required"
    assert as_json.status_code == 415
    assert error_of(as_json)["code"] == "unsupported_media_type"
    assert stored_files(storage_dir) == []


def test_a_customer_login_without_an_application_gets_404(storage_dir):
    api = token_client(UserFactory(role=Role.CUSTOMER))

    response = api.post(MY_DOCUMENTS, upload_body(corpus.jpeg()), format="multipart")

    assert response.status_code == 404
    assert error_of(response)["code"] == "no_application"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.STORE_STAFF, Role.ADMINISTRATOR])
def test_staff_cannot_use_the_customers_upload(storage_dir, role):
    api = session_for(UserFactory(role=role))

    response = api.post(MY_DOCUMENTS, upload_body(corpus.jpeg()), format="multipart")

    assert response.status_code == 403
    assert error_of(response)["code"] == "customer_only"
    assert stored_files(storage_dir) == []


# --- store staff --------------------------------------------------------------------------------


def test_store_staff_upload_for_their_stores_customer(storage_dir):
    store = StoreFactory()
    case = store_case(store)
    api = session_for(UserFactory(role=Role.STORE_STAFF, store=store))

    response = api.post(
        reverse("v1:store-case-documents", args=[case.pk]),
        upload_body(corpus.jpeg()),
        format="multipart",
    )

    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    assert document.case == case
    assert document.channel == Channel.STORE


def test_store_staff_cannot_reach_another_stores_case(storage_dir):
    case = store_case(StoreFactory())
    api = session_for(UserFactory(role=Role.STORE_STAFF, store=StoreFactory()))

    response = api.post(
        reverse("v1:store-case-documents", args=[case.pk]),
        upload_body(corpus.jpeg()),
        format="multipart",
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "case_not_found"
    assert stored_files(storage_dir) == []


def test_customers_and_reviewers_cannot_use_the_store_upload(storage_dir):
    store = StoreFactory()
    case = store_case(store)
    url = reverse("v1:store-case-documents", args=[case.pk])
    customer_api = with_login(case)
    reviewer_api = session_for(UserFactory(role=Role.REVIEWER))

    for api in (customer_api, reviewer_api):
        response = api.post(url, upload_body(corpus.jpeg()), format="multipart")
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"
    assert stored_files(storage_dir) == []
