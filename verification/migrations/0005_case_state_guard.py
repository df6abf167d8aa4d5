"""On PostgreSQL the database refuses a change of a case's state that bypasses the workflow.

An UPDATE that changes ``state`` passes only when its transaction has named the case in the
transaction-local setting ``kyc.case_transition`` (verification.state_guard.allow_state_change,
called by verification.workflow.case_transition just before it saves). Inserting cases is not
affected. SQLite gets no trigger; there tests/verification/test_state_guard.py, which scans the
code for bulk updates of the state, is the guard.
"""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION verification_case_state_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('kyc.case_transition', true), '') <> OLD.id::text THEN
        RAISE EXCEPTION 'case %: state % -> % refused, only verification.workflow changes it',
            OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER verification_case_state_guard
    BEFORE UPDATE OF state ON verification_case
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION verification_case_state_guard();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS verification_case_state_guard ON verification_case;
DROP FUNCTION IF EXISTS verification_case_state_guard();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("verification", "0004_review_defaults")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
