"""Masking of personal values for screens, the admin, the API and logs.

Every function accepts None or "" (returns "") and anything with a ``str()``; none of them
raises on odd input, because they run inside templates and log handlers.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata

import phonenumbers

STARS = "***"


def _text(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _keep(text: str, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + (text[-tail:] if tail else "")


def mask_id_number(value: object) -> str:
    """``11010519491231002X`` -> ``110105********002X``; shorter documents keep less.

    18/15-character numbers (resident ID, credit code) keep the first 6 and last 4;
    9-14 characters (passports, permits) keep 2 and 3; 5-8 keep 1 and 2; shorter are
    masked entirely.
    """
    text = "".join(_text(value).split()).upper()
    length = len(text)
    if length >= 15:
        return _keep(text, 6, 4)
    if length >= 9:
        return _keep(text, 2, 3)
    if length >= 5:
        return _keep(text, 1, 2)
    return "*" * length


def _mask_digits(digits: str) -> str:
    if len(digits) >= 7:
        return _keep(digits, 3, 4)
    if len(digits) >= 4:
        return _keep(digits, 0, 2)
    return "*" * len(digits)


def mask_phone(value: object) -> str:
    """``13800138000`` -> ``138****8000``; ``+86 138 0013 8000`` -> ``+86 138****8000``.

    A number written with its country code (or from another country) keeps it.
    """
    text = _text(value)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return _mask_digits(re.sub(r"\D", "", text))
    national = phonenumbers.national_significant_number(number)
    masked = _mask_digits(national)
    written_international = text.startswith(("+", "00"))
    if written_international or number.country_code != 86:
        return f"+{number.country_code} {masked}"
    return masked


def mask_email(value: object) -> str:
    """``zhang.san@example.com`` -> ``z***@example.com`` (the length is not shown)."""
    text = _text(value)
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        return text[0] + STARS
    return f"{local[:1]}{STARS}@{domain}"


def _is_cjk(character: str) -> bool:
    return unicodedata.category(character) == "Lo"


def mask_name(value: object) -> str:
    """Chinese names keep the first character (``张三丰`` -> ``张**``); Latin names keep
    the first letter of each word (``Zhang San`` -> ``Z*** S***``)."""
    text = _text(value)
    if not text:
        return ""
    if any(_is_cjk(character) for character in text):
        text = "".join(text.split())
        if len(text) == 1:
            return "*"
        return text[0] + "*" * (len(text) - 1)
    return " ".join(word[0] + STARS for word in text.split())


_ADDRESS_HEAD = re.compile(
    r"^(?P<province>[^省市]{2,7}?(?:省|自治区|特别行政区))?"
    r"(?P<city>[^市省]{1,10}?(?:市|自治州|地区|盟))?"
)


def mask_address(value: object) -> str:
    """Keep the province and city, hide the rest: ``广东省深圳市南山区科技园路1号`` ->
    ``广东省深圳市****``. Western addresses keep their last two comma-separated parts."""
    text = _text(value)
    if not text:
        return ""
    match = _ADDRESS_HEAD.match(text)
    head = match.group(0) if match else ""
    if head:
        return head + "****" if len(head) < len(text) else head
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > 2:
        return "****, " + ", ".join(parts[-2:])
    return "****"


def mask_date(value: object) -> str:
    """Year only: ``1949-12-31`` -> ``1949-**-**``."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return f"{value.year:04d}-**-**"
    text = _text(value)
    match = re.match(r"^(\d{4})", text)
    return f"{match.group(1)}-**-**" if match else "****-**-**"


# -- logs ------------------------------------------------------------------------------------
# \d matches full-width digits too; boundaries keep us out of longer tokens (hashes, UUIDs).
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CREDIT_CODE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}(?![0-9A-Za-z])",
    re.IGNORECASE,
)
# Not inside a word of ASCII letters, digits or hyphens: a UUID's "1345-6789-0123" is no phone.
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z+-])(?:(?:\+|00)\s?86[\s-]?)?\d{3}(?:[\s-]?\d{4}){2}(?![0-9A-Za-z])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _mask_mobile_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", match.group(0)))
    national = digits[-11:]
    if len(national) == 11 and national[0] == "1" and national[1] in "3456789":
        prefix = "+86 " if len(digits) > 11 else ""
        return prefix + _keep(national, 3, 4)
    return match.group(0)


def mask_personal_data(text: str) -> str:
    """Mask identity numbers, credit codes, mobile numbers and e-mail addresses in free text."""
    text = _RESIDENT_ID.sub(lambda match: mask_id_number(match.group(0)), text)
    text = _CREDIT_CODE.sub(lambda match: mask_id_number(match.group(0)), text)
    text = _MOBILE.sub(_mask_mobile_match, text)
    return _EMAIL.sub(lambda match: mask_email(match.group(0)), text)


class MaskPersonalDataFilter(logging.Filter):
    """Masks personal values in a record's message, arguments and traceback text.

    The message is formatted here and the arguments cleared, so a value passed as an
    argument is masked too. The filter never drops a record and never raises.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._mask(record)
        except Exception:  # a log line must never be lost to the filter itself
            record.msg = "[log message withheld: it could not be checked for personal data]"
            record.args = None
        return True

    def _mask(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the format string: keep both, masked.
            message = f"{record.msg} (arguments: {record.args!r})"
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
