"""Migrations: complete for every model, and they apply and reverse on real PostgreSQL."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parents[2]


MIGRATE_TIMEOUT_SECONDS = 300


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations --check found model changes without a migration ({exit_})")


@pytest.mark.django_db
def test_test_database_has_every_migration_applied():
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert [str(migration) for migration, _backwards in pending] == []


def manage(*arguments: str, database_url: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kyc_portal.settings.test",
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT_SECONDS,
        check=False,
    )


def unapplied(showmigrations_output: str) -> list[str]:
    return [line.strip() for line in showmigrations_output.splitlines() if "[ ]" in line]


def test_migrations_apply_from_zero_and_reverse_on_a_fresh_postgresql_database(
    postgres_required,
):
    name = f"kyc_migrations_{uuid.uuid4().hex[:12]}"
    admin = postgres_required.connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        database_url = postgres_required.url(name)

        forward = manage("migrate", "--noinput", database_url=database_url)
        assert forward.returncode == 0, forward.stderr
        shown = manage("showmigrations", database_url=database_url)
        assert shown.returncode == 0, shown.stderr
        assert unapplied(shown.stdout) == []
        assert "[X] 0001_initial" in shown.stdout

        # accounts holds the user model, so reversing it unwinds everything built on it.
        backward = manage("migrate", "accounts", "zero", "--noinput", database_url=database_url)
        assert backward.returncode == 0, backward.stderr
        shown = manage("showmigrations", "accounts", database_url=database_url)
        assert "[X]" not in shown.stdout
        assert unapplied(shown.stdout)

        again = manage("migrate", "--noinput", database_url=database_url)
        assert again.returncode == 0, again.stderr
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
