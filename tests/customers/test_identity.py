"""Identity numbers, credit codes and phones: each mistake gets its own, specific error."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from customers.enums import DocumentType, Gender
from customers.identity import (
    validate_birth_date,
    validate_credit_code,
    validate_identity_document,
    validate_mobile,
    validate_passport,
    validate_permanent_residence_id,
    validate_residence_permit,
    validate_resident_id,
    validate_travel_permit,
)
from kyc_portal.crypto.normalise import normalise_id_number

VALID_ID = "11010519491231002X"  # born 1949-12-31, female (17th digit 2)


def error_code(call, *args, **kwargs):
    with pytest.raises(ValidationError) as raised:
        call(*args, **kwargs)
    return raised.value.code


def with_check_digit(first_17: str) -> str:
    return first_17 + ric.calc_check_digit(first_17 + "0")


def test_valid_resident_id_gives_birth_date_and_gender():
    number, birth_date, gender = validate_resident_id(VALID_ID)
    assert (number, birth_date, gender) == (VALID_ID, datetime.date(1949, 12, 31), Gender.FEMALE)


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        " 110105 19491231 002x ",
        "１１０１０５19491231002ｘ",
    ],
)
def test_full_width_digits_spaces_and_lower_case_x_are_normalised(typed):
    assert validate_resident_id(typed)[0] == VALID_ID


def test_wrong_check_digit_says_so():
    assert error_code(validate_resident_id, "110105194912310021") == "id_checksum"


def test_wrong_length_names_the_count():
    with pytest.raises(ValidationError) as raised:
        validate_resident_id("1101051949123100")
    assert raised.value.code == "id_length"
    assert "16" in raised.value.messages[0]


def test_unknown_region_code():
    assert error_code(validate_resident_id, with_check_digit("99010519900101001")) == "id_region"


def test_impossible_birth_date_inside_the_number():
    assert (
        error_code(validate_resident_id, with_check_digit("11010519900231001")) == "id_birth_date"
    )


@freeze_time("2026-11-25")
def test_future_birth_date_inside_the_number():
    assert error_code(validate_resident_id, with_check_digit("11010520300101001")) == (
        "id_birth_date_future"
    )


def test_declared_birth_date_and_gender_must_agree_with_the_number():
    with pytest.raises(ValidationError) as raised:
        validate_identity_document(
            document_type=DocumentType.RESIDENT_ID,
            number=VALID_ID,
            birth_date=datetime.date(1950, 1, 1),
            gender=Gender.MALE,
        )
    errors = raised.value.error_dict
    assert errors["birth_date"][0].code == "birth_date_mismatch"
    assert errors["gender"][0].code == "gender_mismatch"


def test_agreeing_declaration_passes():
    assert (
        validate_identity_document(
            document_type=DocumentType.RESIDENT_ID,
            number="11010519491231002x",
            birth_date=datetime.date(1949, 12, 31),
            gender=Gender.FEMALE,
        )
        == VALID_ID
    )


def test_errors_are_translated_into_chinese():
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as raised:
            validate_resident_id("110105194912310021")
        # Messages are lazy: read them while Chinese is the active language.
        assert "校验" in raised.value.messages[0]


def test_residence_permit_uses_the_hong_kong_macau_taiwan_codes():
    assert validate_residence_permit(with_check_digit("81000019900101001"))[0].startswith("81")
    assert error_code(validate_residence_permit, VALID_ID) == "permit_region"


def test_permanent_residence_id_new_and_old_cards():
    assert validate_permanent_residence_id(with_check_digit("91000019900101001"))[1] == (
        datetime.date(1990, 1, 1)
    )
    assert validate_permanent_residence_id("usa123456789012")[0] == "USA123456789012"
    assert error_code(validate_permanent_residence_id, "12345") == "permanent_residence_format"


@pytest.mark.parametrize(
    ("number", "nationality", "valid"),
    [
        ("E12345678", "CN", True),
        ("EA1234567", "CN", True),
        ("G1234567", "CN", False),
        ("X12345678", "CN", False),
        ("533380006", "US", True),
        ("AB-12345", "GB", False),
    ],
)
def test_passport_numbers_by_issuing_country(number, nationality, valid):
    if valid:
        assert validate_passport(number, nationality=nationality) == number
    else:
        assert error_code(validate_passport, number, nationality=nationality) == "passport_format"


def test_travel_permits():
    assert validate_travel_permit("h12345678") == "H12345678"
    assert validate_travel_permit("12345678") == "12345678"
    assert error_code(validate_travel_permit, "Z1234") == "travel_permit_format"


@freeze_time("2026-11-25")
def test_birth_date_rules():
    assert error_code(validate_birth_date, datetime.date(2027, 1, 1), minimum_age=18) == (
        "birth_date_future"
    )
    assert error_code(validate_birth_date, datetime.date(2010, 1, 1), minimum_age=18) == "under_age"
    assert error_code(validate_birth_date, datetime.date(2008, 11, 26), minimum_age=18) == (
        "under_age"
    )
    validate_birth_date(datetime.date(2008, 11, 25), minimum_age=18)


def test_credit_codes():
    assert validate_credit_code("91110000600037341l") == "91110000600037341L"
    assert error_code(validate_credit_code, "91110000600037341M") == "uscc_checksum"
    assert error_code(validate_credit_code, "9111000060003734") == "uscc_length"
    assert error_code(validate_credit_code, "9111000060003734IL") == "uscc_format"


def test_mobile_numbers():
    assert validate_mobile("138 0013 8000") == "+8613800138000"
    assert validate_mobile("１３８００１３８０００") == "+8613800138000"
    assert validate_mobile("+1 650 253 0000", region="US") == "+16502530000"
    assert error_code(validate_mobile, "+1 650 253 0000") == "phone_wrong_country"
    assert error_code(validate_mobile, "010 6234 5678") == "phone_not_mobile"
    assert error_code(validate_mobile, "12345") == "phone_invalid"
    assert error_code(validate_mobile, "call me") == "phone_format"


@given(st.text(max_size=40))
def test_any_text_gets_a_clear_answer_never_a_crash(text):
    try:
        validate_resident_id(text)
    except ValidationError as error:
        assert error.code.startswith("id_")
    assert normalise_id_number(text) == normalise_id_number(normalise_id_number(text))
