"""Token login and logout for the app; failed logins lock out as on the web (django-axes)."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = reverse("v1:token")
APPLICATION = reverse("v1:application")


@pytest.fixture
def api(settings) -> APIClient:
    settings.LANGUAGE_CODE = "en"
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def customer():
    return UserFactory(role=Role.CUSTOMER, username="wang.fang")


def log_in(api, username, password, **extra):
    return api.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def test_the_right_password_gives_a_token_that_opens_the_api(api, customer):
    response = log_in(api, "wang.fang", DEFAULT_PASSWORD)

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=customer).key == token
    # The customer has no application yet, but the token is accepted.
    own = APIClient().get(APPLICATION, HTTP_AUTHORIZATION=f"Token {token}")
    assert own.status_code == 404
    assert AuditEntry.objects.filter(action="auth.login", actor=customer).exists()


def test_unknown_user_and_wrong_password_get_the_same_answer(api):
    unknown = log_in(api, "li.na", "whatever-password")
    UserFactory(role=Role.CUSTOMER, username="li.na")
    wrong = log_in(api, "li.na", "whatever-password")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()
    assert error_of(wrong)["code"] == "invalid_credentials"
    assert Token.objects.count() == 0


def test_an_inactive_account_gets_the_same_answer(api):
    UserFactory(role=Role.CUSTOMER, username="gone", is_active=False)

    response = log_in(api, "gone", DEFAULT_PASSWORD)

    assert error_of(response)["code"] == "invalid_credentials"


def test_too_many_wrong_passwords_lock_the_login_out_with_a_json_answer(api, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(api, "wang.fang", "wrong-password").status_code == 400

    last_try = log_in(api, "wang.fang", "wrong-password")
    right_password_too_late = log_in(api, "wang.fang", DEFAULT_PASSWORD)

    for response in (last_try, right_password_too_late):
        assert response.status_code == 429
        assert error_of(response)["code"] == "account_locked"
    assert Token.objects.count() == 0


def test_the_lockout_is_shared_with_the_web_login(api, customer, settings, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "wang.fang", "password": "nope"})

    response = log_in(api, "wang.fang", DEFAULT_PASSWORD)

    assert error_of(response)["code"] == "account_locked"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.STORE_STAFF, Role.ADMINISTRATOR])
def test_staff_get_no_token_because_it_would_skip_their_second_factor(api, role):
    UserFactory(role=role, username="staff.member")

    response = log_in(api, "staff.member", DEFAULT_PASSWORD)

    assert response.status_code == 403
    assert error_of(response)["code"] == "customer_only"
    assert Token.objects.count() == 0


def test_a_stale_token_sent_along_does_not_block_logging_in(api, customer):
    response = log_in(api, "wang.fang", DEFAULT_PASSWORD, HTTP_AUTHORIZATION="Token stale")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"username": "wang.fang"}, "password", "required"),
        ({"username": "a" * 151, "password": "x"}, "username", "max_length"),
        ({"username": "wang.fang", "password": "x", "otp": "1"}, "otp", "unknown_field"),
    ],
)
def test_malformed_login_requests(api, payload, field, code):
    response = api.post(TOKEN, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code


def test_logging_out_ends_the_token(api, customer):
    token = log_in(api, "wang.fang", DEFAULT_PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.delete(TOKEN)

    assert response.status_code == 204
    assert not Token.objects.filter(user=customer).exists()
    assert api.get(APPLICATION).status_code == 401
    assert AuditEntry.objects.filter(action="auth.logout", actor=customer).exists()


def test_logging_out_needs_a_login():
    response = APIClient().delete(TOKEN)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
