"""The customer's own application through the API: read it (masked), correct it before
confirming, confirm it with the code, ask for the message again. Only ever one's own."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.enums import Channel
from customers.models import Confirmation, ConfirmationState
from customers.services import enterprise_register, individual_register
from kyc_portal.accounts.roles import Role
from kyc_portal.crypto.masking import mask_id_number
from tests.factories.accounts import UserFactory
from tests.factories.customers import enterprise_details, individual_details, resident_id
from verification.enums import CaseState
from verification.workflow import case_transition

pytestmark = pytest.mark.django_db

APPLICATION = reverse("v1:application")
CONFIRM = reverse("v1:application-confirm")
RESEND = reverse("v1:application-resend-confirmation")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def client_for(user, language: str = "en") -> APIClient:
    token, _created = Token.objects.get_or_create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE=language)


def registered_individual(**overrides):
    user = UserFactory(role=Role.CUSTOMER)
    details = individual_details(**overrides)
    customer = individual_register(
        details=details, channel=Channel.API, consent_given=True, actor=user, user=user
    )
    return customer, details, client_for(user)


def registered_enterprise(**overrides):
    user = UserFactory(role=Role.CUSTOMER)
    details = enterprise_details(**overrides)
    customer = enterprise_register(
        details=details, channel=Channel.API, consent_given=True, actor=user, user=user
    )
    return customer, details, client_for(user)


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def field_codes(response) -> dict[str, list[str]]:
    return {
        field: [item["code"] for item in items]
        for field, items in error_of(response)["fields"].items()
    }


def current_code(customer) -> str:
    """The 6-digit code of the latest message, as the customer reads it in their SMS."""
    confirmation = Confirmation.objects.filter(case__customer=customer).latest("created_at")
    return confirmation.secrets.split(":")[0]


# --- reading -------------------------------------------------------------------------------


def test_a_customer_reads_their_own_application_masked():
    customer, details, api = registered_individual(full_name="欧阳小明")

    response = api.get(APPLICATION)

    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == str(customer.pk)
    assert body["customer_type"] == "individual"
    assert body["case"]["state"] == "awaiting_confirmation"
    assert "6-digit code" in body["case"]["next_step"]
    assert body["case"]["submitted_at"] is not None
    assert body["case"]["confirmed_at"] is None
    assert body["enterprise"] is None
    individual = body["individual"]
    assert individual["full_name"] == "欧***"
    assert individual["document_number"] == mask_id_number(details["document_number"])
    assert individual["birth_date"] == "1990-**-**"
    assert individual["mobile"].endswith("****" + details["mobile"][-4:])
    text = response.content.decode()
    for secret in (details["document_number"], details["mobile"], "欧阳小明", "漕溪北路"):
        assert secret not in text


def test_the_confirmation_message_state_is_shown():
    _customer, details, api = registered_individual()

    confirmation = api.get(APPLICATION).json()["confirmation"]

    assert confirmation["delivery"] == "pending"
    assert confirmation["state"] == "active"
    assert confirmation["sent_by_email"] and confirmation["sent_by_sms"]
    assert confirmation["messages_sent"] == 1
    assert confirmation["sent_to"]["mobile"].endswith(details["mobile"][-4:])
    assert details["mobile"] not in str(confirmation)


def test_an_enterprise_reads_its_application_with_owners_masked():
    _customer, details, api = registered_enterprise()

    body = api.get(APPLICATION).json()

    enterprise = body["enterprise"]
    assert body["individual"] is None
    assert enterprise["legal_name"] == details["legal_name"]  # public, not masked
    assert enterprise["credit_code"] == mask_id_number(details["credit_code"])
    assert enterprise["legal_representative"]["full_name"] == "张*"
    [owner] = enterprise["beneficial_owners"]
    assert owner["share"] == "60.00"
    assert owner["document_number"] == mask_id_number(
        details["beneficial_owners"][0]["document_number"]
    )


def test_labels_and_next_step_follow_the_request_language():
    customer, _details, _api = registered_individual()

    body = client_for(customer.user, language="zh-Hans").get(APPLICATION).json()

    assert body["customer_type_label"] == "个人"
    assert body["case"]["state_label"] == "等待客户确认"


def test_a_customer_only_ever_sees_their_own_application():
    mine, _details, my_api = registered_individual()
    theirs, their_details, their_api = registered_individual()

    # No endpoint takes a customer id; one slipped into the query string changes nothing.
    response = my_api.get(APPLICATION, {"customer_id": str(theirs.pk)})

    assert response.json()["customer_id"] == str(mine.pk)
    assert str(theirs.pk) not in response.content.decode()
    assert their_api.get(APPLICATION).json()["customer_id"] == str(theirs.pk)
    # Nor can one correct or confirm someone else's: each acts on its own case only.
    my_api.patch(APPLICATION, {"occupation": "厨师"}, format="json")
    theirs.individual.refresh_from_db()
    assert theirs.individual.occupation == their_details["occupation"]


def test_anonymous_requests_get_401_with_the_token_scheme():
    for method, url in [("get", APPLICATION), ("patch", APPLICATION), ("post", CONFIRM)]:
        response = getattr(APIClient(), method)(url)
        assert response.status_code == 401, url
        assert error_of(response)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"


def test_an_unsupported_method_gets_405_in_the_same_shape():
    _customer, _details, api = registered_individual()

    response = api.put(APPLICATION, {"occupation": "厨师"}, format="json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_an_invalid_token_gets_401():
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get(APPLICATION)

    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


@pytest.mark.parametrize("role", [Role.STORE_STAFF, Role.REVIEWER, Role.ADMINISTRATOR])
def test_staff_get_a_clear_403(role):
    registered_individual()

    response = client_for(UserFactory(role=role)).get(APPLICATION)

    assert response.status_code == 403
    assert error_of(response)["code"] == "customer_only"


def test_a_customer_login_without_an_application_gets_404():
    response = client_for(UserFactory(role=Role.CUSTOMER)).get(APPLICATION)

    assert response.status_code == 404
    assert error_of(response)["code"] == "no_application"


def test_session_login_works_too(client):
    customer, _details, _api = registered_individual()
    client.force_login(customer.user)

    assert client.get(APPLICATION).json()["customer_id"] == str(customer.pk)


def _three_owners() -> list[dict]:
    return [
        {
            "full_name": name,
            "document_type": "resident_id",
            "document_number": resident_id(),
            "share": "30",
        }
        for name in ("甲", "乙", "丙")
    ]


@pytest.mark.parametrize(
    ("make", "limit"),
    [
        # token, roles, customer with its profile, case, consent, confirmation
        pytest.param(registered_individual, 6, id="individual"),
        # ... and the owners, all in one query however many there are
        pytest.param(
            lambda: registered_enterprise(beneficial_owners=_three_owners()), 7, id="enterprise"
        ),
    ],
)
def test_reading_the_application_takes_a_fixed_number_of_queries(
    make, limit, django_assert_max_num_queries
):
    _customer, _details, api = make()

    with django_assert_max_num_queries(limit):
        response = api.get(APPLICATION)

    assert response.status_code == 200
    body = response.json()
    if body["enterprise"]:
        assert len(body["enterprise"]["beneficial_owners"]) == 3


# --- correcting ----------------------------------------------------------------------------


def test_a_customer_corrects_their_mobile_before_confirming():
    customer, _details, api = registered_individual()

    response = api.patch(APPLICATION, {"mobile": "13912345679"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["individual"]["mobile"].endswith("****5679")
    customer.individual.refresh_from_db()
    assert customer.individual.mobile == "+8613912345679"
    # A fresh confirmation message replaces the old one.
    states = list(
        Confirmation.objects.filter(case__customer=customer)
        .order_by("created_at")
        .values_list("state", flat=True)
    )
    assert states == [ConfirmationState.SUPERSEDED, ConfirmationState.ACTIVE]
    assert response.json()["confirmation"]["messages_sent"] == 2


def test_a_correction_is_validated_like_a_registration_and_saves_nothing_when_wrong():
    customer, details, api = registered_individual()

    response = api.patch(
        APPLICATION,
        {"birth_date": "1991-01-01", "occupation": "医生"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-Hans",
    )

    assert response.status_code == 400
    assert field_codes(response) == {"birth_date": ["birth_date_mismatch"]}
    assert "出生日期" in error_of(response)["fields"]["birth_date"][0]["message"]
    customer.individual.refresh_from_db()
    assert customer.individual.occupation == details["occupation"]


def test_a_correction_to_an_identity_of_another_customer_is_a_duplicate():
    other, other_details, _api = registered_individual()
    _customer, _details, api = registered_individual()

    response = api.patch(
        APPLICATION, {"document_number": other_details["document_number"]}, format="json"
    )

    assert response.status_code == 409
    assert field_codes(response) == {"document_number": ["duplicate_identity"]}
    assert str(other.pk) not in response.content.decode()


def test_an_enterprise_corrects_an_owner_and_gets_dotted_field_names():
    _customer, _details, api = registered_enterprise()
    owner = {
        "full_name": "甲",
        "document_type": "resident_id",
        "document_number": resident_id(),
        "share": "5",
    }

    response = api.patch(APPLICATION, {"beneficial_owners": [owner]}, format="json")

    assert response.status_code == 400
    assert field_codes(response) == {"beneficial_owners.0.share": ["share_range"]}


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"password": "new-password-123"}, "password", "unknown_field"),
        ({"customer_id": "x"}, "customer_id", "unknown_field"),
        ({"street": "路" * 201}, "street", "max_length"),
        ({}, "non_field_errors", "nothing_to_correct"),
    ],
)
def test_malformed_corrections_are_refused(payload, field, code):
    _customer, _details, api = registered_individual()

    response = api.patch(APPLICATION, payload, format="json")

    assert response.status_code == 400
    assert field_codes(response) == {field: [code]}


def test_no_correction_once_the_case_left_confirmation():
    customer, _details, api = registered_individual()
    case_transition(case_id=customer.cases.get().pk, transition="confirm")

    response = api.patch(APPLICATION, {"occupation": "厨师"}, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "not_correctable"


# --- confirming ----------------------------------------------------------------------------


def test_the_customer_confirms_with_the_code():
    customer, _details, api = registered_individual()

    response = api.post(CONFIRM, {"code": current_code(customer)}, format="json")

    assert response.status_code == 200, response.content
    case = response.json()["case"]
    assert case["state"] == CaseState.DOCUMENT_REVIEW
    assert case["confirmed_at"] is not None
    assert customer.cases.get().state == CaseState.DOCUMENT_REVIEW


def test_a_wrong_code_is_refused_and_counted():
    customer, _details, api = registered_individual()
    right = current_code(customer)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = api.post(CONFIRM, {"code": wrong}, format="json")

    assert response.status_code == 400
    assert field_codes(response) == {"code": ["code_wrong"]}
    assert customer.cases.get().state == CaseState.AWAITING_CONFIRMATION


@pytest.mark.parametrize("code", ["12345", "12ab56", "1234567", ""])
def test_a_malformed_code_is_refused_before_it_counts(code):
    customer, _details, api = registered_individual()

    response = api.post(CONFIRM, {"code": code}, format="json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert list(field_codes(response)) == ["code"]
    assert Confirmation.objects.get(case__customer=customer).code_attempts == 0


def test_a_used_code_cannot_confirm_again():
    customer, _details, api = registered_individual()
    code = current_code(customer)
    assert api.post(CONFIRM, {"code": code}, format="json").status_code == 200

    again = api.post(CONFIRM, {"code": code}, format="json")

    assert again.status_code == 409
    assert error_of(again)["code"] == "link_used"


def test_an_expired_code_is_refused():
    customer, _details, api = registered_individual()
    code = current_code(customer)

    with freeze_time(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=30)):
        response = api.post(CONFIRM, {"code": code}, format="json")

    assert response.status_code == 410
    assert error_of(response)["code"] == "code_expired"


# --- asking for the message again ------------------------------------------------------------


def test_asking_again_right_away_is_rate_limited_then_allowed():
    customer, _details, api = registered_individual()

    too_soon = api.post(RESEND)

    assert too_soon.status_code == 429
    error = error_of(too_soon)
    assert error["code"] == "resend_rate_limited"
    assert error["retry_after_seconds"] > 0
    assert too_soon["Retry-After"] == str(error["retry_after_seconds"])

    with freeze_time(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=5)):
        later = api.post(RESEND)

    assert later.status_code == 202, later.content
    assert later.json()["confirmation"]["messages_sent"] == 2
    assert Confirmation.objects.filter(case__customer=customer).count() == 2


def test_no_new_message_once_confirmed():
    customer, _details, api = registered_individual()
    api.post(CONFIRM, {"code": current_code(customer)}, format="json")

    response = api.post(RESEND)

    assert response.status_code == 409
    assert error_of(response)["code"] == "not_awaiting_confirmation"
