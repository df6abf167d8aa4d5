"""On PostgreSQL the database itself refuses to edit or delete audit entries.

UPDATE and DELETE of an entry raise; the chain head may only advance one step at a time
and cannot be deleted. TRUNCATE is left alone: the test runner empties tables with it,
and only the database owner can run it. SQLite gets no trigger (its test flush uses
DELETE); there, verify_audit_trail is the guard.
"""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();

CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted';
    END IF;
    IF NEW.last_seq <> OLD.last_seq + 1 THEN
        RAISE EXCEPTION 'the audit chain head only advances one entry at a time';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_chain_head_guard
    BEFORE UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS audit_chain_head_guard ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_chain_head_guard();
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_row")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
