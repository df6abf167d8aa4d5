"""The storage switch: the private folder by default, S3 through django-storages when set."""

import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, InMemoryStorage

import kyc_portal.settings
from tests.verification import corpus
from tests.verification.uploads import upload
from verification.models.document import document_storage

SETTINGS_FILE = Path(kyc_portal.settings.__file__).parent / "documents.py"
_real_find_spec = importlib.util.find_spec


def load_settings() -> dict:
    """Run the settings module afresh (as start-up would) and return its values."""
    spec = importlib.util.spec_from_file_location(
        "kyc_portal.settings._documents_under_test", SETTINGS_FILE
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


@pytest.fixture
def storages_installed(monkeypatch):
    """Pretend django-storages is installed (the settings only look it up)."""
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: object() if name == "storages" else _real_find_spec(name, *args),
    )


def test_the_defaults_keep_documents_in_the_private_folder(monkeypatch):
    monkeypatch.delenv("DOCUMENT_STORAGE", raising=False)

    values = load_settings()

    assert values["DOCUMENT_STORAGE"] == "filesystem"
    assert values["DOCUMENT_S3_STORAGE"] is None
    assert values["DOCUMENT_MAX_BYTES"] == 10 * 1024 * 1024
    assert values["DOCUMENT_MAX_PIXELS"] == 40_000_000
    assert values["DOCUMENT_QUOTA_PER_CUSTOMER"] == 30
    assert values["DOCUMENT_QUOTA_BYTES"] == 100 * 1024 * 1024


@pytest.mark.skipif(_real_find_spec("storages") is not None, reason="installed here")
def test_s3_without_django_storages_stops_start_up_with_the_fix(monkeypatch):
    monkeypatch.setenv("DOCUMENT_STORAGE", "s3")

    with pytest.raises(ImproperlyConfigured, match=r"pip install \"django-storages\[s3\]\""):
        load_settings()


def test_s3_reads_the_bucket_from_the_environment(monkeypatch, storages_installed):
    monkeypatch.setenv("DOCUMENT_STORAGE", "s3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "kyc-evidence")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "minio")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "minio-secret")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")

    storage = load_settings()["DOCUMENT_S3_STORAGE"]

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "kyc-evidence"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False


def test_a_bucket_missing_from_the_environment_stops_start_up(monkeypatch, storages_installed):
    monkeypatch.setenv("DOCUMENT_STORAGE", "s3")
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)

    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        load_settings()


@pytest.mark.django_db
def test_documents_go_to_the_configured_object_storage(customer, settings, storage_dir):
    settings.DOCUMENT_S3_STORAGE = {"BACKEND": "django.core.files.storage.InMemoryStorage"}

    document = upload(customer, corpus.jpeg())

    assert isinstance(document_storage(), InMemoryStorage)
    assert document.file.storage.exists(document.file.name)
    assert not any(storage_dir.rglob("*.jpg"))
    settings.DOCUMENT_S3_STORAGE = None
    assert isinstance(document_storage(), FileSystemStorage)
    assert document_storage().location == str(storage_dir)
