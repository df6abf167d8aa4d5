"""Registration through the mobile-app API: the same validation as every channel, one JSON
error shape with stable codes and field names, and nothing half-saved when refused."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.apis import RegistrationThrottle
from customers.enums import Channel, CustomerKind, DocumentType
from customers.models import Consent, Customer, DuplicateIdentityAttempt, Individual
from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role, user_role
from tests.factories.customers import (
    credit_code,
    enterprise_details,
    individual_details,
    register_individual,
    resident_id,
)
from verification.enums import CaseState

pytestmark = pytest.mark.django_db

INDIVIDUAL_URL = reverse("v1:registration-individual")
ENTERPRISE_URL = reverse("v1:registration-enterprise")
PASSWORD = "a-long-and-private-passphrase"
VALID_ID = "11010519491231002X"  # born 1949-12-31, female
_usernames = iter(range(1_000_000))


def login_fields(**overrides) -> dict:
    return {
        "consent": True,
        "username": f"app.user{next(_usernames)}",
        "password": PASSWORD,
        **overrides,
    }


def individual_payload(**overrides) -> dict:
    login = {
        key: overrides.pop(key) for key in ("consent", "username", "password") if key in overrides
    }
    return {**individual_details(**overrides), **login_fields(**login)}


def enterprise_payload(**overrides) -> dict:
    login = {
        key: overrides.pop(key) for key in ("consent", "username", "password") if key in overrides
    }
    return {**enterprise_details(**overrides), **login_fields(**login)}


def throttle_key(address: str = "127.0.0.1") -> str:
    return RegistrationThrottle.cache_format % {"scope": "registration", "ident": address}


@pytest.fixture(autouse=True)
def fresh_registration_allowance():
    """Every test starts with this address's full registration allowance."""
    cache.delete(throttle_key())
    yield
    cache.delete(throttle_key())


@pytest.fixture
def api(settings) -> APIClient:
    settings.LANGUAGE_CODE = "en"
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def post(api: APIClient, url: str, payload, **extra):
    return api.post(url, payload, format="json", **extra)


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def field_codes(response) -> dict[str, list[str]]:
    return {
        field: [item["code"] for item in items]
        for field, items in error_of(response)["fields"].items()
    }


def assert_nothing_saved():
    assert Customer.objects.count() == 0
    assert User.objects.count() == 0
    assert Token.objects.count() == 0


# --- happy paths ---------------------------------------------------------------------------


