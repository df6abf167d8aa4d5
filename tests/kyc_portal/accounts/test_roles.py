"""Roles are groups with the permissions listed in roles.py, kept in line by roles_sync."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from kyc_portal.accounts.roles import (
    ROLE_PERMISSIONS,
    HasRole,
    Role,
    role_required,
    user_has_role,
    user_is_staff_member,
    user_role,
)
from kyc_portal.accounts.services import roles_sync, user_set_role
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def group_permissions(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_migrate_created_one_group_per_role_with_exactly_its_permissions():
    for role in Role:
        assert group_permissions(role) == set(ROLE_PERMISSIONS[role]), role


def test_every_listed_permission_exists():
    assert roles_sync().missing_permissions == []


def test_sync_is_idempotent_and_repairs_hand_made_changes():
    reviewers = Group.objects.get(name=Role.REVIEWER)
    reviewers.permissions.add(Permission.objects.get(codename="delete_user"))
    Group.objects.filter(name=Role.COMPLIANCE_OFFICER).delete()

    first = roles_sync()
    second = roles_sync()

    assert first.created_groups == [Role.COMPLIANCE_OFFICER.value]
    assert second.created_groups == []
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)
    assert "accounts.delete_user" not in group_permissions(Role.REVIEWER)
    assert group_permissions(Role.COMPLIANCE_OFFICER) == set(
        ROLE_PERMISSIONS[Role.COMPLIANCE_OFFICER]
    )


def test_sync_roles_command_reports_success(capsys):
    call_command("sync_roles")
    assert "up to date" in capsys.readouterr().out


def test_customers_get_no_model_permission_and_administrators_can_manage_users():
    customer = UserFactory(role=Role.CUSTOMER)
    administrator = UserFactory(role=Role.ADMINISTRATOR)

    assert customer.get_all_permissions() == set()
    assert administrator.has_perm("accounts.change_user")
    assert not administrator.has_perm("accounts.delete_user")


def test_user_role_and_staff_membership():
    assert user_role(UserFactory(role=Role.CUSTOMER)) == Role.CUSTOMER
    assert not user_is_staff_member(UserFactory(role=Role.CUSTOMER))
    for role in Role:
        if role != Role.CUSTOMER:
            user = UserFactory(role=role)
            assert user_role(user) == role
            assert user_is_staff_member(user)


def test_a_senior_reviewer_is_also_a_reviewer_but_not_the_other_way_round():
    senior = UserFactory(role=Role.SENIOR_REVIEWER)
    reviewer = UserFactory(role=Role.REVIEWER)

    assert user_has_role(senior, Role.REVIEWER)
    assert user_has_role(senior, Role.SENIOR_REVIEWER)
    assert not user_has_role(reviewer, Role.SENIOR_REVIEWER)


def test_the_highest_role_wins_when_a_user_is_in_two_groups():
    user = UserFactory(role=Role.STORE_STAFF)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    user.refresh_from_db()  # a fresh object: roles are cached per object

    assert user_role(user) == Role.COMPLIANCE_OFFICER


def test_inactive_users_and_strangers_have_no_role():
    inactive = UserFactory(role=Role.REVIEWER, is_active=False)
    nobody = UserFactory(role=Role.CUSTOMER)
    nobody.groups.clear()
    nobody.refresh_from_db()

    assert user_role(inactive) is None
    assert user_role(nobody) is None
    assert user_role(None) is None


def test_a_superuser_without_group_counts_as_administrator():
    root = UserFactory(role=Role.CUSTOMER, is_superuser=True)
    root.groups.clear()
    root.refresh_from_db()

    assert user_role(root) == Role.ADMINISTRATOR


def test_changing_the_role_replaces_the_group_and_the_admin_flag():
    user = UserFactory(role=Role.ADMINISTRATOR)
    assert user.is_staff

    user_set_role(user=user, role=Role.REVIEWER)

    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == [Role.REVIEWER.value]
    assert not user.is_staff


@role_required(Role.REVIEWER)
def reviewer_page(request):
    return HttpResponse("queue")


def test_role_required_sends_visitors_to_login_and_refuses_other_roles():
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/queue/")
    request.user = AnonymousUser()
    response = reviewer_page(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/queue/")

    request.user = UserFactory(role=Role.STORE_STAFF)
    with pytest.raises(PermissionDenied):
        reviewer_page(request)

    request.user = UserFactory(role=Role.SENIOR_REVIEWER)
    assert reviewer_page(request).content == b"queue"


class QueueAPI(APIView):
    permission_classes = [HasRole.of(Role.REVIEWER)]

    def get(self, request):
        from rest_framework.response import Response

        return Response({"cases": []})


class ComplianceAPI(APIView):
    permission_classes = [HasRole]
    allowed_roles = (Role.COMPLIANCE_OFFICER,)

    def get(self, request):
        from rest_framework.response import Response

        return Response({"flags": []})


@pytest.mark.parametrize(
    ("view", "role", "status"),
    [
        (QueueAPI, Role.REVIEWER, 200),
        (QueueAPI, Role.SENIOR_REVIEWER, 200),
        (QueueAPI, Role.CUSTOMER, 403),
        (QueueAPI, Role.STORE_STAFF, 403),
        (ComplianceAPI, Role.COMPLIANCE_OFFICER, 200),
        (ComplianceAPI, Role.REVIEWER, 403),
    ],
)
def test_has_role_lets_only_the_listed_roles_through_the_api(view, role, status):
    from rest_framework.test import force_authenticate

    request = APIRequestFactory().get("/api/v1/x/")
    force_authenticate(request, user=UserFactory(role=role))
    assert view.as_view()(request).status_code == status
