"""Validation that knows the documents: identity numbers, credit codes, passports, phones.

Every rule raises a ValidationError with a stable ``code`` and a message that says what is
wrong with *this* value ("the check digit is wrong"), never just "invalid". The arithmetic
is python-stdnum's (GB 11643, GB 32100) and phonenumbers'.
"""

import datetime
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent

from kyc_portal.crypto.normalise import normalise_id_number

from .enums import DocumentType, Gender

_MAINLAND_PASSPORT = re.compile(r"^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})$")
_FOREIGN_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_HK_MACAU_TRAVEL_PERMIT = re.compile(r"^[HM]\d{8}(?:\d{2})?$")
_TAIWAN_TRAVEL_PERMIT = re.compile(r"^\d{8}$")
_OLD_PERMANENT_RESIDENCE_ID = re.compile(r"^[A-Z]{3}\d{12}$")
_USCC_ALPHABET = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
# Residence permits for Hong Kong, Macau and Taiwan residents use these "region" codes.
_RESIDENCE_PERMIT_REGIONS = {"810000", "820000", "830000"}


def _gb11643_parts(number: str) -> tuple[datetime.date, Gender]:
    """Check length, digits, check digit and birth date of an 18-character GB 11643 number."""
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or the letter X."),
            code="id_format",
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check every digit."),
            code="id_checksum",
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number (digits 7–14) is not a real date."),
            code="id_birth_date",
        ) from None
    if birth_date > timezone.localdate():
        raise ValidationError(
            _("The birth date inside this ID number is in the future."),
            code="id_birth_date_future",
        )
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return birth_date, gender


def validate_resident_id(value: str) -> tuple[str, datetime.date, Gender]:
    """A mainland resident ID card number; returns (number, birth date, gender)."""
    number = normalise_id_number(value)
    birth_date, gender = _gb11643_parts(number)
    try:
        ric.get_birth_place(number)
    except InvalidComponent:
        raise ValidationError(
            _("The region code %(code)s at the start of this ID number does not exist."),
            code="id_region",
            params={"code": number[:6]},
        ) from None
    return number, birth_date, gender


def validate_residence_permit(value: str) -> tuple[str, datetime.date, Gender]:
    """Residence permit for Hong Kong, Macau and Taiwan residents: GB 11643 with 81/82/83."""
    number = normalise_id_number(value)
    birth_date, gender = _gb11643_parts(number)
    if number[:6] not in _RESIDENCE_PERMIT_REGIONS:
        raise ValidationError(
            _("A residence permit number starts with 810000, 820000 or 830000."),
            code="permit_region",
        )
    return number, birth_date, gender


def validate_permanent_residence_id(value: str) -> tuple[str, datetime.date | None, Gender | None]:
    """Foreign permanent residence ID: the 2023 card (18 digits, starts with 9) or the old one."""
    number = normalise_id_number(value)
    if _OLD_PERMANENT_RESIDENCE_ID.match(number):
        return number, None, None
    if len(number) == 18 and number.startswith("9"):
        birth_date, gender = _gb11643_parts(number)
        return number, birth_date, gender
    raise ValidationError(
        _(
            "A permanent residence ID is 18 characters starting with 9, or 3 letters "
            "followed by 12 digits on cards issued before 2023."
        ),
        code="permanent_residence_format",
    )


def validate_passport(value: str, *, nationality: str) -> str:
    number = normalise_id_number(value)
    if nationality == "CN":
        if not _MAINLAND_PASSPORT.match(number):
            raise ValidationError(
                _(
                    "A Chinese passport number is E or G followed by 8 digits "
                    "(or E, a letter and 7 digits)."
                ),
                code="passport_format",
            )
    elif not _FOREIGN_PASSPORT.match(number):
        raise ValidationError(
            _("A passport number has 5 to 17 letters and digits, without other characters."),
            code="passport_format",
        )
    return number