def test_an_individual_registers_and_gets_a_token_for_their_application(api):
    payload = individual_payload()

    response = post(api, INDIVIDUAL_URL, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_type"] == "individual"
    assert body["case"]["state"] == CaseState.AWAITING_CONFIRMATION
    assert body["case"]["state_label"] == "Waiting for the customer's confirmation"
    customer = Customer.objects.get(pk=body["customer_id"])
    assert str(customer.cases.get().pk) == body["case"]["id"]
    assert (customer.channel, customer.language) == (Channel.API, "en")
    assert customer.user.username == payload["username"]
    assert customer.entered_by == customer.user
    assert user_role(customer.user) == Role.CUSTOMER
    assert customer.user.check_password(PASSWORD)
    assert Consent.objects.get(customer=customer).channel == Channel.API
    # The token is the customer's way in to their own application.
    own = APIClient().get(reverse("v1:application"), HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert own.status_code == 200
    assert own.json()["customer_id"] == body["customer_id"]


def test_an_enterprise_registers_with_its_representative_and_owners(api):
    owners = [
        {
            "full_name": "张三",
            "document_type": "resident_id",
            "document_number": resident_id(birth_date=datetime.date(1975, 3, 2)),
            "share": "60.5",
        },
        {
            "full_name": "Jane Smith",
            "nationality": "GB",
            "document_type": "passport",
            "document_number": "123456789",
            "share": "30",
        },
    ]

    response = post(api, ENTERPRISE_URL, enterprise_payload(beneficial_owners=owners))

    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    assert customer.kind == CustomerKind.ENTERPRISE
    enterprise = customer.enterprise
    assert enterprise.legal_representative.full_name == "张三"
    shares = sorted(owner.share for owner in enterprise.beneficial_owners.all())
    assert [str(share) for share in shares] == ["30.00", "60.50"]


def test_full_width_digits_and_lower_case_x_are_normalised_then_validated(api):
    typed = "１１０１０５ １９４９１２３１ ００２ｘ"
    payload = individual_payload(
        document_number=typed, birth_date=datetime.date(1949, 12, 31), gender="female"
    )

    response = post(api, INDIVIDUAL_URL, payload)

    assert response.status_code == 201, response.content
    assert Individual.objects.get().document_number == VALID_ID


def test_html_and_script_are_stored_and_returned_as_text(api):
    script = "<script>alert('x')</script>"
    payload = individual_payload(full_name=f"王{script}", occupation=script)

    response = post(api, INDIVIDUAL_URL, payload)

    assert response.status_code == 201, response.content
    individual = Individual.objects.get()
    assert (individual.full_name, individual.occupation) == (f"王{script}", script)
    own = APIClient().get(
        reverse("v1:application"), HTTP_AUTHORIZATION=f"Token {response.json()['token']}"
    )
    assert own["Content-Type"] == "application/json"
    assert own.json()["individual"]["occupation"] == script


# --- refused registrations: exact code, exact field, nothing saved ----------------------------


def _wrong_check_digit() -> str:
    number = resident_id()
    return number[:17] + ("0" if number[17] != "0" else "1")


def _unknown_region() -> str:
    return resident_id(region="990000")


TODAY = datetime.date.today()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        pytest.param({"document_number": "WRONG"}, "document_number", "id_length", id="id-length"),
        pytest.param(
            {"document_number": _wrong_check_digit()},
            "document_number",
            "id_checksum",
            id="check-digit",
        ),
        pytest.param(
            {"document_number": resident_id(), "birth_date": datetime.date(1991, 1, 1)},
            "birth_date",
            "birth_date_mismatch",
            id="id-birth-date-mismatch",
        ),
        pytest.param(
            {
                "document_type": DocumentType.PASSPORT,
                "document_number": "E12345678",
                "birth_date": TODAY + datetime.timedelta(days=30),
            },
            "birth_date",
            "birth_date_future",
            id="future-birth-date",
        ),
        pytest.param(
            {
                "document_type": DocumentType.PASSPORT,
                "document_number": "E12345678",
                "birth_date": TODAY - datetime.timedelta(days=10 * 365),
            },
            "birth_date",
            "under_age",
            id="under-age",
        ),
        pytest.param(
            {"document_number": _unknown_region()}, "document_number", "id_region", id="region"
        ),
        pytest.param(
            {"mobile": "+852 9123 4567"}, "mobile", "phone_wrong_country", id="phone-country"
        ),
        pytest.param({"full_name": "  "}, "full_name", "required", id="blank-name"),
        pytest.param({"gender": "other"}, "gender", "invalid_choice", id="gender-choice"),
    ],
)
def test_bad_individual_details_are_refused_with_a_specific_code(api, overrides, field, code):
    response = post(api, INDIVIDUAL_URL, individual_payload(**overrides))

    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "validation_error"
    assert code in field_codes(response)[field]
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        pytest.param(
            {"credit_code": "91310115MA1K3YJ12A"}, "credit_code", "uscc_checksum", id="checksum"
        ),
        pytest.param({"credit_code": "9131011"}, "credit_code", "uscc_length", id="length"),
        pytest.param(
            {"credit_code": "91310115MA1K3YJ1IO"}, "credit_code", "uscc_format", id="letters"
        ),
        pytest.param(
            {
                "beneficial_owners": [
                    {
                        "full_name": "甲",
                        "document_type": "resident_id",
                        "document_number": resident_id(),
                        "share": "10",
                    }
                ]
            },
            "beneficial_owners.0.share",
            "share_range",
            id="owner-share",
        ),
        pytest.param(
            {
                "beneficial_owners": [
                    {"full_name": "甲", "document_type": "resident_id", "share": "30"},
                    {
                        "full_name": "乙",
                        "document_type": "resident_id",
                        "document_number": _wrong_check_digit(),
                        "share": "30",
                    },
                ]
            },
            "beneficial_owners.1.document_number",
            "id_checksum",
            id="second-owner-id",
        ),
        pytest.param(
            {"representative_document_number": _wrong_check_digit()},
            "representative_document_number",
            "id_checksum",
            id="representative-id",
        ),
        pytest.param(
            {"contact_mobile": "+852 9123 4567"},
            "contact_mobile",
            "phone_wrong_country",
            id="contact-phone",
        ),
    ],
)
def test_bad_enterprise_details_are_refused_with_a_specific_code(api, overrides, field, code):
    response = post(api, ENTERPRISE_URL, enterprise_payload(**overrides))

    assert response.status_code == 400, response.content
    assert code in field_codes(response)[field]
    assert_nothing_saved()


