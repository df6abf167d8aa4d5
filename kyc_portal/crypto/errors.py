"""Errors raised by the encrypted fields. Messages never contain plaintext or key material."""


class EncryptedFieldError(Exception):
    """Base class for misuse or failure of an encrypted field."""


class DecryptionError(EncryptedFieldError):
    """A stored value could not be decrypted: wrong or missing key, tampered or moved value."""

    def __init__(self, message: str, *, label: str, field: str, pk: object, kid: str | None):
        super().__init__(message)
        self.label = label
        self.field = field
        self.pk = pk
        self.kid = kid


class EncryptedValueRequired(EncryptedFieldError, ValueError):
    """Plaintext reached the database layer without a row to bind it to.

    Raised for ``QuerySet.update()``, ``bulk_update()``, ``filter(field=plaintext)`` and raw
    saves: those paths do not know the row, so the value cannot be encrypted for it.
    """
