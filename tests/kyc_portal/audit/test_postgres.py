"""The database guards the trail on PostgreSQL (skipped locally on SQLite, required in CI)."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from kyc_portal.audit.models import AuditChainHead, AuditEntry
from kyc_portal.audit.selectors import audit_trail_verify
from kyc_portal.audit.services import audit_record

THREADS = 2
APPENDS_PER_THREAD = 25


@pytest.fixture
def entry(postgres_required, db) -> AuditEntry:
    audit_record(action="test.first")
    return audit_record(action="test.second")


def test_update_through_the_orm_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="auth.logout")

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.second"


def test_delete_through_the_orm_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_is_refused_too(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")

    assert AuditEntry.objects.count() == 2


def test_chain_head_cannot_be_rewound_or_deleted(entry):
    # Rewinding the head would hide entries removed from the end of the trail.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.update(last_seq=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.all().delete()

    assert AuditChainHead.objects.get().last_seq == 2


def test_concurrent_appends_stay_contiguous(postgres_required, transactional_db):
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append_many(worker: int) -> None:
        try:
            start.wait()
            for number in range(APPENDS_PER_THREAD):
                with transaction.atomic():
                    audit_record(action="test.concurrent", details={"worker": worker, "n": number})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_many, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    total = THREADS * APPENDS_PER_THREAD
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert audit_trail_verify() == total
