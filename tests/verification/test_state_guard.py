"""No code path changes a case's state by a bulk update.

Two guards: everywhere, a scan of the project's source for bulk updates of the state; on
PostgreSQL, a trigger that refuses any change of the state its transaction has not named
through verification.state_guard.allow_state_change (which the workflow calls).
"""

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction

from customers.enums import Channel, CustomerKind
from verification.enums import CaseState
from verification.models import Case
from verification.state_guard import allow_state_change
from verification.workflow import case_transition

ROOT = Path(__file__).resolve().parents[2]

# Not the project's code: dependencies, tests (which may show what is forbidden), data.
SKIPPED_DIRECTORIES = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "tests",
    "var",
    "static",
    "locale",
    "__pycache__",
    "build",
    "dist",
}
RAW_CASE_UPDATE = re.compile(r"\bUPDATE\s+\"?verification_case\"?(?:\s|$)", re.IGNORECASE)


def project_sources() -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in SKIPPED_DIRECTORIES and not name.endswith(".egg-info")
        ]
        for name in files:
            if name.endswith(".py"):
                yield Path(directory, name)


def other_models_with_a_state() -> frozenset[str]:
    """Class names of the other models with a ``state`` field (a confirmation's, say)."""
    return frozenset(
        model.__name__
        for model in apps.get_models()
        if model is not Case and any(field.name == "state" for field in model._meta.fields)
    )


