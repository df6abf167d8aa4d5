"""The machine-readable zone of a passport data page (ICAO Doc 9303 part 4, TD3 format).

Two lines of 44 characters from ``A-Z``, ``0-9`` and the filler ``<``::

    P<CHNZHANG<<XIAOMING<<<<<<<<<<<<<<<<<<<<<<<<
    E123456784CHN9005171M3001012<<<<<<<<<<<<<<02

Line 2 holds the document number, nationality, birth date, sex, expiry date and
optional data, each of the numbered fields followed by a check digit, and a composite
check digit over all of them. ``td3_parse`` reads the fields and verifies every check
digit; ``td3_repair`` undoes the confusions OCR typically makes before that.
"""

import datetime
import re
from dataclasses import dataclass

__all__ = ["MrzFormatError", "Td3", "check_digit", "td3_parse", "td3_repair"]

LINE_LENGTH = 44
_WEIGHTS = (7, 3, 1)
_CHARACTERS = re.compile(r"[A-Z0-9<]{44}")

# Where each field of line 2 is, and which characters can be there.
_DIGIT_POSITIONS = frozenset([9, *range(13, 20), *range(21, 28), 43])
_LETTER_POSITIONS = frozenset(range(10, 13))
# Confusions of OCR between the shapes of letters and digits, undone by position.
_AS_DIGIT = str.maketrans("OQDUIJLZSBGT", "000011125867")
_AS_LETTER = str.maketrans("01258", "OIZSB")
# What OCR makes of the filler "<" in a monospace font.
_FILLERS = str.maketrans({"«": "<<", "‹": "<", "〈": "<", "く": "<", "≤": "<", "{": "<", "(": "<"})


class MrzFormatError(ValueError):
    """The lines are not a TD3 machine-readable zone (length or characters)."""


def _character_value(character: str) -> int:
    if character.isdigit():
        return int(character)
    if "A" <= character <= "Z":
        return ord(character) - ord("A") + 10
    if character == "<":
        return 0
    raise MrzFormatError(f"{character!r} cannot appear in a machine-readable zone")


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit of a field: weights 7, 3, 1 repeated, modulo 10."""
    total = sum(_character_value(char) * _WEIGHTS[index % 3] for index, char in enumerate(field))
    return str(total % 10)


@dataclass(frozen=True)
class Td3:
    line1: str
    line2: str
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: datetime.date | None  # None when the six digits are not a date
    sex: str | None  # "M", "F", or None for unspecified ("<")
    expiry_date: datetime.date | None
    optional_data: str
    # Each check digit: document_number, birth_date, expiry_date, optional_data, composite.
    checks: dict[str, bool]

    @property
    def checks_pass(self) -> bool:
        return all(self.checks.values())


def _date(digits: str, *, birth: bool, today: datetime.date) -> datetime.date | None:
    """YYMMDD: a birth date is never in the future; an expiry date is after 2000 unless
    that would put it more than 50 years ahead."""
    if not digits.isdigit():
        return None
    year = 2000 + int(digits[:2])
    if (birth and year > today.year) or (not birth and year > today.year + 50):
        year -= 100
    try:
        return datetime.date(year, int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


def td3_parse(line1: str, line2: str, *, today: datetime.date | None = None) -> Td3:
    """The fields of a TD3 zone and whether each check digit verifies.

    Raises ``MrzFormatError`` when a line is not 44 characters of ``A-Z0-9<``.
    """
    today = today or datetime.date.today()
    for line in (line1, line2):
        if not _CHARACTERS.fullmatch(line):
            raise MrzFormatError("a TD3 line is 44 characters of A-Z, 0-9 and <")
    surname, _, given_names = line1[5:].partition("<<")

    def verified(field: str, digit: str) -> bool:
        return check_digit(field) == digit

    optional = line2[28:42]
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    checks = {
        "document_number": verified(line2[0:9], line2[9]),
        "birth_date": verified(line2[13:19], line2[19]),
        "expiry_date": verified(line2[21:27], line2[27]),
        # An empty optional data field may have a filler as its check digit.
        "optional_data": verified(optional, line2[42])
        or (optional == "<" * 14 and line2[42] == "<"),
        "composite": verified(composite, line2[43]),
    }
    return Td3(
        line1=line1,
        line2=line2,
        document_type=line1[0:2].rstrip("<"),
        issuing_state=line1[2:5].rstrip("<"),
        surname=surname.replace("<", " ").strip(),
        given_names=given_names.replace("<", " ").strip(),
        document_number=line2[0:9].rstrip("<"),
        nationality=line2[10:13].rstrip("<"),
        birth_date=_date(line2[13:19], birth=True, today=today),
        sex=line2[20] if line2[20] in "MF" else None,
        expiry_date=_date(line2[21:27], birth=False, today=today),
        optional_data=optional.rstrip("<"),
        checks=checks,
    )


def td3_repair(line1: str, line2: str) -> tuple[str, str]:
    """Undo what OCR typically does to a machine-readable zone, where it can be undone.

    Spaces are dropped and filler look-alikes become ``<``. Runs of fillers are where
    OCR miscounts or sees letters. Line 1 is fillers after its names, which are never
    more than two fillers apart: from the third filler in a row on, it is made fillers
    up to 44 characters. In line 2 the fixed fields before the optional data (28
    characters) and the two final check digits are kept, and the optional data between
    them is cut or padded to 14 when its surplus or shortfall is only fillers. Then
    letters that look like digits become digits where only a digit can be (dates,
    check digits), and the reverse in the issuing state, the names and the nationality.
    The document number is left alone: it may hold both.
    """
    line1, line2 = (re.sub(r"\s+", "", line.upper().translate(_FILLERS)) for line in (line1, line2))
    line1 = line1[:2] + line1[2:].translate(_AS_LETTER)  # a state and names: letters only
    # Names are separated by one or two fillers: after three, only fillers follow.
    end = line1.find("<<<", 5)
    if end > 0:
        line1 = line1[:end]
    line1 = line1.ljust(LINE_LENGTH, "<")[:LINE_LENGTH]
    if len(line2) != LINE_LENGTH and len(line2) >= 30:
        optional = line2[28:-2]
        content = optional.rstrip("<")
        if len(content) <= 14:
            line2 = line2[:28] + content.ljust(14, "<") + line2[-2:]
    if len(line2) == LINE_LENGTH:
        line2 = "".join(
            char.translate(_AS_DIGIT)
            if index in _DIGIT_POSITIONS
            else char.translate(_AS_LETTER)
            if index in _LETTER_POSITIONS
            else char
            for index, char in enumerate(line2)
        )
    return line1, line2
