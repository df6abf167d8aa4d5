"""AES-256-GCM envelopes: the stored form of one encrypted field value.

Stored text: ``kyc1$<kid>$<base64url(nonce || ciphertext || tag)>``. The associated data
binds the value to the model label, the field name and the row's UUID, so a ciphertext
copied into another row or column fails authentication instead of decrypting.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError
from .keys import get_keyring

VERSION = "kyc1"
SEPARATOR = "$"
NONCE_BYTES = 12


@dataclass(frozen=True)
class Binding:
    """Where a value lives: model label, field name and the row's primary key."""

    label: str
    field: str
    pk: str

    @classmethod
    def of(cls, *, label: str, field: str, pk: object) -> Binding:
        # str(UUID) is canonical; a pk assigned as "ABC..." text must bind the same way.
        return cls(label=label, field=field, pk=str(uuid.UUID(str(pk))))

    def associated_data(self, kid: str) -> bytes:
        return "|".join((VERSION, kid, self.label, self.field, self.pk)).encode()


def token_key_id(token: str) -> str | None:
    parts = token.split(SEPARATOR)
    if len(parts) == 3 and parts[0] == VERSION:
        return parts[1]
    return None


def encrypt(plaintext: str, *, binding: Binding) -> str:
    key = get_keyring().current
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(
        nonce, plaintext.encode("utf-8"), binding.associated_data(key.kid)
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return SEPARATOR.join((VERSION, key.kid, payload))


def decrypt(token: str, *, binding: Binding) -> str:
    kid = token_key_id(token)

    def fail(reason: str) -> DecryptionError:
        return DecryptionError(
            f"Cannot decrypt {binding.label}.{binding.field} of row {binding.pk} "
            f"(key id {kid!r}): {reason}",
            label=binding.label,
            field=binding.field,
            pk=binding.pk,
            kid=kid,
        )

    if kid is None:
        raise fail("the stored value is not an encrypted value of this format.")
    key = get_keyring().get(kid)
    if key is None:
        raise fail("this key id is not in FIELD_ENCRYPTION_KEYS (was the old key removed?).")
    payload = token.split(SEPARATOR)[2]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise fail("the stored value is not valid base64.") from None
    if len(raw) < NONCE_BYTES + 16:
        raise fail("the stored value is truncated.")
    try:
        plaintext = AESGCM(key.secret).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], binding.associated_data(kid)
        )
    except InvalidTag:
        raise fail(
            "authentication failed - the value was altered, written under a different key "
            "with the same id, or copied from another row or column."
        ) from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - GCM authenticated it, so it is ours
        raise fail("the decrypted value is not UTF-8 text.") from None
