"""Test-only models: tables are made by the test runner's syncdb, so no migrations folder."""

import uuid

from django.db import models

from kyc_portal.crypto.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedJSONField,
    EncryptedTextField,
)


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = EncryptedCharField(max_length=100)
    id_number = EncryptedCharField(max_length=32)
    id_number_index = BlindIndexField(source="id_number", kind="id_number")
    phone = EncryptedCharField(max_length=32, blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone")
    email = EncryptedEmailField(blank=True)
    email_index = BlindIndexField(source="email", normaliser="email")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    address = EncryptedTextField(blank=True)
    nickname = EncryptedCharField(max_length=50, null=True, blank=True)
    store_code = models.CharField(max_length=20, blank=True)
    read_values = EncryptedJSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return str(self.id)


class Company(models.Model):
    """A second model with a field of the same name, to prove the model label is bound."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    legal_name = EncryptedCharField(max_length=200)
    id_number = EncryptedCharField(max_length=32)

    def __str__(self) -> str:
        return str(self.id)
