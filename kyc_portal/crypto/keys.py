"""Key settings for personal data at rest, read and validated once.

``FIELD_ENCRYPTION_KEYS`` is a list of ``"kid:base64-of-32-bytes"`` entries, newest first:
values are written with the first key and read with whichever key id they carry.
``BLIND_INDEX_KEY`` is the base64 of a separate 32-byte key for the keyed look-up hashes.

The parsing functions take the raw values so the settings module can call
:func:`validate_key_settings` at start-up: a bad key stops the process with an
ImproperlyConfigured message naming the variable (and never showing key material).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

KEY_BYTES = 32
# The key id is written into every stored value, so it must not contain the separator.
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class FieldKey:
    kid: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyRing:
    """The field keys in order: ``current`` encrypts, any of them decrypts."""

    keys: tuple[FieldKey, ...]

    @property
    def current(self) -> FieldKey:
        return self.keys[0]

    def get(self, kid: str) -> FieldKey | None:
        for key in self.keys:
            if key.kid == kid:
                return key
        return None


def _decode_key(text: str) -> bytes | None:
    text = text.strip()
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text.encode("ascii"))
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _entries(raw: str | Iterable[str] | None) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    return [entry.strip() for entry in raw if entry and entry.strip()]


def parse_field_encryption_keys(raw: str | Iterable[str] | None) -> KeyRing:
    name = "FIELD_ENCRYPTION_KEYS"
    entries = _entries(raw)
    if not entries:
        raise ImproperlyConfigured(
            f"{name} is empty: give at least one key as 'kid:base64-of-32-bytes' "
            "(newest first, comma-separated)."
        )
    keys: list[FieldKey] = []
    for position, entry in enumerate(entries, start=1):
        kid, separator, encoded = entry.partition(":")
        kid = kid.strip()
        if not separator or not encoded.strip():
            raise ImproperlyConfigured(
                f"{name} entry {position} is not of the form 'kid:base64-of-32-bytes'."
            )
        if not KEY_ID_PATTERN.match(kid):
            raise ImproperlyConfigured(
                f"{name} entry {position}: the key id must be 1-32 characters of "
                "letters, digits, '_', '.' or '-'."
            )
        secret = _decode_key(encoded)
        if secret is None:
            raise ImproperlyConfigured(
                f"{name} entry {position} (key id {kid!r}) is not valid base64."
            )
        if len(secret) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{name} entry {position} (key id {kid!r}) decodes to {len(secret)} bytes; "
                f"AES-256 needs exactly {KEY_BYTES}."
            )
        if any(existing.kid == kid for existing in keys):
            raise ImproperlyConfigured(f"{name} uses the key id {kid!r} more than once.")
        if any(existing.secret == secret for existing in keys):
            raise ImproperlyConfigured(
                f"{name} entry {position} (key id {kid!r}) repeats the secret of another key."
            )
        keys.append(FieldKey(kid=kid, secret=secret))
    return KeyRing(keys=tuple(keys))


def parse_blind_index_key(raw: str | None, *, field_keys: KeyRing | None = None) -> bytes:
    name = "BLIND_INDEX_KEY"
    if raw is None or not str(raw).strip():
        raise ImproperlyConfigured(f"{name} is empty: give the base64 of 32 random bytes.")
    secret = _decode_key(str(raw))
    if secret is None:
        raise ImproperlyConfigured(f"{name} is not valid base64.")
    if len(secret) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} decodes to {len(secret)} bytes; it must be exactly {KEY_BYTES}."
        )
    if field_keys is not None:
        for key in field_keys.keys:
            if key.secret == secret:
                raise ImproperlyConfigured(
                    f"{name} must be a separate key: it equals the FIELD_ENCRYPTION_KEYS "
                    f"key {key.kid!r}."
                )
    return secret


def validate_key_settings(
    *, field_encryption_keys: str | Iterable[str] | None, blind_index_key: str | None
) -> None:
    """Raise ImproperlyConfigured naming the variable when either setting is unusable."""
    ring = parse_field_encryption_keys(field_encryption_keys)
    parse_blind_index_key(blind_index_key, field_keys=ring)


@functools.cache
def get_keyring() -> KeyRing:
    from django.conf import settings

    ring = parse_field_encryption_keys(getattr(settings, "FIELD_ENCRYPTION_KEYS", None))
    # Checked here too so a bad blind-index key is reported even if only fields are used.
    parse_blind_index_key(getattr(settings, "BLIND_INDEX_KEY", None), field_keys=ring)
    return ring


@functools.cache
def get_blind_index_key() -> bytes:
    from django.conf import settings

    return parse_blind_index_key(
        getattr(settings, "BLIND_INDEX_KEY", None), field_keys=get_keyring()
    )


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    # Tests swap keys with override_settings; the cached key ring must follow.
    if setting in {"FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}:
        get_keyring.cache_clear()
        get_blind_index_key.cache_clear()