def _root_name(node: ast.AST) -> str | None:
    """``Confirmation`` for ``Confirmation.objects.filter(…).update``."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "state"


def _sets_state(call: ast.Call) -> bool:
    """``.update(state=…)`` or ``.update(**{"state": …})``."""
    for keyword in call.keywords:
        if keyword.arg == "state":
            return True
        if (
            keyword.arg is None
            and isinstance(keyword.value, ast.Dict)
            and any(key is not None and _is_state(key) for key in keyword.value.keys)
        ):
            return True
    return False


def _names_state_field(call: ast.Call) -> bool:
    """``.bulk_update(objects, ["state", …])`` or ``fields=("state", …)``."""
    fields = [keyword.value for keyword in call.keywords if keyword.arg == "fields"]
    fields += call.args[1:2]
    return any(
        isinstance(value, ast.List | ast.Tuple | ast.Set) and any(map(_is_state, value.elts))
        for value in fields
    )


def bulk_state_changes(source: str) -> list[tuple[int, str]]:
    """(line, what) for each bulk change of a case's state in ``source``.

    Any ``.update(state=…)`` counts unless it visibly starts from another model with a
    state of its own (``Confirmation.objects.filter(…).update(state=…)``).
    """
    others = other_models_with_a_state()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _root_name(node.func) in others:
                continue
            if node.func.attr == "update" and _sets_state(node):
                found.append((node.lineno, ".update() of state"))
            elif node.func.attr == "bulk_update" and _names_state_field(node):
                found.append((node.lineno, ".bulk_update() of state"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_CASE_UPDATE.search(node.value)
            and "state" in node.value.lower()
        ):
            found.append((node.lineno, "raw SQL UPDATE of verification_case.state"))
    return found


# -- the scan ----------------------------------------------------------------------------


def test_no_code_changes_a_case_state_by_a_bulk_update():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in project_sources()
        for line, what in bulk_state_changes(path.read_text(encoding="utf-8"))
    ]

    assert offences == [], (
        "A case's state changes only through verification.workflow.case_transition:\n"
        + "\n".join(offences)
    )


def test_the_scan_reads_the_project_and_leaves_out_dependencies_and_tests():
    scanned = {path.relative_to(ROOT).as_posix() for path in project_sources()}

    assert "verification/workflow.py" in scanned
    assert "verification/migrations/0005_case_state_guard.py" in scanned
    assert not any(path.startswith((".venv/", "tests/")) for path in scanned)


@pytest.mark.parametrize(
    "source",
    [
        'Case.objects.filter(pk=case_id).update(state="approved")',
        "cases.update(state=CaseState.REJECTED, closed_at=now)",
        'case.customer.cases.filter(kind="recheck").update(state="expired")',
        'Case.objects.update(**{"state": "withdrawn"})',
        'Case.objects.bulk_update(cases, ["state", "closed_at"])',
        'Case.objects.bulk_update(cases, fields=("state",))',
        'cursor.execute("UPDATE verification_case SET state = %s WHERE id = %s", [s, i])',
        'sql = f"update \\"verification_case\\" set state = \'{state}\'"',
    ],
)
def test_the_scan_finds_each_way_of_bulk_updating_the_state(source):
    assert len(bulk_state_changes(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "Case.objects.filter(pk=case_id).update(assigned_to=None, review_seconds=10)",
        'Document.objects.filter(case=case).update(status="accepted")',
        'Case.objects.bulk_update(cases, ["risk_level"])',
        'cursor.execute("UPDATE verification_case SET review_seconds = 0")',
        "case.save()",
        'Confirmation.objects.filter(case=case).update(state="superseded")',
    ],
)
def test_the_scan_leaves_other_updates_alone(source):
    assert bulk_state_changes(source) == []


# -- the helper, on every database -------------------------------------------------------


def test_allowing_a_state_change_needs_a_transaction():
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        allow_state_change("00000000-0000-0000-0000-000000000000")


# -- the trigger, on PostgreSQL ----------------------------------------------------------


@pytest.fixture
def case(customer) -> Case:
    # Inserted as it is born (collecting): inserts are not guarded, updates of the state are.
    return Case.objects.create(
        customer=customer, channel=Channel.STORE, customer_kind=CustomerKind.INDIVIDUAL
    )


def state_in_database(case: Case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


@pytest.mark.django_db
def test_postgresql_refuses_a_bulk_update_of_the_state(postgres_required, case):
    with (
        pytest.raises(DatabaseError, match=r"only verification\.workflow changes it"),
        transaction.atomic(),
    ):
        Case.objects.filter(pk=case.pk).update(state=CaseState.REGISTERED)

    assert state_in_database(case) == CaseState.COLLECTING


@pytest.mark.django_db
def test_postgresql_refuses_raw_sql_changing_the_state(postgres_required, case):
    from django.db import connection

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE verification_case SET state = %s WHERE id = %s",
            [CaseState.APPROVED.value, case.pk],
        )

    assert state_in_database(case) == CaseState.COLLECTING


@pytest.mark.django_db
def test_postgresql_lets_other_fields_change_without_the_workflow(postgres_required, case):
    Case.objects.filter(pk=case.pk).update(review_seconds=42, escalated=True)

    case.refresh_from_db()
    assert (case.review_seconds, case.escalated) == (42, True)


@pytest.mark.django_db
def test_allowing_one_case_does_not_allow_another(postgres_required, case, customer):
    other = Case.objects.create(
        customer=customer, channel=Channel.STORE, customer_kind=CustomerKind.INDIVIDUAL
    )

    with pytest.raises(DatabaseError), transaction.atomic():
        allow_state_change(case.pk)
        Case.objects.filter(pk=other.pk).update(state=CaseState.WITHDRAWN)

    assert state_in_database(other) == CaseState.COLLECTING


@pytest.mark.django_db(transaction=True)
def test_the_permission_ends_with_its_transaction(postgres_required, case):
    with transaction.atomic():
        allow_state_change(case.pk)
        Case.objects.filter(pk=case.pk).update(state=CaseState.AWAITING_CONFIRMATION)

    with pytest.raises(DatabaseError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state=CaseState.WITHDRAWN)

    assert state_in_database(case) == CaseState.AWAITING_CONFIRMATION


@pytest.mark.django_db
def test_postgresql_lets_the_workflow_change_the_state(postgres_required, case):
    case_transition(case_id=case.pk, transition="submit")

    assert state_in_database(case) == CaseState.AWAITING_CONFIRMATION
