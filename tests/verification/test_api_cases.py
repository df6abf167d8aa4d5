"""The customer's side of a case through the API (status, the reviewer's request, answering
it), store staff for their store, nobody else's cases, and the schema and error codes."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.enums import Channel
from customers.models import Customer
from customers.services import individual_register
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import StoreFactory, UserFactory
from tests.factories.customers import individual_details
from tests.factories.verification import case_document, case_in_review
from tests.verification import corpus
from verification.enums import CaseState
from verification.models import Case, DocumentKind, InformationRequest
from verification.services import document_decide
from verification.workflow import case_request_information, case_transition

pytestmark = pytest.mark.django_db

MY_CASES = reverse("v1:my-cases")
ROOT = Path(__file__).resolve().parents[2]


def token_client(user) -> APIClient:
    token, _created = Token.objects.get_or_create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def session_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    return api


def with_login(case) -> APIClient:
    user = UserFactory(role=Role.CUSTOMER)
    Customer.objects.filter(pk=case.customer_id).update(user=user)
    return token_client(user)


def store_case(store) -> Case:
    customer = individual_register(
        details=individual_details(), channel=Channel.STORE, consent_given=True, store=store
    )
    return customer.cases.get()


def provide_url(case) -> str:
    return reverse("v1:my-case-provide-information", args=[case.pk])


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def asked_for_a_new_photo(case, storage_dir) -> None:
    """The reviewer rejects the blurred back of the card and asks for it again."""
    reviewer = UserFactory(role=Role.REVIEWER)
    document = case_document(case=case, kind=DocumentKind.ID_CARD_BACK)
    document_decide(document_id=document.pk, actor=reviewer, accepted=False, reason="unreadable")
    case_request_information(
        case_id=case.pk,
        actor=reviewer,
        message="The back of your ID card is blurred: please take it again.",
        document_kinds=[DocumentKind.ID_CARD_BACK],
    )


# --- the customer's cases ----------------------------------------------------------------------


def test_a_customer_follows_their_case_in_review():
    case = case_in_review()
    api = with_login(case)

    response = api.get(MY_CASES)

    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert shown["id"] == str(case.pk)
    assert shown["state"] == "document_review"
    assert shown["state_label"] == "Document review"
    assert "reviewer is checking" in shown["next_step"]
    assert shown["information_request"] is None
    assert shown["can_upload_documents"] is True
    assert shown["can_provide_information"] is False


def test_the_customer_sees_what_the_reviewer_asks_for_and_answers_it(storage_dir):
    case = case_in_review()
    api = with_login(case)
    asked_for_a_new_photo(case, storage_dir)

    [shown] = api.get(MY_CASES).json()["results"]
    assert shown["state"] == CaseState.NEEDS_MORE_INFORMATION
    assert shown["information_request"]["message"] == (
        "The back of your ID card is blurred: please take it again."
    )
    assert shown["information_request"]["document_kinds"] == ["id_card_back"]
    assert shown["information_request"]["document_kind_labels"] == ["ID card (back)"]
    [document] = shown["documents"]
    assert document["status"] == "rejected"
    assert document["reason_label"] == "Unreadable or blurred"
    assert shown["can_provide_information"] is True

    upload = api.post(
        reverse("v1:my-documents"),
        {
            "kind": DocumentKind.ID_CARD_BACK,
            "file": SimpleUploadedFile("back.jpg", corpus.jpeg()),
        },
        format="multipart",
    )
    assert upload.status_code == 201
    response = api.post(provide_url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CaseState.DOCUMENT_REVIEW
    assert body["information_request"] is None
    assert len(body["documents"]) == 2
    assert InformationRequest.objects.get(case=case).answered_at is not None
    again = api.post(provide_url(case))
    assert again.status_code == 409
    assert error_of(again)["code"] == "not_awaiting_information"


def test_a_customer_sees_only_their_own_cases():
    mine, theirs = case_in_review(), case_in_review()
    api = with_login(mine)
    with_login(theirs)

    ids = [row["id"] for row in api.get(MY_CASES).json()["results"]]

    assert ids == [str(mine.pk)]


def test_another_customers_case_is_404_and_untouched(storage_dir):
    mine, theirs = case_in_review(), case_in_review()
    api = with_login(mine)
    asked_for_a_new_photo(theirs, storage_dir)

    response = api.post(provide_url(theirs))

    assert response.status_code == 404
    assert error_of(response)["code"] == "case_not_found"
    assert Case.objects.get(pk=theirs.pk).state == CaseState.NEEDS_MORE_INFORMATION
    unknown = api.post(
        reverse("v1:my-case-provide-information", args=["0f7f6c2e-3f0b-4d5e-8f1a-9c2b7d6e5a41"])
    )
    assert error_of(unknown) == error_of(response)


def test_another_customers_document_is_404_through_the_file_view(storage_dir, client):
    theirs = case_in_review()
    document = case_document(case=theirs)
    intruder = UserFactory(role=Role.CUSTOMER)
    Customer.objects.filter(pk=case_in_review().customer_id).update(user=intruder)
    client.force_login(intruder)

    assert client.get(reverse("verification:document-file", args=[document.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.STORE_STAFF, Role.COMPLIANCE_OFFICER])
def test_staff_cannot_use_the_customers_endpoints(role):
    case = case_in_review()
    api = session_for(UserFactory(role=role))

    for response in (api.get(MY_CASES), api.post(provide_url(case))):
        assert response.status_code == 403
        assert error_of(response)["code"] == "customer_only"


def test_anonymous_requests_get_401():
    response = APIClient().get(MY_CASES)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


# --- store staff ---------------------------------------------------------------------------------


def test_store_staff_follow_and_answer_for_their_stores_customers(storage_dir):
    store = StoreFactory()
    case = store_case(store)
    api = session_for(UserFactory(role=Role.STORE_STAFF, store=store))

    response = api.get(reverse("v1:store-case", args=[case.pk]))
    assert response.status_code == 200
    assert response.json()["state"] == CaseState.AWAITING_CONFIRMATION

    case_transition(case_id=case.pk, transition="confirm")
    asked_for_a_new_photo(case, storage_dir)
    response = api.post(reverse("v1:store-case-provide-information", args=[case.pk]))

    assert response.status_code == 200
    assert response.json()["state"] == CaseState.DOCUMENT_REVIEW


def test_store_staff_get_404_for_another_stores_case_and_customers_get_403():
    case = store_case(StoreFactory())
    staff_api = session_for(UserFactory(role=Role.STORE_STAFF, store=StoreFactory()))
    customer_api = with_login(case)

    for url in (
        reverse("v1:store-case", args=[case.pk]),
        reverse("v1:store-case-provide-information", args=[case.pk]),
    ):
        method = staff_api.get if url.endswith(str(case.pk)) else staff_api.post
        assert error_of(method(url))["code"] == "case_not_found"
    response = customer_api.get(reverse("v1:store-case", args=[case.pk]))
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


# --- schema and documentation -------------------------------------------------------------------

API_PATHS = {
    "/api/v1/review/queue": {"get"},
    "/api/v1/review/queue/claim-next": {"post"},
    "/api/v1/review/cases/mine": {"get"},
    "/api/v1/review/cases/{case_id}": {"get"},
    "/api/v1/review/cases/{case_id}/reveal": {"post"},
    "/api/v1/review/cases/{case_id}/claim": {"post"},
    "/api/v1/review/cases/{case_id}/release": {"post"},
    "/api/v1/review/cases/{case_id}/assign": {"post"},
    "/api/v1/review/cases/{case_id}/approve": {"post"},
    "/api/v1/review/cases/{case_id}/reject": {"post"},
    "/api/v1/review/cases/{case_id}/request-information": {"post"},
    "/api/v1/review/cases/{case_id}/send-to-check": {"post"},
    "/api/v1/review/cases/{case_id}/escalate": {"post"},
    "/api/v1/review/documents/{document_id}/decision": {"post"},
    "/api/v1/me/cases": {"get"},
    "/api/v1/me/documents": {"post"},
    "/api/v1/me/cases/{case_id}/provide-information": {"post"},
    "/api/v1/store/cases/{case_id}": {"get"},
    "/api/v1/store/cases/{case_id}/documents": {"post"},
    "/api/v1/store/cases/{case_id}/provide-information": {"post"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_and_describes_every_endpoint_with_its_errors(schema):
    validate_schema(schema)
    for path, methods in API_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path
        for method in methods:
            responses = schema["paths"][path][method]["responses"]
            errors = [code for code in responses if code.startswith("4")]
            assert errors, f"{method} {path} documents no error"
            for code in errors:
                content = responses[code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_schema_shows_examples_and_the_upload_as_multipart(schema):
    detail = schema["paths"]["/api/v1/review/cases/{case_id}"]["get"]
    assert detail["responses"]["200"]["content"]["application/json"]["examples"]
    approve = schema["paths"]["/api/v1/review/cases/{case_id}/approve"]["post"]
    assert "examples" in approve["responses"]["403"]["content"]["application/json"]
    upload = schema["paths"]["/api/v1/me/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


SOURCES = [
    "verification/apis.py",
    "verification/serializers.py",
    "verification/workflow.py",
    "verification/services.py",
    "verification/selectors.py",
    "verification/documents.py",
]


def test_every_code_the_verification_api_can_answer_is_documented():
    codes = set()
    for source in SOURCES:
        text = (ROOT / source).read_text()
        codes |= set(re.findall(r'\b(?:default_)?code\s*=\s*"([a-z_]+)"', text))
    # The second-factor guard answers API requests itself, before any view.
    middleware = (ROOT / "kyc_portal/accounts/middleware.py").read_text()
    codes |= set(re.findall(r'"code": "([a-z_]+)"', middleware))
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs/api.md").read_text()))

    assert {"staff_token", "case_not_found", "bad_cursor", "four_eyes_own_entry"} <= codes
    assert codes - documented == set()