def test_owner_shares_above_100_percent_in_total_are_refused(api):
    owner = {"full_name": "甲", "document_type": "resident_id", "share": "60"}
    owners = [
        {**owner, "document_number": resident_id()},
        {**owner, "document_number": resident_id()},
    ]

    response = post(api, ENTERPRISE_URL, enterprise_payload(beneficial_owners=owners))

    assert field_codes(response) == {"beneficial_owners": ["share_total"]}
    assert_nothing_saved()


def test_a_duplicate_identity_is_refused_without_revealing_the_other_customer(api):
    number = resident_id()
    existing = register_individual(document_number=number, full_name="赵六")
    users_before = User.objects.count()

    response = post(api, INDIVIDUAL_URL, individual_payload(document_number=number.lower()))

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "duplicate_identity"
    assert list(error["fields"]) == ["document_number"]
    assert error["fields"]["document_number"][0]["code"] == "duplicate_identity"
    text = response.content.decode()
    assert "赵" not in text and str(existing.pk) not in text
    assert Customer.objects.count() == 1
    assert User.objects.count() == users_before  # the new login was rolled back
    # ... but the attempt stays on record for the risk engine.
    attempt = DuplicateIdentityAttempt.objects.get()
    assert (attempt.existing_customer, attempt.channel) == (existing, Channel.API)
    assert attempt.attempted_by is None


def test_a_duplicate_credit_code_is_refused(api):
    code = credit_code()
    assert post(api, ENTERPRISE_URL, enterprise_payload(credit_code=code)).status_code == 201

    response = post(api, ENTERPRISE_URL, enterprise_payload(credit_code=code))

    assert response.status_code == 409
    assert field_codes(response) == {"credit_code": ["duplicate_identity"]}
    assert Customer.objects.count() == User.objects.count() == 1


def test_consent_must_be_given(api):
    response = post(api, INDIVIDUAL_URL, individual_payload(consent=False))

    assert response.status_code == 400
    assert error_of(response)["code"] == "consent_required"
    assert field_codes(response) == {"consent": ["consent_required"]}
    assert_nothing_saved()


def test_a_taken_login_name_and_a_weak_password_are_refused(api):
    User.objects.create_user(username="Taken.Name", password=PASSWORD)

    response = post(
        api, INDIVIDUAL_URL, individual_payload(username="taken.name", password="12345")
    )

    assert response.status_code == 400
    assert field_codes(response)["username"] == ["username_taken"]
    # Checked once the login name is acceptable.
    response = post(api, INDIVIDUAL_URL, individual_payload(password="1234567890"))
    assert "password_entirely_numeric" in field_codes(response)["password"]
    assert Customer.objects.count() == 0


# --- malformed requests --------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name(api):
    payload = individual_payload(favourite_colour="blue")

    response = post(api, INDIVIDUAL_URL, payload)

    assert response.status_code == 400
    assert field_codes(response) == {"favourite_colour": ["unknown_field"]}
    assert_nothing_saved()


def test_unknown_fields_inside_an_owner_are_refused_by_their_dotted_name(api):
    owner = {
        "full_name": "甲",
        "document_type": "resident_id",
        "document_number": resident_id(),
        "share": "50",
        "shoe_size": 42,
    }

    response = post(api, ENTERPRISE_URL, enterprise_payload(beneficial_owners=[owner]))

    assert field_codes(response) == {"beneficial_owners.0.shoe_size": ["unknown_field"]}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("birth_date", 19900517, "invalid"),
        ("birth_date", "17/05/1990", "invalid"),
        ("consent", "perhaps", "invalid"),
        ("full_name", {"family": "王"}, "invalid"),
        ("document_type", "library_card", "invalid_choice"),
        ("mobile", ["139"], "invalid"),
    ],
)
def test_wrong_types_are_refused_with_the_field_name(api, field, value, code):
    response = post(api, INDIVIDUAL_URL, {**individual_payload(), field: value})

    assert response.status_code == 400
    assert field_codes(response) == {field: [code]}
    assert_nothing_saved()


