"""Test settings: fast hashers, in-memory e-mail; real PostgreSQL/Redis when CI sets them."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "t2:dGVzdC1maWVsZC1rZXktdHdvLTAxMjM0NTY3ODlhYmM=,"
    "t1:dGVzdC1maWVsZC1rZXktb25lLTAxMjM0NTY3ODlhYmM=",
)
os.environ.setdefault("BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktMDEyMzQ1Njc4OWE=")

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 3
SMS_BACKEND = "file"
# Never the developer's imported file: tests that need one write their own.
BACKGROUND_REFERENCE_FILE = BASE_DIR / "var" / "tests-have-no-background-file.csv"  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.crypto_testapp"]  # noqa: F405  encrypted-field test models
# Serve static files from the source folders: tests never run collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
