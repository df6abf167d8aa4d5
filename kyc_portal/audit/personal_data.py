"""A small guard that keeps personal values out of audit details.

The audit trail records who, when, what and from where; identity numbers, phone numbers,
e-mail addresses, names and addresses stay in the encrypted customer records. This check
looks at both the keys (a key called "phone" is refused whatever its value) and the values
(anything the log masking would mask — an identity number, a credit code, a mobile
number, an e-mail address — and any long run of digits is refused). It errs on the side
of refusing: details are for codes, counts and state names.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kyc_portal.crypto.masking import mask_personal_data

# Whole keys that name a personal value.
_PERSONAL_KEYS = frozenset(
    {
        "username",
        "id_number",
        "id_no",
        "idno",
        "id_card",
        "idcard",
        "identity_number",
        "document_number",
        "passport",
        "passport_number",
        "credit_code",
        "uscc",
        "birth_date",
        "date_of_birth",
        "dob",
        "birthday",
        "password",
        "otp_token",
        "credentials",
    }
)
# Words that make any key personal ("mobile_number", "home_address", "legal_name", …).
_PERSONAL_KEY_WORDS = frozenset(
    {"name", "phone", "mobile", "tel", "telephone", "email", "mail", "address", "passport"}
)

# Bank cards, landlines and numbers in other layouts, which the log masking leaves alone.
_LONG_NUMBER = re.compile(r"(?<![\w-])\+?\d{11,}(?![\w-])")


class PersonalDataInAuditError(ValueError):
    """A caller tried to put a personal value into the audit trail (a programming error)."""


def _normalise_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def _key_is_personal(key: str) -> bool:
    normalised = _normalise_key(key)
    return normalised in _PERSONAL_KEYS or any(
        word in _PERSONAL_KEY_WORDS for word in normalised.split("_")
    )


def _walk(value: Any, path: str) -> Iterator[tuple[str, str | None, Any]]:
    """Yield (path, key, leaf value) for every leaf, and (path, key, None) for every key."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key), None
            yield from _walk(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, None, value


def find_personal_data(details: Mapping[str, Any]) -> str | None:
    """Describe the first thing in ``details`` that looks personal, without repeating it."""
    for path, key, leaf in _walk(details, ""):
        if key is not None and _key_is_personal(key):
            return f"the key {path!r} names a personal value"
        if isinstance(leaf, bool) or not isinstance(leaf, str | int):
            continue
        if looks_personal(str(leaf)):
            return f"the value at {path!r} looks like a personal value"
    return None


def looks_personal(text: str) -> bool:
    """True when a free-text label (such as a username) is itself a personal value."""
    return mask_personal_data(text) != text or bool(_LONG_NUMBER.search(text))
