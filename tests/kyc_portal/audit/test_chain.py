import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError
from django.utils import translation

from kyc_portal.accounts.models import User
from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from kyc_portal.audit.selectors import audit_entries_for
from kyc_portal.audit.services import (
    audit_export,
    audit_record,
    audit_reveal,
    audit_transition,
)

from .helpers import run_sql

pytestmark = pytest.mark.django_db


def verify(**options) -> str:
    from io import StringIO

    out = StringIO()
    with translation.override("en"):
        call_command("verify_audit_trail", stdout=out, **options)
    return out.getvalue()


def verify_fails() -> str:
    with translation.override("en"), pytest.raises(CommandError) as failure:
        call_command("verify_audit_trail")
    return str(failure.value)


@pytest.fixture
def officer() -> User:
    return User.objects.create_user(username="officer.wang", password="not-used-here-123")


@pytest.fixture
def three_entries(officer) -> list[AuditEntry]:
    return [
        audit_record(action=AuditAction.AUTH_LOGIN, actor=officer, target=officer),
        audit_reveal(
            actor=officer, request=None, target=("customers.individual", "c-1"), field="id_number"
        ),
        audit_record(action=AuditAction.AUTH_LOGOUT, actor=officer, target=officer),
    ]


def test_entries_are_numbered_and_linked(three_entries):
    stored = list(AuditEntry.objects.order_by("seq"))

    assert [entry.seq for entry in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS_HASH
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    assert all(entry.compute_hash() == entry.hash for entry in stored)
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, stored[2].hash)


def test_intact_trail_verifies(three_entries):
    assert "3 entries verified" in verify()


def test_verification_streams_in_chunks(officer):
    for _ in range(5):
        audit_record(action="test.ping", actor=officer)

    assert "5 entries verified" in verify(chunk_size=2)


def test_empty_trail_verifies():
    assert "0 entries verified" in verify()


def test_altered_entry_is_named(three_entries):
    run_sql("UPDATE audit_auditentry SET action = %s WHERE seq = 2", ["auth.login"])

    message = verify_fails()

    assert "seq=2" in message
    assert f"id {three_entries[1].pk}" in message
    assert "altered" in message


def test_altered_details_are_detected(three_entries):
    run_sql(
        "UPDATE audit_auditentry SET details = %s WHERE seq = 2",
        ['{"field": "phone_number"}'],
    )

    assert "seq=2" in verify_fails()


def test_entry_replaced_with_a_recomputed_hash_is_named(three_entries):
    forged = AuditEntry.objects.get(seq=2)
    forged.target_id = "c-2"
    run_sql(
        "UPDATE audit_auditentry SET target_id = %s, hash = %s WHERE seq = 2",
        [forged.target_id, forged.compute_hash()],
    )

    message = verify_fails()

    assert "seq=2" in message
    assert "seq=1" not in message


def test_removed_entry_is_named(three_entries):
    run_sql("DELETE FROM audit_auditentry WHERE seq = 2")

    message = verify_fails()

    assert "seq=2 is missing" in message


def test_removed_first_entry_is_named(three_entries):
    run_sql("DELETE FROM audit_auditentry WHERE seq = 1")

    assert "seq=1 is missing" in verify_fails()


def test_removed_and_renumbered_entries_are_detected(three_entries):
    # Removing seq 2 and renumbering seq 3 to close the gap still breaks the links.
    run_sql("DELETE FROM audit_auditentry WHERE seq = 2")
    run_sql("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3")

    assert "seq=2" in verify_fails()


def test_removed_tail_is_detected(three_entries):
    run_sql("DELETE FROM audit_auditentry WHERE seq = 3")

    message = verify_fails()

    assert "seq=3 is missing" in message


def test_append_is_one_locked_read_one_insert_one_update(officer, django_assert_num_queries):
    audit_record(action="test.warm_up", actor=officer)

    with django_assert_num_queries(3) as captured:
        audit_record(action="test.ping", actor=officer)

    sql = [query["sql"].upper() for query in captured.captured_queries]
    assert sql[0].startswith("SELECT")
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[0]
    assert sql[1].startswith("INSERT")
    assert sql[2].startswith("UPDATE")


def test_chain_head_is_recreated_only_for_an_empty_trail(officer):
    # What a test-database flush (TRUNCATE) does to the row the migration created.
    run_sql("DELETE FROM audit_auditchainhead")

    entry = audit_record(action="test.ping", actor=officer)

    assert (entry.seq, entry.prev_hash) == (1, GENESIS_HASH)


def test_missing_chain_head_with_entries_is_reported(three_entries):
    run_sql("DELETE FROM audit_auditchainhead")

    assert "chain head" in verify_fails()


def test_entries_cannot_be_edited_or_deleted_through_the_model(three_entries):
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "auth.logout"

    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.get(seq=1).action == AuditAction.AUTH_LOGIN


def test_a_user_with_history_cannot_be_deleted(three_entries, officer):
    # Deactivate instead: nulling the actor would rewrite hashed rows.
    with pytest.raises(ProtectedError):
        officer.delete()


def test_helpers_record_what_happened_without_values(officer):
    case = ("verification.case", "5f0c6f5e-0000-4000-8000-000000000001")

    audit_transition(
        actor=officer,
        request=None,
        target=case,
        source="submitted",
        target_state="approved",
        transition="approve",
    )
    audit_export(
        actor=officer,
        request=None,
        what="customers.individual",
        row_count=12,
        export_format="csv",
    )

    transition, export = AuditEntry.objects.order_by("seq")
    assert transition.action == "case.transition"
    assert transition.details == {"from": "submitted", "to": "approved", "transition": "approve"}
    assert (transition.actor_label, transition.target_id) == ("officer.wang", case[1])
    assert export.action == "data.export"
    assert export.details == {"what": "customers.individual", "rows": 12, "format": "csv"}


def test_history_of_one_target_newest_first(officer):
    other = User.objects.create_user(username="other.user", password="not-used-here-123")
    first = audit_record(action=AuditAction.AUTH_LOGIN, actor=officer, target=officer)
    audit_record(action=AuditAction.AUTH_LOGIN, actor=other, target=other)
    second = audit_record(action=AuditAction.AUTH_LOGOUT, actor=officer, target=officer)

    history = list(audit_entries_for(target=officer))

    assert history == [second, first]
    assert list(audit_entries_for(target=("accounts.user", str(officer.pk)))) == history


def test_system_actions_are_labelled_system():
    entry = audit_record(action="test.nightly_check")

    assert (entry.actor_id, entry.actor_label) == (None, "system")