def test_owners_must_be_a_list(api):
    response = post(api, ENTERPRISE_URL, enterprise_payload(beneficial_owners="张三 60%"))

    assert field_codes(response) == {"beneficial_owners": ["not_a_list"]}


def test_a_missing_body_lists_every_required_field(api):
    response = api.post(INDIVIDUAL_URL)

    assert response.status_code == 400
    codes = field_codes(response)
    for field in ("document_type", "birth_date", "gender", "consent", "username", "password"):
        assert codes[field] == ["required"], field


def test_a_body_that_is_not_an_object_is_refused(api):
    response = post(api, INDIVIDUAL_URL, ["not", "an", "object"])

    assert response.status_code == 400
    assert field_codes(response) == {"non_field_errors": ["invalid"]}


def test_a_body_that_is_not_json_is_refused(api):
    broken = api.post(INDIVIDUAL_URL, '{"full_name": "王', content_type="application/json")
    form = api.post(INDIVIDUAL_URL, {"full_name": "王"})  # multipart form

    assert broken.status_code == 400
    assert error_of(broken)["code"] == "parse_error"
    assert form.status_code == 415
    assert error_of(form)["code"] == "unsupported_media_type"
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("field", "length"),
    [("full_name", 101), ("street", 5000), ("document_number", 100_000), ("occupation", 101)],
)
def test_very_long_inputs_get_a_max_length_error(api, field, length):
    response = post(api, INDIVIDUAL_URL, individual_payload(**{field: "号" * length}))

    assert response.status_code == 400
    assert field_codes(response) == {field: ["max_length"]}
    assert_nothing_saved()


# --- language -------------------------------------------------------------------------------


def test_errors_come_in_the_language_of_the_request(api):
    payload = individual_payload(document_number=_wrong_check_digit())

    english = post(api, INDIVIDUAL_URL, payload, HTTP_ACCEPT_LANGUAGE="en")
    chinese = post(api, INDIVIDUAL_URL, payload, HTTP_ACCEPT_LANGUAGE="zh-Hans")

    english_error, chinese_error = error_of(english), error_of(chinese)
    assert english_error["message"] == "Some fields need your attention."
    assert english_error["fields"]["document_number"] == [
        {
            "code": "id_checksum",
            "message": "The check digit of this ID number is wrong: please check every digit.",
        }
    ]
    assert chinese_error["message"] == "部分字段需要您检查。"
    assert chinese_error["fields"]["document_number"] == [
        {"code": "id_checksum", "message": "该身份证号码的校验位不正确，请逐位核对。"}
    ]


def test_the_customer_language_follows_the_request(api):
    response = post(api, INDIVIDUAL_URL, individual_payload(), HTTP_ACCEPT_LANGUAGE="zh-Hans")

    assert Customer.objects.get(pk=response.json()["customer_id"]).language == "zh-hans"


# --- throttling -----------------------------------------------------------------------------


def test_anonymous_registrations_are_throttled_per_address(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"registration": "2/hour"},
    }
    address = "203.0.113.7"
    cache.delete(throttle_key(address))
    for _ in range(2):
        response = post(api, INDIVIDUAL_URL, individual_payload(), REMOTE_ADDR=address)
        assert response.status_code == 201

    refused = post(api, INDIVIDUAL_URL, individual_payload(), REMOTE_ADDR=address)
    # A forged X-Forwarded-For does not buy a fresh allowance.
    forged = post(
        api,
        INDIVIDUAL_URL,
        individual_payload(),
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    other_address = post(api, INDIVIDUAL_URL, individual_payload(), REMOTE_ADDR="203.0.113.8")

    assert refused.status_code == forged.status_code == 429
    assert error_of(refused)["code"] == "throttled"
    assert error_of(refused)["retry_after_seconds"] > 0
    assert other_address.status_code == 201
    assert Customer.objects.count() == 3
    cache.delete(throttle_key(address))
    cache.delete(throttle_key("203.0.113.8"))
