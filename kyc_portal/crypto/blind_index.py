"""Keyed blind indexes: HMAC-SHA256 over a normalised value, for exact look-ups.

``blind_index("11010519491231002x", kind="id_number")`` gives the hex digest stored in the
BlindIndexField next to the encrypted value, so ``Customer.objects.filter(
id_number_index=blind_index(typed, kind="id_number"))`` finds a row without decrypting
anything. The kind is part of the HMAC input, so the same text indexed as a phone and as
an ID number gives unrelated digests.
"""

from __future__ import annotations

import hashlib
import hmac

from .keys import get_blind_index_key
from .normalise import NORMALISERS

INDEX_LENGTH = 64  # hex SHA-256


def normalise(value: object, *, kind: str) -> str:
    try:
        normaliser = NORMALISERS[kind]
    except KeyError:
        raise ValueError(
            f"Unknown blind index kind {kind!r}; use one of: {', '.join(sorted(NORMALISERS))}."
        ) from None
    return normaliser(value)


def blind_index(value: object, *, kind: str) -> str | None:
    """The look-up digest of ``value`` for ``kind``; None when the value is empty."""
    normalised = normalise(value, kind=kind)
    if not normalised:
        return None
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(get_blind_index_key(), message, hashlib.sha256).hexdigest()
