"""Logins, failed logins, lockouts and logouts are written to the trail.

The login page is being rebuilt elsewhere; these tests drive Django's own authenticate /
login / logout (which send the signals), plus one pass through the login URL.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from kyc_portal.accounts.models import User
from kyc_portal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
REAL_IP = "203.0.113.7"
FORGED = {"HTTP_X_FORWARDED_FOR": "198.51.100.99", "HTTP_USER_AGENT": "Mozilla/5.0 (test)"}


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(username="customer.chen", password=PASSWORD)


def login_request():
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=REAL_IP, **FORGED)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    return request


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_login_and_logout_are_recorded_with_the_real_address(customer):
    request = login_request()
    user = authenticate(request, username="customer.chen", password=PASSWORD)
    login(request, user)
    logout(request)

    (logged_in,) = entries("auth.login")
    (logged_out,) = entries("auth.logout")
    for entry in (logged_in, logged_out):
        assert entry.actor == customer
        assert entry.actor_label == "customer.chen"
        assert (entry.target_type, entry.target_id) == ("accounts.user", str(customer.pk))
        assert entry.ip == REAL_IP
        assert entry.user_agent == "Mozilla/5.0 (test)"


def test_failed_login_names_the_account_but_not_what_was_typed(customer):
    assert authenticate(login_request(), username="customer.chen", password="wrong") is None

    (failed,) = entries("auth.login_failed")
    assert failed.actor is None
    assert failed.actor_label == "anonymous"
    assert (failed.target_type, failed.target_id) == ("accounts.user", str(customer.pk))
    assert failed.ip == REAL_IP
    assert failed.details == {}


def test_failed_login_for_an_unknown_name_keeps_no_trace_of_the_name():
    typed = "13900001111"
    assert authenticate(login_request(), username=typed, password="wrong") is None

    (failed,) = entries("auth.login_failed")
    assert (failed.target_type, failed.target_id) == ("", "")
    assert failed.ip == REAL_IP
    stored = AuditEntry.objects.filter(pk=failed.pk).values().get()
    assert typed not in str(stored)


def test_lockout_is_recorded(customer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        authenticate(login_request(), username="customer.chen", password="wrong")

    (locked,) = entries("auth.locked_out")
    assert locked.target_id == str(customer.pk)
    assert locked.ip == REAL_IP
    assert len(entries("auth.login_failed")) == settings.AXES_FAILURE_LIMIT


def test_login_through_the_login_page_is_recorded(client, customer):
    response = client.post(
        reverse("accounts:login"),
        {"username": "customer.chen", "password": PASSWORD},
        REMOTE_ADDR=REAL_IP,
        **FORGED,
    )

    assert response.status_code == 302
    (logged_in,) = entries("auth.login")
    assert logged_in.actor == customer
    assert logged_in.ip == REAL_IP
