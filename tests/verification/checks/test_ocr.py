"""Reading rendered documents with the real OCR engine (the ``[ai]`` extra).

The images come from ``synthetic.py`` with fixed seeds. The engine loads once for the
session, and each image is read once (module fixtures), so these tests cost about 15
readings. The accuracy over a larger set is the benchmark's job (``benchmarks/ocr.py``).
"""

import dataclasses
import datetime
import importlib.util
import io
import logging
import random
import sys

import pytest
from PIL import Image

from tests.conftest import in_ci
from verification.checks import ocr
from verification.checks.ocr import ProblemCode

from . import synthetic

# Optional on a laptop, required in CI (which installs the [ai] extra and the fonts).
_missing = [
    what
    for what, present in (
        ("the [ai] extra (rapidocr-onnxruntime)", importlib.util.find_spec("rapidocr_onnxruntime")),
        (f"the CJK font {synthetic.CJK_FONT}", synthetic.CJK_FONT.exists()),
    )
    if not present
]
if _missing:
    if in_ci():
        raise RuntimeError(f"Missing in CI: {', '.join(_missing)}")
    pytest.skip(f"missing: {', '.join(_missing)}", allow_module_level=True)

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture(scope="session", autouse=True)
def ocr_models():
    """Load the models once, before the first test measures anything."""
    ocr.ocr_engine_load()


def front(seed: int, variant: str = synthetic.CLEAN, **overrides):
    rng = random.Random(seed)
    values = dataclasses.replace(synthetic.id_card_front_values(rng), **overrides)
    image = synthetic.variant_encode(synthetic.id_card_front_render(values), variant, rng)
    return values, image


def codes(reading, code: ProblemCode) -> set[str | None]:
    return {problem.field for problem in reading.problems if problem.code == code}


def wrong_fields(values, reading) -> list[str]:
    """Fields given a value that is not the rendered one: never acceptable."""
    return [
        name
        for name in reading.FIELDS
        if getattr(reading, name) is not None and getattr(reading, name) != getattr(values, name)
    ]


@pytest.fixture(scope="module")
def clean_front():
    values, image = front(1)
    return values, image, ocr.read_id_card_front(image)


def test_a_clean_card_front_reads_every_field(clean_front):
    values, _, reading = clean_front

    assert reading.name == values.name
    assert reading.sex == values.sex
    assert reading.ethnicity == values.ethnicity
    assert reading.birth_date == values.birth_date
    assert reading.address == values.address
    assert reading.id_number == values.id_number
    assert reading.problems == ()
    assert reading.turned == 0
    assert all(reading.confidence[name] >= ocr.MIN_CONFIDENCE for name in reading.FIELDS)


def test_reading_logs_timings_and_outcomes_but_no_values(clean_front, caplog):
    values, image, _ = clean_front
    caplog.set_level(logging.INFO, logger="verification.checks.ocr")

    ocr.read_id_card_front(image)

    assert "id_card_front: 6 of 6 fields" in caplog.text
    for value in (values.name, values.id_number, values.address, values.id_number[-4:]):
        assert value not in caplog.text


def test_an_upside_down_card_is_read_and_said_to_be(clean_front):
    values, _, _ = clean_front
    _, image = front(1, synthetic.UPSIDE_DOWN)

    reading = ocr.read_id_card_front(image)

    assert (reading.name, reading.id_number, reading.address) == (
        values.name,
        values.id_number,
        values.address,
    )
    assert reading.turned == 180
    assert ProblemCode.UPSIDE_DOWN in {problem.code for problem in reading.problems}


def test_a_card_lying_sideways_is_turned_and_read():
    values, image = front(2)
    buffer = io.BytesIO()
    Image.open(io.BytesIO(image)).rotate(90, expand=True).save(buffer, "PNG")

    reading = ocr.read_id_card_front(buffer.getvalue())

    assert reading.id_number == values.id_number
    assert reading.name == values.name
    assert reading.turned == 90
    assert ProblemCode.SIDEWAYS in {problem.code for problem in reading.problems}


@pytest.mark.parametrize(
    "variant", [synthetic.TILTED, synthetic.BLUR_MILD, synthetic.NOISE, synthetic.JPEG_40]
)
def test_mild_distortions_are_mostly_read_and_never_misread(variant):
    values, image = front(3, variant)

    reading = ocr.read_id_card_front(image)

    read = [name for name in reading.FIELDS if getattr(reading, name) == getattr(values, name)]
    assert len(read) >= 5, reading.problems
    assert wrong_fields(values, reading) == []
    assert reading.id_number == values.id_number


def test_a_card_blurred_beyond_reading_is_unreadable_not_misread():
    values, image = front(4, synthetic.BLUR_HEAVY)

    reading = ocr.read_id_card_front(image)

    assert wrong_fields(values, reading) == []
    assert codes(reading, ProblemCode.UNREADABLE) >= {"name", "id_number"}
    assert reading.id_number is None
    assert reading.confidence["id_number"] == 0.0


def test_an_id_number_failing_its_check_character_is_unreadable_not_wrong():
    values = synthetic.id_card_front_values(random.Random(5))
    last = "0" if values.id_number[-1] != "0" else "1"
    _, image = front(5, id_number=values.id_number[:-1] + last)

    reading = ocr.read_id_card_front(image)

    assert reading.id_number is None
    assert "id_number" in codes(reading, ProblemCode.UNREADABLE)
    assert reading.name == values.name  # the rest of the card is still read


