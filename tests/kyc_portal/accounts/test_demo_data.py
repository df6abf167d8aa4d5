"""`manage.py load_demo_data`: one login per role with a known password, safe to re-run."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from kyc_portal.accounts.models import Store, User
from kyc_portal.accounts.roles import Role, user_role

pytestmark = pytest.mark.django_db


def test_demo_data_creates_a_login_per_role_and_prints_them(capsys):
    call_command("load_demo_data")
    printed = capsys.readouterr().out

    roles = {user_role(user) for user in User.objects.all()}
    assert roles == set(Role)
    assert "reviewer" in printed
    assert "demo-reviewer-2026" in printed
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="reviewer", password="demo-reviewer-2026")
    store_staff = User.objects.get(username="store")
    assert store_staff.store.name == "徐汇门店"


def test_running_it_again_duplicates_nothing_and_restores_the_passwords():
    call_command("load_demo_data")
    reviewer = User.objects.get(username="reviewer")
    reviewer.set_password("changed-by-someone")
    reviewer.save()

    call_command("load_demo_data")

    assert User.objects.filter(username="reviewer").count() == 1
    assert Store.objects.filter(code="xuhui").count() == 1
    reviewer.refresh_from_db()
    assert reviewer.check_password("demo-reviewer-2026")
    assert list(reviewer.groups.values_list("name", flat=True)) == [Role.REVIEWER.value]


def test_it_refuses_to_run_where_the_second_factor_is_required(settings):
    settings.STAFF_OTP_REQUIRED = True

    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data")

    assert not User.objects.exists()
