"""Tampering with the trail the way an attacker with database access would."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

AUDIT_TABLES = ("audit_auditentry", "audit_auditchainhead")


@contextmanager
def append_only_triggers_disabled() -> Iterator[None]:
    """On PostgreSQL, switch the guards off inside the test's transaction (rolled back after)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred foreign-key checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def run_sql(sql: str, params: list | tuple = ()) -> None:
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)