def validate_travel_permit(value: str) -> str:
    number = normalise_id_number(value)
    if not (_HK_MACAU_TRAVEL_PERMIT.match(number) or _TAIWAN_TRAVEL_PERMIT.match(number)):
        raise ValidationError(
            _(
                "A travel permit number is H or M followed by 8 or 10 digits (Hong Kong, "
                "Macau), or 8 digits (Taiwan)."
            ),
            code="travel_permit_format",
        )
    return number


def validate_identity_document(
    *,
    document_type: str,
    number: str,
    nationality: str = "CN",
    birth_date: datetime.date | None = None,
    gender: str | None = None,
) -> str:
    """Validate a document number and, where it encodes them, agree with birth date and gender.

    Errors about the agreement are attached to the birth date or gender field, so the form
    shows them where the customer can fix them.
    """
    encoded_birth_date = encoded_gender = None
    if document_type == DocumentType.RESIDENT_ID:
        number, encoded_birth_date, encoded_gender = validate_resident_id(number)
    elif document_type == DocumentType.RESIDENCE_PERMIT:
        number, encoded_birth_date, encoded_gender = validate_residence_permit(number)
    elif document_type == DocumentType.PERMANENT_RESIDENCE_ID:
        number, encoded_birth_date, encoded_gender = validate_permanent_residence_id(number)
    elif document_type == DocumentType.PASSPORT:
        number = validate_passport(number, nationality=nationality)
    elif document_type == DocumentType.TRAVEL_PERMIT:
        number = validate_travel_permit(number)
    else:
        raise ValidationError(_("Choose the type of identity document."), code="document_type")

    errors = {}
    if encoded_birth_date and birth_date and encoded_birth_date != birth_date:
        errors["birth_date"] = ValidationError(
            _(
                "This date of birth differs from the one in the ID number (its digits 7 to "
                "14): check both."
            ),
            code="birth_date_mismatch",
        )
    if encoded_gender and gender and encoded_gender != gender:
        errors["gender"] = ValidationError(
            _("The ID number belongs to a %(encoded)s holder; check the gender you chose."),
            code="gender_mismatch",
            params={"encoded": Gender(encoded_gender).label},
        )
    if errors:
        raise ValidationError(errors)
    return number


def validate_birth_date(value: datetime.date, *, minimum_age: int) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            _("The date of birth cannot be in the future."), code="birth_date_future"
        )
    if value < datetime.date(today.year - 130, today.month, 1):
        raise ValidationError(
            _("Check the year of birth: it is more than 130 years ago."), code="birth_date_past"
        )
    years = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if years < minimum_age:
        raise ValidationError(
            _("Customers must be at least %(minimum)d years old to register."),
            code="under_age",
            params={"minimum": minimum_age},
        )


def validate_credit_code(value: str) -> str:
    """Unified social credit code (GB 32100): 18 characters, check character last."""
    code = normalise_id_number(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="uscc_length",
            params={"count": len(code)},
        )
    if not _USCC_ALPHABET.match(code):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters "
                "except I, O, Z, S and V."
            ),
            code="uscc_format",
        )
    try:
        uscc.validate(code)
    except InvalidChecksum:
        raise ValidationError(
            _("The check character (the last one) of this credit code is wrong."),
            code="uscc_checksum",
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("The registration authority or region part of this credit code does not exist."),
            code="uscc_component",
        ) from None
    return code


def validate_mobile(value: str, *, region: str = "CN") -> str:
    """A mobile number, returned in E.164. Numbers without +country are read as ``region``'s."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _(
                "This is not a phone number: use digits, optionally starting with + "
                "and the country code."
            ),
            code="phone_format",
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This phone number does not exist: check the number of digits."),
            code="phone_invalid",
        )
    number_region = phonenumbers.region_code_for_number(parsed)
    if number_region != region:
        raise ValidationError(
            _("This number is a %(actual)s number, but you chose %(expected)s as its country."),
            code="phone_wrong_country",
            params={"actual": number_region, "expected": region},
        )
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("Please give a mobile number: confirmation codes are sent by SMS."),
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
