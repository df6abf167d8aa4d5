"""Documents are written to a temporary private folder in these tests, never to var/."""

from pathlib import Path

import pytest

from customers.enums import Channel, CustomerKind
from customers.models import Customer
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import StoreFactory, UserFactory


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English; one test checks the Chinese."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def storage_dir(tmp_path: Path, settings) -> Path:
    location = tmp_path / "private"
    location.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def store():
    return StoreFactory()


@pytest.fixture
def customer_user(db):
    return UserFactory(role=Role.CUSTOMER)


@pytest.fixture
def customer(customer_user, store):
    """A customer taken in at ``store`` who has their own login."""
    return Customer.objects.create(
        kind=CustomerKind.INDIVIDUAL, channel=Channel.STORE, store=store, user=customer_user
    )