def test_the_back_gives_authority_validity_and_expiry():
    rng = random.Random(6)
    values = dataclasses.replace(
        synthetic.id_card_back_values(rng),
        valid_from=datetime.date(2010, 3, 9),
        valid_until=datetime.date(2020, 3, 9),
    )
    image = synthetic.variant_encode(synthetic.id_card_back_render(values), "clean", rng)

    reading = ocr.read_id_card_back(image, today=TODAY)

    assert reading.issuing_authority == values.issuing_authority
    assert reading.valid_from == datetime.date(2010, 3, 9)
    assert reading.valid_until == datetime.date(2020, 3, 9)
    assert reading.long_term is False
    assert reading.expired is True
    assert reading.problems == ()


def test_a_long_term_card_never_expires():
    rng = random.Random(7)
    values = dataclasses.replace(
        synthetic.id_card_back_values(rng), valid_from=datetime.date(2015, 7, 1), valid_until=None
    )
    image = synthetic.variant_encode(synthetic.id_card_back_render(values), "clean", rng)

    reading = ocr.read_id_card_back(image, today=datetime.date(2090, 1, 1))

    assert reading.valid_from == datetime.date(2015, 7, 1)
    assert reading.long_term is True
    assert reading.valid_until is None
    assert reading.expired is False
    assert "valid_until" not in codes(reading, ProblemCode.UNREADABLE)


def test_a_validity_period_of_an_impossible_length_is_inconsistent_not_given():
    rng = random.Random(12)
    values = dataclasses.replace(
        synthetic.id_card_back_values(rng),
        valid_from=datetime.date(2012, 5, 4),
        valid_until=datetime.date(2019, 5, 4),  # 7 years: cards are issued for 5, 10, 20
    )
    image = synthetic.variant_encode(synthetic.id_card_back_render(values), "clean", rng)

    reading = ocr.read_id_card_back(image, today=TODAY)

    assert "valid_until" in codes(reading, ProblemCode.INCONSISTENT)
    assert (reading.valid_from, reading.valid_until, reading.expired) == (None, None, None)
    assert reading.issuing_authority == values.issuing_authority


def test_a_business_licence_gives_its_name_and_credit_code():
    rng = random.Random(8)
    values = synthetic.business_licence_values(rng)
    image = synthetic.variant_encode(synthetic.business_licence_render(values), "clean", rng)

    reading = ocr.read_business_licence(image)

    assert reading.name == values.name
    assert reading.credit_code == values.credit_code
    assert reading.problems == ()


def passport(seed: int, variant: str = synthetic.CLEAN, mrz=None):
    rng = random.Random(seed)
    values = synthetic.passport_values(rng)
    image = synthetic.variant_encode(synthetic.passport_render(values, mrz=mrz), variant, rng)
    return values, image


def test_a_passport_page_gives_its_zone_fields_and_verified_checks():
    values, image = passport(9)

    reading = ocr.read_passport_page(image, today=TODAY)

    assert reading.mrz == values.mrz
    assert reading.document_number == values.document_number
    assert reading.nationality == "CHN"
    assert reading.birth_date == values.birth_date
    assert reading.sex == values.sex
    assert reading.expiry_date == values.expiry_date
    assert reading.expired is (values.expiry_date < TODAY)
    assert (reading.surname, reading.given_names) == (values.surname, values.given_names)
    assert reading.checks and all(reading.checks.values())
    assert reading.problems == ()


def test_a_wrong_check_digit_in_the_zone_is_reported():
    values = synthetic.passport_values(random.Random(10))
    line1, line2 = values.mrz
    wrong = str((int(line2[19]) + 1) % 10)  # the birth date's check digit
    _, image = passport(10, mrz=(line1, line2[:19] + wrong + line2[20:]))

    reading = ocr.read_passport_page(image, today=TODAY)

    assert reading.checks["birth_date"] is False
    assert reading.checks["composite"] is False
    assert reading.checks["document_number"] and reading.checks["expiry_date"]
    assert codes(reading, ProblemCode.CHECK_FAILED) == {"birth_date", "composite"}
    assert reading.mrz[1][19] == wrong  # the zone as printed, for the reviewer
    # A field failing its check is unreadable, not given; the others are still read.
    assert reading.birth_date is None
    assert codes(reading, ProblemCode.UNREADABLE) == {"birth_date"}
    assert reading.document_number == values.document_number
    assert reading.expiry_date == values.expiry_date


def test_a_blurred_passport_is_unreadable_without_crashing():
    values, image = passport(11, synthetic.BLUR_HEAVY)

    reading = ocr.read_passport_page(image, today=TODAY)

    assert reading.mrz is None
    assert reading.checks == {}
    assert wrong_fields(values, reading) == []
    assert "document_number" in codes(reading, ProblemCode.UNREADABLE)


def test_a_half_blurred_passport_gives_no_wrong_value():
    """At this blur some fields still read; none may be given wrong."""
    values, image = passport(13, synthetic.BLUR_MEDIUM)

    reading = ocr.read_passport_page(image, today=TODAY)

    assert wrong_fields(values, reading) == []
    assert codes(reading, ProblemCode.UNREADABLE)


def test_bytes_that_are_not_an_image_raise_a_reading_error():
    with pytest.raises(ocr.DocumentReadingError) as error:
        ocr.read_id_card_front(b"%PDF-1.7 not an image")

    assert error.value.code == "bad_image"


def test_an_engine_failure_raises_a_reading_error(clean_front, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("onnxruntime: bad allocation")

    monkeypatch.setattr(ocr, "_ocr_engine", lambda: broken)

    with pytest.raises(ocr.DocumentReadingError) as error:
        ocr.read_id_card_front(clean_front[1])

    assert error.value.code == "engine_failed"


def test_a_missing_engine_raises_a_reading_error(clean_front, monkeypatch):
    monkeypatch.setattr(ocr, "_engine", None)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)

    with pytest.raises(ocr.DocumentReadingError) as error:
        ocr.read_id_card_front(clean_front[1])

    assert error.value.code == "engine_missing"
