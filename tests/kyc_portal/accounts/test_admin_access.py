"""The Django admin is for administrators only."""

import pytest
from django.urls import reverse

from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize(
    "role", [Role.CUSTOMER, Role.STORE_STAFF, Role.REVIEWER, Role.COMPLIANCE_OFFICER]
)
def test_other_roles_are_refused_at_the_admin(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_a_reviewer_with_the_staff_flag_set_by_hand_is_still_refused(client):
    reviewer = UserFactory(role=Role.REVIEWER)
    User.objects.filter(pk=reviewer.pk).update(is_staff=True)
    client.force_login(reviewer)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_visitors_are_sent_to_the_portal_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert response.status_code == 200
    assert "accounts/login.html" in [t.name for t in response.templates]


def test_administrators_can_open_the_user_list(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200


def test_only_administrators_get_the_admin_flag():
    assert UserFactory(role=Role.ADMINISTRATOR).is_staff
    for role in Role:
        if role != Role.ADMINISTRATOR:
            assert not UserFactory(role=role).is_staff


def test_giving_the_administrator_group_in_the_admin_grants_admin_access(client):
    from django.contrib.auth.models import Group

    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    reviewer = UserFactory(role=Role.REVIEWER, username="promoted")
    url = reverse("admin:accounts_user_change", args=[reviewer.pk])
    form = {
        "username": "promoted",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [Group.objects.get(name=Role.ADMINISTRATOR).pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "09:00:00",
        "store": "",
    }

    response = client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    reviewer.refresh_from_db()
    assert reviewer.is_staff


def test_an_administrator_cannot_make_a_superuser(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    other = UserFactory(role=Role.REVIEWER)

    response = client.get(reverse("admin:accounts_user_change", args=[other.pk]))

    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.content.decode()


def test_an_administrator_cannot_touch_a_superuser(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    root = User.objects.create_superuser("root", password="a-long-root-password-2026")

    change = client.get(reverse("admin:accounts_user_change", args=[root.pk]))
    password = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "taken-over-2026!", "password2": "taken-over-2026!"},
    )

    assert change.status_code in (302, 404)
    assert password.status_code in (403, 404)
    root.refresh_from_db()
    assert root.check_password("a-long-root-password-2026")


def test_the_user_list_leaves_out_customers_and_their_login_names(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    UserFactory(role=Role.CUSTOMER, username="13800138000")
    UserFactory(role=Role.REVIEWER, username="reviewer-zhang")

    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()

    assert "reviewer-zhang" in page
    assert "13800138000" not in page


def test_administrators_cannot_read_customers_api_tokens(client):
    from rest_framework.authtoken.models import Token

    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    token = Token.objects.create(user=UserFactory(role=Role.CUSTOMER))

    response = client.get("/admin/authtoken/tokenproxy/")

    assert response.status_code == 403
    assert token.key not in response.content.decode()
