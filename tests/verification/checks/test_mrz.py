"""The machine-readable zone: ICAO 9303 check digits, parsing, and undoing OCR confusions.

The specimen is the TD3 example of ICAO Doc 9303 part 4 (Anna Maria Eriksson of Utopia).
"""

import datetime

import pytest

from verification.checks.mrz import MrzFormatError, check_digit, td3_parse, td3_repair

SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TODAY = datetime.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"), ("<<<", "0")],
)
def test_check_digits_of_the_icao_specimen(field, digit):
    assert check_digit(field) == digit


def test_the_specimen_reads_with_every_check_verified():
    zone = td3_parse(*SPECIMEN, today=TODAY)

    assert zone.document_type == "P"
    assert zone.issuing_state == "UTO"
    assert zone.surname == "ERIKSSON"
    assert zone.given_names == "ANNA MARIA"
    assert zone.document_number == "L898902C3"
    assert zone.nationality == "UTO"
    assert zone.birth_date == datetime.date(1974, 8, 12)
    assert zone.sex == "F"
    assert zone.expiry_date == datetime.date(2012, 4, 15)
    assert zone.optional_data == "ZE184226B"
    assert zone.checks == dict.fromkeys(
        ("document_number", "birth_date", "expiry_date", "optional_data", "composite"), True
    )
    assert zone.checks_pass


def test_a_wrong_check_digit_fails_that_check_and_the_composite():
    line2 = SPECIMEN[1][:9] + "7" + SPECIMEN[1][10:]  # document number check: 6 → 7

    zone = td3_parse(SPECIMEN[0], line2, today=TODAY)

    assert zone.checks["document_number"] is False
    assert zone.checks["composite"] is False
    assert zone.checks["birth_date"] and zone.checks["expiry_date"]
    assert zone.checks["optional_data"]
    assert not zone.checks_pass


def test_a_changed_birth_date_fails_its_check():
    line2 = SPECIMEN[1].replace("740812", "740813")

    zone = td3_parse(SPECIMEN[0], line2, today=TODAY)

    assert zone.birth_date == datetime.date(1974, 8, 13)
    assert zone.checks["birth_date"] is False


def test_an_empty_optional_data_field_may_have_a_filler_check_digit():
    line2 = SPECIMEN[1][:28] + "<" * 14 + "<" + SPECIMEN[1][43]

    assert td3_parse(SPECIMEN[0], line2, today=TODAY).checks["optional_data"]


def test_impossible_dates_are_none_and_centuries_follow_the_field():
    line2 = SPECIMEN[1][:13] + "741332" + SPECIMEN[1][19:]
    assert td3_parse(SPECIMEN[0], line2, today=TODAY).birth_date is None

    # A birth year above this year's two digits is last century; an expiry is this one.
    young = SPECIMEN[1][:13] + "100101" + SPECIMEN[1][19:21] + "300101" + SPECIMEN[1][27:]
    zone = td3_parse(SPECIMEN[0], young, today=TODAY)
    assert zone.birth_date == datetime.date(2010, 1, 1)
    assert zone.expiry_date == datetime.date(2030, 1, 1)


@pytest.mark.parametrize(
    "lines",
    [
        (SPECIMEN[0][:43], SPECIMEN[1]),
        (SPECIMEN[0], SPECIMEN[1].lower()),
        (SPECIMEN[0], SPECIMEN[1][:20] + "X" + SPECIMEN[1][21:].replace("<", "-")),
    ],
)
def test_lines_that_are_not_a_td3_zone_are_refused(lines):
    with pytest.raises(MrzFormatError):
        td3_parse(*lines, today=TODAY)


def test_repair_undoes_the_usual_ocr_confusions():
    line1 = "P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<VVVVV"  # 0 for O, fillers as letters
    line2 = "L898902C36UT07408I22F12O4159ZE184226B<<<<<<<<10"  # extra fillers, I/O for 1/0

    assert td3_repair(line1, line2) == SPECIMEN
    assert td3_parse(*td3_repair(line1, line2), today=TODAY).checks_pass


def test_repair_counts_fillers_read_as_guillemets_or_missed():
    line1 = "P<UTOERIKSSON«ANNA<MARIA«<<<"
    line2 = "L898902C36 UTO7408122F1204159ZE184226B<<10"

    assert td3_repair(line1, line2) == SPECIMEN


def test_repair_leaves_the_document_number_alone():
    """O and 0 are both possible there: its check digit decides, not a guess."""
    line2 = "L898902CO6" + SPECIMEN[1][10:]

    repaired = td3_repair(SPECIMEN[0], line2)[1]

    assert repaired.startswith("L898902CO6")
    assert td3_parse(SPECIMEN[0], repaired, today=TODAY).checks["document_number"] is False
