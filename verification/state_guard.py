"""The database's side of "only the workflow changes a case's state".

On PostgreSQL a trigger (migration 0005) refuses any UPDATE that changes
``verification_case.state`` unless the same transaction first named that case with
``allow_state_change``. ``verification.workflow.case_transition`` does so right before it
saves, so a bulk ``.update(state=…)``, raw SQL or a console session cannot move a case past
the workflow's checks, audit and follow-ups. Other databases have no trigger; there a test
that scans the source for such updates is the guard.
"""

from django.db import connection

# A transaction-local setting: it ends with the transaction that set it.
TRANSITION_SETTING = "kyc.case_transition"


def allow_state_change(case_id) -> None:
    """Let the current transaction change the state of case ``case_id`` (and no other)."""
    if not connection.in_atomic_block:
        # Outside a transaction the setting would end with this very statement.
        raise RuntimeError("allow_state_change() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [TRANSITION_SETTING, str(case_id)])
