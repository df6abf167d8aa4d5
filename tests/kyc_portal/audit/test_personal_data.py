import pytest

from kyc_portal.accounts.models import User
from kyc_portal.audit.models import AuditEntry
from kyc_portal.audit.services import PersonalDataInAuditError, audit_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "details",
    [
        {"id_number": "redacted"},
        {"phone": "x"},
        {"Mobile-Number": "x"},
        {"email": "x"},
        {"name": "x"},
        {"legal_name": "x"},
        {"home_address": "x"},
        {"username": "x"},
        {"changes": {"contact": {"phone": "x"}}},
        {"note": "customer 11010519491231002X called"},
        {"note": "11010519491231002x"},
        {"note": "110105491231002"},
        {"contact": "13800138000"},
        {"contact": "+86 138 0013 8000"},
        {"contact": 13800138000},
        {"contact": "zhang.san@example.com"},
        {"account": "6222020200112233445"},
        {"items": ["ok", {"values": ["13912345678"]}]},
        {"note": "enterprise 91350100M000100Y43"},
        {"passport_no": "x"},
    ],
)
def test_personal_values_are_refused_and_nothing_is_written(details):
    with pytest.raises(PersonalDataInAuditError) as refused:
        audit_record(action="data.reveal", details=details)

    assert AuditEntry.objects.count() == 0
    # The error may end up in a log: it must not repeat the value.
    for value in ("11010519491231002", "13800138000", "0013 8000", "zhang.san", "622202"):
        assert value not in str(refused.value)


@pytest.mark.parametrize(
    "details",
    [
        {"field": "id_number"},
        {"from": "submitted", "to": "approved", "transition": "approve"},
        {"rows": 1200, "format": "csv", "what": "customers.individual"},
        {"document": "5f0c6f5e-1234-4567-8901-123456789012"},
        {"due": "2025-01-31T12:00:00+08:00", "sla_hours": 48},
        {"score": 0.75, "flags": ["duplicate_identity", "watch_list"]},
    ],
)
def test_codes_counts_and_ids_are_accepted(details):
    entry = audit_record(action="test.context", details=details)

    assert AuditEntry.objects.get(pk=entry.pk).details == details


def test_a_personal_value_as_target_id_is_refused():
    with pytest.raises(PersonalDataInAuditError):
        audit_record(action="data.reveal", target=("customers.individual", "13800138000"))


def test_a_phone_number_username_is_not_copied_into_the_trail():
    customer = User.objects.create_user(username="13800138000", password="not-used-here-123")

    entry = audit_record(action="auth.login", actor=customer)

    assert entry.actor_label == f"user:{customer.pk}"
    assert "13800138000" not in str(AuditEntry.objects.filter(pk=entry.pk).values().get())
