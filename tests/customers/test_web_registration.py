"""Web self-registration, step by step, through the Django test client."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from stdnum.cn import ric

from customers.consent_texts import CURRENT_VERSION
from customers.enums import Channel, CustomerKind
from customers.models import (
    BeneficialOwner,
    Consent,
    ConsentPurpose,
    Customer,
    DuplicateIdentityAttempt,
    Individual,
)
from customers.services import individual_register
from tests.factories.accounts import UserFactory
from tests.factories.customers import (
    credit_code,
    individual_details,
    register_individual,
    resident_id,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Mountain-river-42-lanterns"
User = get_user_model()


@pytest.fixture
def english(client):
    """The visitor reads English (the portal's default is Chinese)."""
    client.cookies["kyc_language"] = "en"
    return client


def step_url(slug: str, **query) -> str:
    url = reverse("customers:register_step", args=[slug])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def identity_data(**overrides) -> dict:
    details = individual_details()
    data = {
        "full_name": details["full_name"],
        "document_type": details["document_type"],
        "document_number": details["document_number"],
        "nationality": "CN",
        "birth_date": details["birth_date"].isoformat(),
        "gender": details["gender"],
    }
    data.update(overrides)
    return data


def contact_data(**overrides) -> dict:
    details = individual_details()
    data = {
        "mobile": details["mobile"],
        "mobile_region": "CN",
        "email": details["email"],
        "province": details["province"],
        "city": details["city"],
        "district": details["district"],
        "street": details["street"],
        "occupation": details["occupation"],
    }
    data.update(overrides)
    return data


def account_data(**overrides) -> dict:
    data = {
        "username": "xiaoming",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
        "consent_version": CURRENT_VERSION[ConsentPurpose.IDENTITY_PROCESSING],
        "action": "submit",
    }
    data.update(overrides)
    return data


def go_to_review(client, *, identity=None, contact=None):
    assert client.post(step_url("type"), {"kind": "individual"}).status_code == 302
    response = client.post(step_url("identity"), identity or identity_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    response = client.post(step_url("contact"), contact or contact_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == step_url("review")


def field_errors(response, field: str) -> str:
    """The text of the error list rendered beside ``field``."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def registered_customer(**overrides) -> Customer:
    user = UserFactory()
    return individual_register(
        details=individual_details(**overrides),
        channel=Channel.WEB,
        consent_given=True,
        user=user,
        actor=user,
    )


def resident_id_ending_in_x() -> str:
    for _attempt in range(50):
        number = resident_id()
        first_17 = number[:17]
        if ric.calc_check_digit(first_17 + "0") == "X":
            return first_17 + "X"
    raise AssertionError("no number with check character X")


# --- the whole journey -------------------------------------------------------------------


def test_an_individual_registers_is_logged_in_and_sees_the_status_page(client):
    identity = identity_data(full_name="王小明")
    go_to_review(client, identity=identity)

    review = client.get(step_url("review"))
    assert review.status_code == 200
    # The customer sees what they typed, unmasked, and the consent text with its version.
    assert identity["document_number"] in review.content.decode()
    assert CURRENT_VERSION[ConsentPurpose.IDENTITY_PROCESSING] in review.content.decode()

    response = client.post(step_url("review"), account_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:status")
    customer = Customer.objects.get()
    user = User.objects.get(username="xiaoming")
    assert customer.user == user and customer.entered_by == user
    assert customer.channel == Channel.WEB
    assert customer.kind == CustomerKind.INDIVIDUAL
    assert customer.language == "zh-hans"
    assert Consent.objects.get(customer=customer).channel == Channel.WEB
    assert client.session["_auth_user_id"] == str(user.pk)

    status = client.get(reverse("customers:status"))
    page = status.content.decode()
    assert "王**" in page
    assert identity["document_number"] not in page  # masked on the status page
    assert identity["document_number"][:6] + "********" in page
    # Received, consent given, summary sent for confirmation.
    assert page.count('class="timeline__item"') == 3
    assert "customers.registration" not in client.session  # the draft is gone


def test_an_enterprise_registers_with_two_owners_added_without_javascript(english, client):
    representative = resident_id(birth_date=datetime.date(1975, 3, 2))
    client.post(step_url("type"), {"kind": "enterprise"})
    response = client.post(
        step_url("identity"),
        {"legal_name": "上海示例物流有限公司", "credit_code": credit_code(), "business_scope": ""},
    )
    assert response["Location"] == step_url("contact")
    response = client.post(
        step_url("contact"),
        {
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "street": "世纪大道 100 号",
            "contact_name": "李四",
            "contact_mobile": "13712345678",
            "contact_mobile_region": "CN",
            "contact_email": "contact@example.com",
        },
    )
    assert response["Location"] == step_url("parties")
    parties = {
        "representative_full_name": "张三",
        "representative_document_type": "resident_id",
        "representative_document_number": representative,
        "representative_nationality": "CN",
        "owners-TOTAL_FORMS": "1",
        "owners-INITIAL_FORMS": "0",
        "owners-0-full_name": "张三",
        "owners-0-document_type": "resident_id",
        "owners-0-document_number": representative,
        "owners-0-nationality": "CN",
        "owners-0-share": "60",
    }

    added = client.post(step_url("parties"), {**parties, "action": "add_owner"})

    assert added.status_code == 200
    page = added.content.decode()
    assert 'name="owners-TOTAL_FORMS" value="2"' in page
    assert 'name="owners-1-full_name"' in page
    assert 'value="张三"' in page  # the first owner is kept
    assert 'class="errorlist"' not in page  # adding a row judges nothing yet

    second = resident_id(birth_date=datetime.date(1980, 1, 1), female=True)
    too_much = {
        **parties,
        "owners-TOTAL_FORMS": "2",
        "owners-1-full_name": "赵六",
        "owners-1-document_type": "resident_id",
        "owners-1-document_number": second,
        "owners-1-nationality": "CN",
        "owners-1-share": "50",
    }
    refused = client.post(step_url("parties"), too_much)
    assert refused.status_code == 200
    assert "110%" in refused.content.decode()  # "add up to 110%, more than 100%"

    response = client.post(step_url("parties"), {**too_much, "owners-1-share": "40"})
    assert response["Location"] == step_url("review")
    response = client.post(step_url("review"), account_data(username="logistics"))
    assert response["Location"] == reverse("customers:status")
    customer = Customer.objects.get()
    assert customer.kind == CustomerKind.ENTERPRISE
    assert sorted(BeneficialOwner.objects.values_list("share", flat=True)) == [40, 60]
    assert customer.enterprise.legal_representative.document_number == representative


# --- each step keeps what was typed ------------------------------------------------------


def test_a_rejected_identity_step_shows_the_error_beside_the_field_and_keeps_the_input(
    english, client
):
    client.post(step_url("type"), {"kind": "individual"})
    number = resident_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")

    response = client.post(
        step_url("identity"), identity_data(document_number=wrong, full_name="李雷")
    )

    assert response.status_code == 200
    assert "check digit" in field_errors(response, "document_number")
    page = response.content.decode()
    assert f'value="{wrong}"' in page
    assert 'value="李雷"' in page
    assert 'aria-invalid="true"' in page
    # The step is not passed: the next step sends the visitor back to fix it.
    assert client.get(step_url("contact"))["Location"] == step_url("identity")


def test_the_declared_birth_date_must_match_the_id_number(english, client):
    client.post(step_url("type"), {"kind": "individual"})
    response = client.post(
        step_url("identity"),
        identity_data(
            document_number=resident_id(birth_date=datetime.date(1990, 5, 17)),
            birth_date="1991-05-17",
        ),
    )
    errors = field_errors(response, "birth_date")
    assert "differs from the one in the ID number" in errors
    # The date inside the number is not spelled out: an error can reach a shared screen.
    assert "1990-05-17" not in errors
    assert 'value="1991-05-17"' in response.content.decode()


def test_going_back_keeps_every_step_as_typed(client):
    identity = identity_data(full_name="韩梅梅")
    client.post(step_url("type"), {"kind": "individual"})
    client.post(step_url("identity"), identity)
    # Half-typed contact details, then "Back": nothing is judged, nothing is lost.
    response = client.post(
        step_url("contact"), contact_data(mobile="1381234", street="人民路 1 号", action="back")
    )
    assert response["Location"] == step_url("identity")

    identity_page = client.get(step_url("identity")).content.decode()
    assert 'value="韩梅梅"' in identity_page
    assert f'value="{identity["document_number"]}"' in identity_page
    contact_page = client.get(step_url("contact")).content.decode()
    assert 'value="1381234"' in contact_page
    assert 'value="人民路 1 号"' in contact_page


def test_a_change_link_returns_to_the_review_with_everything_kept(client):
    go_to_review(client)
    review = client.get(step_url("review")).content.decode()
    assert step_url("contact", **{"return": "review"}) in review

    response = client.post(
        step_url("contact", **{"return": "review"}), contact_data(street="新华路 2 号")
    )

    assert response["Location"] == step_url("review")
    assert "新华路 2 号" in client.get(step_url("review")).content.decode()


def test_a_step_cannot_be_skipped(client):
    response = client.get(step_url("review"))
    assert response["Location"] == step_url("type")


# --- duplicates, consent, login ----------------------------------------------------------


def test_a_duplicate_identity_is_refused_on_the_identity_step_and_nothing_is_created(
    english, client
):
    existing = register_individual()
    number = existing.individual.document_number
    go_to_review(client, identity=identity_data(document_number=number))

    response = client.post(step_url("review"), account_data())

    assert response["Location"] == step_url("identity")
    page = client.get(step_url("identity"))
    assert "already registered" in field_errors(page, "document_number")
    assert f'value="{number}"' in page.content.decode()  # the data is kept
    assert not User.objects.filter(username="xiaoming").exists()
    assert Customer.objects.count() == 1
    # The attempt is kept for the risk engine although the login was rolled back.
    attempt = DuplicateIdentityAttempt.objects.get()
    assert attempt.existing_customer == existing
    assert attempt.channel == Channel.WEB


def test_without_consent_nothing_is_registered_and_the_username_is_kept(english, client):
    go_to_review(client)
    response = client.post(step_url("review"), account_data(consent=""))
    assert response.status_code == 200
    assert "consent" in field_errors(response, "consent")
    assert 'value="xiaoming"' in response.content.decode()
    assert not Customer.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"password1": "password123", "password2": "password123"}, "password2", "too common"),
        ({"password2": PASSWORD + "x"}, "password2", "didn’t match"),
    ],
)
def test_the_password_is_checked_by_django_validators(english, client, overrides, field, expected):
    go_to_review(client)
    response = client.post(step_url("review"), account_data(**overrides))
    assert escape(expected) in field_errors(response, field)
    assert not User.objects.exists()


def test_a_username_already_taken_is_refused(client):
    UserFactory(username="xiaoming")
    go_to_review(client)
    response = client.post(step_url("review"), account_data())
    assert field_errors(response, "username")
    assert not Customer.objects.exists()


# --- bad input ---------------------------------------------------------------------------


def test_html_in_text_fields_is_stored_as_text_and_shown_escaped(client):
    script = '<script>alert("x")</script>'
    go_to_review(
        client,
        identity=identity_data(full_name=f"王{script}"),
        contact=contact_data(street=f"人民路{script}", occupation="<b>boss</b>"),
    )
    review = client.get(step_url("review")).content.decode()
    assert "<script>alert" not in review
    assert escape(f"王{script}") in review
    assert escape("<b>boss</b>") in review

    client.post(step_url("review"), account_data())

    individual = Individual.objects.get()
    assert individual.full_name == f"王{script}"
    assert individual.street == f"人民路{script}"
    status = client.get(reverse("customers:status")).content.decode()
    assert "<script>alert" not in status


def test_very_long_inputs_get_a_length_error_not_a_server_error(english, client):
    client.post(step_url("type"), {"kind": "individual"})
    response = client.post(
        step_url("identity"),
        identity_data(full_name="王" * 5000, document_number="1" * 5000),
    )
    assert response.status_code == 200
    assert "at most 100 characters" in field_errors(response, "full_name")
    assert "at most 40 characters" in field_errors(response, "document_number")


def test_full_width_digits_and_a_lower_case_x_are_accepted_and_normalised(client):
    number = resident_id_ending_in_x()
    full_width = number[:6].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    typed = f"{full_width} {number[6:17]}x"
    birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    gender = "male" if int(number[16]) % 2 else "female"

    go_to_review(
        client,
        identity=identity_data(
            document_number=typed, birth_date=birth_date.isoformat(), gender=gender
        ),
    )
    assert number in client.get(step_url("review")).content.decode()
    client.post(step_url("review"), account_data())

    assert Individual.objects.get().document_number == number


def _under_age_identity():
    today = timezone.localdate()
    birth_date = datetime.date(today.year - 10, 1, 15)
    return identity_data(
        document_number=resident_id(birth_date=birth_date), birth_date=birth_date.isoformat()
    )


def _future_birth_date_identity():
    future = timezone.localdate() + datetime.timedelta(days=30)
    return identity_data(
        document_type="passport", document_number="E12345678", birth_date=future.isoformat()
    )


def _unknown_region_identity():
    return identity_data(document_number=resident_id(region="999999"))


def _wrong_check_digit_identity():
    number = resident_id()
    return identity_data(document_number=number[:-1] + ("1" if number[-1] == "0" else "0"))


BAD_IDENTITIES = {
    "under age": (
        _under_age_identity,
        "birth_date",
        "Customers must be at least %(minimum)d years old to register.",
        {"minimum": 18},
    ),
    "future birth date": (
        _future_birth_date_identity,
        "birth_date",
        "The date of birth cannot be in the future.",
        {},
    ),
    "unknown region": (
        _unknown_region_identity,
        "document_number",
        "The region code %(code)s at the start of this ID number does not exist.",
        {"code": "999999"},
    ),
    "wrong check digit": (
        _wrong_check_digit_identity,
        "document_number",
        "The check digit of this ID number is wrong: please check every digit.",
        {},
    ),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", list(BAD_IDENTITIES))
def test_bad_identities_get_their_own_message_in_the_visitors_language(client, language, case):
    make_data, field, message, params = BAD_IDENTITIES[case]
    with translation.override(language):
        expected = gettext(message) % params
    if language == "zh-hans":
        assert expected != message % params, "the Chinese translation is missing"
    client.cookies["kyc_language"] = language
    client.post(step_url("type"), {"kind": "individual"})

    response = client.post(step_url("identity"), make_data())

    assert response.status_code == 200
    assert escape(expected) in field_errors(response, field)


# --- the status page ---------------------------------------------------------------------


def test_a_customer_sees_only_their_own_application(client):
    mine = registered_customer(full_name="王小明")
    theirs = registered_customer(full_name="赵大伟")
    client.force_login(mine.user)

    page = client.get(reverse("customers:status")).content.decode()
    assert "王**" in page and "赵**" not in page
    own_case = mine.cases.get()
    assert client.get(reverse("customers:status_case", args=[own_case.pk])).status_code == 200
    other_case = theirs.cases.get()
    assert client.get(reverse("customers:status_case", args=[other_case.pk])).status_code == 404


def test_the_status_page_is_for_customers_only(client):
    assert client.get(reverse("customers:status"))["Location"].startswith(reverse("accounts:login"))
    client.force_login(UserFactory(role="reviewer"))
    assert client.get(reverse("customers:status")).status_code == 403


def test_logged_in_customers_are_not_offered_a_second_registration(client):
    client.force_login(registered_customer().user)
    assert client.get(step_url("type"))["Location"] == reverse("customers:status")


def test_the_draft_kept_between_steps_is_encrypted_in_the_session_table(client):
    from django.contrib.sessions.models import Session

    identity = identity_data()
    client.post(step_url("type"), {"kind": "individual"})
    client.post(step_url("identity"), identity)

    stored = Session.objects.get().get_decoded()
    assert identity["document_number"] not in str(stored)
    assert identity["full_name"] not in str(stored)
    # …and the step still shows what was typed.
    assert identity["document_number"] in client.get(step_url("identity")).content.decode()
