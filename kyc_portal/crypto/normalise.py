"""Normalisers for blind indexes: the same identifier typed differently gives the same text.

Each takes whatever a person typed (full-width digits, spaces, lower-case ``x``) and returns
the canonical text, or "" when nothing is left to index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import phonenumbers

DEFAULT_PHONE_REGION = "CN"
_NOT_DIGIT = re.compile(r"\D")


def _nfkc(value: object) -> str:
    if value is None:
        return ""
    # NFKC turns full-width digits and letters and the ideographic space into ASCII.
    return unicodedata.normalize("NFKC", str(value))


def normalise_id_number(value: object) -> str:
    """Identity documents: NFKC, every kind of whitespace removed, upper case (x -> X)."""
    # Upper-casing can un-normalise some letters; normalise once more so this is idempotent.
    return unicodedata.normalize("NFKC", "".join(_nfkc(value).split()).upper())


def normalise_phone(value: object) -> str:
    """Phones: E.164 (default region CN) when the number is valid, else the digits only."""
    text = _nfkc(value).strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _NOT_DIGIT.sub("", text)


def normalise_email(value: object) -> str:
    """E-mail addresses: NFKC, surrounding whitespace removed, lower case."""
    return _nfkc(value).strip().lower()


NORMALISERS: dict[str, Callable[[object], str]] = {
    "id_number": normalise_id_number,
    "phone": normalise_phone,
    "email": normalise_email,
}
