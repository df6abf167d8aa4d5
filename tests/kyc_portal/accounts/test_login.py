"""One login page; failed logins lock the account out for a cool-off time (django-axes)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from kyc_portal.accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer():
    return UserFactory(role=Role.CUSTOMER, username="wang.fang")


def attempt(client, username, password, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def without_csrf(page: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.decode())


def test_the_right_password_logs_in(client, customer):
    response = attempt(client, "wang.fang", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    # Same username typed both times: first before the account exists, then after.
    unknown = attempt(client, "li.na", "whatever-password")
    UserFactory(role=Role.CUSTOMER, username="li.na")
    wrong = attempt(client, "li.na", "whatever-password")

    assert unknown.status_code == wrong.status_code == 200
    assert "The username or password is not correct" in wrong.content.decode()
    assert without_csrf(unknown.content) == without_csrf(wrong.content)


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client):
    UserFactory(role=Role.CUSTOMER, username="gone", is_active=False)

    response = attempt(client, "gone", DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()


def test_the_login_form_is_accessible(client):
    page = client.get(LOGIN).content.decode()

    assert '<label class="field__label" for="id_username">' in page
    assert '<label class="field__label" for="id_password">' in page


def test_errors_are_linked_to_their_field(client):
    page = attempt(client, "", "").content.decode()

    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_username_error"' in page
    assert 'id="id_username_error"' in page


def test_too_many_wrong_passwords_lock_the_account_out(client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wang.fang", "wrong-password").status_code == 200

    response = attempt(client, "wang.fang", "wrong-password")

    assert response.status_code == 429
    page = response.content.decode()
    assert "too many failed login attempts" in page
    assert "try again in 15 minutes" in page


def test_the_lockout_message_is_translated(client, customer, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "wang.fang", "wrong-password")

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "15 分钟后重试" in response.content.decode()


def test_the_right_password_does_not_open_a_locked_account(client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wang.fang", "wrong-password")

    response = attempt(client, "wang.fang", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, customer, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wang.fang", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")

    response = attempt(client, "wang.fang", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.250")

    assert response.status_code == 429


def test_the_lockout_is_per_address(client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wang.fang", "wrong", REMOTE_ADDR="198.51.100.1")

    # The owner, from another address, is not locked out by someone else's guessing.
    response = attempt(client, "wang.fang", DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302


def test_the_lockout_lasts_the_cool_off_time(client, customer, settings):
    with freeze_time() as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "wang.fang", "wrong-password")
        clock.tick(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))

        assert attempt(client, "wang.fang", DEFAULT_PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cool_off_time(client, customer, settings):
    with freeze_time() as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "wang.fang", "wrong-password")
        clock.tick(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))

        response = attempt(client, "wang.fang", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_logged_in_users_are_sent_on_from_the_login_page(client, customer):
    client.force_login(customer)

    response = client.get(LOGIN)

    assert response.status_code == 302


def test_logout_needs_a_post(client, customer):
    client.force_login(customer)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
