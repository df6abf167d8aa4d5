import pytest
from django.contrib import admin
from django.test import RequestFactory

from kyc_portal.accounts.models import User
from kyc_portal.audit.models import AuditEntry
from kyc_portal.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/admin/audit/auditentry/")
    request.user = User.objects.create_superuser(username="root.admin", password="x-not-used-1")
    return request


def test_nobody_can_add_change_or_delete_entries_in_the_admin(superuser_request):
    entry = audit_record(action="test.ping")
    model_admin = admin.site._registry[AuditEntry]

    assert model_admin.has_view_permission(superuser_request, entry)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request, entry)
    assert not model_admin.has_delete_permission(superuser_request, entry)
    assert "delete_selected" not in model_admin.get_actions(superuser_request)


def test_admin_list_finds_the_history_of_one_target(superuser_request):
    wanted = audit_record(action="data.reveal", target=("customers.individual", "c-42"))
    audit_record(action="data.reveal", target=("customers.individual", "c-7"))
    audit_record(action="auth.login", target=("customers.individual", "c-42"))
    model_admin = admin.site._registry[AuditEntry]

    search = RequestFactory().get(
        "/admin/audit/auditentry/", {"q": "c-42", "action": "data.reveal"}
    )
    search.user = superuser_request.user
    response = model_admin.changelist_view(search)

    assert response.status_code == 200
    assert list(response.context_data["cl"].queryset) == [wanted]


def test_an_entry_shows_the_recorded_label_not_the_login_name(client):
    customer = User.objects.create_user(username="13800138000", password="x-not-used-2")
    entry = audit_record(action="auth.login", actor=customer)
    client.force_login(User.objects.create_superuser(username="root2", password="x-not-used-3"))

    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()

    assert page.count("13800138000") == 0
    assert f"user:{customer.pk}" in page
