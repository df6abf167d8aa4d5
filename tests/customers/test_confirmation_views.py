"""The confirmation pages as a customer sees them, in English and in Chinese."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from customers.enums import Channel
from customers.models import Confirmation
from customers.services import enterprise_register
from kyc_portal.accounts.roles import Role
from tests.customers.test_confirmation import Phone, case_of, mobile_of, wrong
from tests.factories.accounts import UserFactory
from tests.factories.customers import enterprise_details
from verification.enums import CaseState

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def phone(settings, tmp_path, celery_eager, django_capture_on_commit_callbacks) -> Phone:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return Phone(tmp_path / "sms", django_capture_on_commit_callbacks)


def link(token: str, page: str = "confirmation_link") -> str:
    return reverse(f"customers:{page}", kwargs={"token": token})


def test_the_link_shows_the_masked_summary_and_confirms(client, phone):
    customer = phone.register()
    token = phone.token(mobile_of(customer))

    page = client.get(link(token), **ENGLISH)

    html = page.content.decode()
    assert page.status_code == 200
    assert "王**" in html
    assert customer.individual.document_number not in html
    assert customer.individual.mobile[-8:] not in html
    assert link(token, "confirmation_correct") in html
    assert page["Referrer-Policy"] == "same-origin"  # the token never leaves the site

    answer = client.post(link(token), **ENGLISH)

    assert answer.status_code == 302
    # No login yet (as for an in-store application): choosing one comes next.
    assert answer["Location"] == link(token, "confirmation_set_login")
    assert case_of(customer).state == CaseState.DOCUMENT_REVIEW


def test_a_customer_with_a_login_is_thanked_after_confirming(client, phone):
    customer = phone.register()
    customer.user = UserFactory(role=Role.CUSTOMER)
    customer.save(update_fields=["user"])
    token = phone.token(mobile_of(customer))

    answer = client.post(link(token), **ENGLISH)

    assert answer["Location"] == reverse("customers:confirmation_done")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(ENGLISH, "already confirmed"), (CHINESE, "已经确认")],
)
def test_a_used_link_says_so_in_the_visitors_language(client, phone, headers, expected):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    client.post(link(token))

    page = client.get(link(token), **headers)

    assert page.status_code == 409
    assert expected in page.content.decode()
    assert b"confirmation_link_resend" not in page.content


def test_an_expired_link_offers_a_new_message_which_is_rate_limited(client, phone):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    later = timezone.now() + datetime.timedelta(hours=73)
    with freeze_time(later):
        page = client.get(link(token), **ENGLISH)
        assert page.status_code == 410
        assert "This confirmation link has expired" in page.content.decode()
        assert link(token, "confirmation_link_resend") in page.content.decode()

        with phone.capture(execute=True):
            sent = client.post(link(token, "confirmation_link_resend"), follow=True, **ENGLISH)

        assert sent.status_code == 200
        assert "139****" in sent.content.decode()
        assert len(phone.texts(mobile_of(customer))) == 2

        again = client.post(link(token, "confirmation_link_resend"), **ENGLISH)

        assert again.status_code == 429
        assert "You can ask again in" in again.content.decode()
        assert len(phone.texts(mobile_of(customer))) == 2
        # The newest link works.
        client.post(link(phone.token(mobile_of(customer))))
    assert case_of(customer).state == CaseState.DOCUMENT_REVIEW


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(ENGLISH, "This confirmation link is not valid"), (CHINESE, "确认链接无效")],
)
def test_an_altered_link_is_explained_without_offering_a_message(client, phone, headers, expected):
    customer = phone.register()
    token = phone.token(mobile_of(customer))
    altered = token[:-2] + ("xx" if not token.endswith("xx") else "yy")

    page = client.get(link(altered), **headers)

    assert page.status_code == 400
    assert expected in page.content.decode()
    assert b"/resend/" not in page.content
    assert client.post(link(altered)).status_code == 400
    assert case_of(customer).state == CaseState.AWAITING_CONFIRMATION


def test_the_customer_corrects_the_address_and_gets_a_new_message(client, phone):
    customer = phone.register(email="")
    token = phone.token(mobile_of(customer))

    form = client.get(link(token, "confirmation_correct"), **ENGLISH)
    assert "139****" in form.content.decode()  # the current value, masked
    assert customer.individual.street not in form.content.decode()

    with phone.capture(execute=True):
        answer = client.post(
            link(token, "confirmation_correct"), {"street": "天钥桥路 1 号"}, follow=True, **ENGLISH
        )

    assert answer.redirect_chain[-1][0] == reverse("customers:confirmation_sent")
    customer.individual.refresh_from_db()
    assert customer.individual.street == "天钥桥路 1 号"
    assert len(phone.texts(mobile_of(customer))) == 2
    assert client.get(link(token), **ENGLISH).status_code == 409  # replaced


def test_a_rejected_correction_keeps_what_was_typed(client, phone):
    customer = phone.register(email="")
    token = phone.token(mobile_of(customer))

    page = client.post(
        link(token, "confirmation_correct"),
        {"mobile": "12345", "street": "天钥桥路 1 号"},
        **ENGLISH,
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "This phone number does not exist" in html or "not a phone number" in html
    assert 'value="天钥桥路 1 号"' in html
    assert Confirmation.objects.count() == 1


def test_an_empty_correction_is_refused(client, phone):
    customer = phone.register(email="")
    token = phone.token(mobile_of(customer))
    page = client.post(link(token, "confirmation_correct"), {}, **ENGLISH)
    assert "Fill in at least one field" in page.content.decode()


def test_an_enterprise_is_sent_to_the_app_or_the_store_for_corrections(client, phone):
    customer = phone.run(
        enterprise_register,
        details=enterprise_details(),
        channel=Channel.WEB,
        consent_given=True,
        language="en",
    )
    token = phone.token(customer.enterprise.contact_mobile)
    page = client.get(link(token, "confirmation_correct"), **ENGLISH)
    assert "mobile app" in page.content.decode()
    assert b"<form" not in page.content.split(b"<main")[1]


def test_the_code_page_needs_a_login(client):
    page = client.get(reverse("customers:confirmation_code"))
    assert page.status_code == 302
    assert reverse("accounts:login") in page["Location"]


def test_a_logged_in_customer_confirms_with_the_code(client, phone):
    user = UserFactory(role=Role.CUSTOMER)
    customer = phone.register(user=user)
    code = phone.code(mobile_of(customer))
    client.force_login(user)
    url = reverse("customers:confirmation_code")

    page = client.get(url, **ENGLISH)
    assert "Send the message again" in page.content.decode()

    refused = client.post(url, {"code": wrong(code)}, **ENGLISH)
    assert "You can try 4 more times" in refused.content.decode()

    answer = client.post(url, {"code": code}, **ENGLISH)
    assert answer.status_code == 302
    assert case_of(customer).state == CaseState.DOCUMENT_REVIEW


def test_the_resend_button_tells_the_customer_when_to_try_again(client, phone):
    user = UserFactory(role=Role.CUSTOMER)
    customer = phone.register(user=user)
    client.force_login(user)
    url = reverse("customers:confirmation_resend")
    code_page = reverse("customers:confirmation_code")

    page = client.post(url, {"next": code_page}, follow=True, **ENGLISH)

    assert page.redirect_chain[-1][0] == code_page
    assert "You can ask again in" in page.content.decode()
    with freeze_time(timezone.now() + datetime.timedelta(seconds=61)), phone.capture(execute=True):
        page = client.post(url, {"next": "https://evil.example/"}, follow=True, **ENGLISH)
    assert page.redirect_chain[-1][0] == code_page
    assert "We have sent a new confirmation message" in page.content.decode()
    assert len(phone.texts(mobile_of(customer))) == 2


def test_staff_without_an_application_get_no_code_page(client):
    client.force_login(UserFactory(role=Role.CUSTOMER))
    assert client.get(reverse("customers:confirmation_code")).status_code == 404
