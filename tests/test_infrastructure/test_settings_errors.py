"""A configuration mistake stops start-up with one line naming the variable, no traceback."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


FIELD_KEY = base64.b64encode(b"field-key-0123456789abcdef012345").decode()
INDEX_KEY = base64.b64encode(b"index-key-0123456789abcdef012345").decode()
GOOD_ENVIRONMENT = {
    "SECRET_KEY": "a-long-enough-secret-key-for-this-test-0123456789-abcdefghijkl",
    "FIELD_ENCRYPTION_KEYS": f"k1:{FIELD_KEY}",
    "BLIND_INDEX_KEY": INDEX_KEY,
}
# Runs manage.py as an operator would, but without a developer's .env filling the gaps.
WITHOUT_DOTENV = (
    "import environ, runpy, sys;"
    "environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None);"
    "sys.argv = ['manage.py', *sys.argv[1:]];"
    "runpy.run_path('manage.py', run_name='__main__')"
)
PRINT_SMS_BACKEND = "from django.conf import settings; print(settings.SMS_BACKEND)"


def start(*arguments: str, settings_module: str, **variables: str | None):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in GOOD_ENVIRONMENT
        and name not in variables
        and not name.startswith(("DATABASE_", "SMS_", "REDIS_", "CELERY_"))
    }
    environment.update(GOOD_ENVIRONMENT)
    environment["DJANGO_SETTINGS_MODULE"] = settings_module
    for name, value in variables.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_DOTENV, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_complete_configuration_starts():
    """The control case: the same start-up with every variable set works."""
    result = start(
        "shell", "--no-imports", "-c", PRINT_SMS_BACKEND, settings_module="kyc_portal.settings.dev"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "console"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "k1:too-short"}, "FIELD_ENCRYPTION_KEYS"),
        ({"BLIND_INDEX_KEY": None}, "BLIND_INDEX_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://kyc@127.0.0.1/kyc"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url at all"}, "DATABASE_URL"),
        ({"SMS_BACKEND": "bogus"}, "SMS_BACKEND"),
    ],
    ids=[
        "no-encryption-keys",
        "empty-encryption-keys",
        "short-encryption-key",
        "no-blind-index-key",
        "no-secret-key",
        "mysql-url",
        "garbage-url",
        "unknown-sms-backend",
    ],
)
def test_manage_py_names_the_bad_variable_without_a_traceback(variables, named):
    result = start("check", settings_module="kyc_portal.settings.dev", **variables)

    assert result.returncode != 0
    assert "Configuration error:" in result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_wsgi_entry_point_names_the_missing_variable_without_a_traceback():
    """gunicorn imports kyc_portal.wsgi with the production settings."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None);"
            "import kyc_portal.wsgi",
        ],
        cwd=ROOT,
        env={
            **{n: v for n, v in os.environ.items() if n not in GOOD_ENVIRONMENT},
            "SECRET_KEY": GOOD_ENVIRONMENT["SECRET_KEY"],
            "BLIND_INDEX_KEY": INDEX_KEY,
            "DJANGO_SETTINGS_MODULE": "kyc_portal.settings.production",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "Configuration error:" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"SMS_BACKEND": "console", "EMAIL_URL": "smtp://localhost:25"}, "SMS_BACKEND"),
        ({"SMS_BACKEND": "file", "EMAIL_URL": "consolemail://"}, "EMAIL_URL"),
    ],
    ids=["console-sms", "console-email"],
)
def test_production_refuses_backends_that_print_codes_into_the_logs(variables, named):
    result = start("check", settings_module="kyc_portal.settings.production", **variables)

    assert result.returncode != 0
    assert "Configuration error:" in result.stderr
    assert named in result.stderr


def test_the_celery_worker_keeps_masking_personal_data_in_its_logs():
    """Celery re-configures logging when a worker starts; the masking filter must survive."""
    worker_logging = (
        "import django, logging; django.setup();"
        "from kyc_portal.celery import app; app.log.setup(loglevel='INFO');"
        "logging.getLogger('kyc_portal.test').warning('SMS to 13800138000 for 11010519491231002X')"
    )
    result = subprocess.run(
        [sys.executable, "-c", worker_logging],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    logged = result.stdout + result.stderr
    assert "SMS to" in logged, logged
    assert "13800138000" not in logged
    assert "11010519491231002X" not in logged
