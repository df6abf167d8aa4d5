"""Comparing what a document says with what the customer declared."""

import datetime

import pytest

pytest.importorskip("rapidfuzz")

from verification.checks.ocr import TextKind, compare_date, compare_text


@pytest.mark.parametrize(
    ("declared", "extracted"),
    [
        ("王小明", "王小明"),
        ("王 小明", "王小明"),  # spaces typed between surname and given name
        ("ＺＨＡＮＧ　Ｗｅｉ", "ZHANG WEI"),  # full-width letters and space, any case
        ("阿依古丽·买买提", "阿依古丽•买买提"),  # the middle dot of minority names
    ],
)
def test_names_match_after_normalising_width_spaces_and_dots(declared, extracted):
    assert compare_text(declared, extracted).match


def test_names_differing_by_one_character_do_not_match():
    result = compare_text("王小明", "王晓明")

    assert not result.match
    assert 0.5 < result.similarity < 1.0


def test_addresses_match_loosely():
    card = "上海市徐汇区漕溪北路88号1201室"

    typed_in_parts = compare_text(
        "上海市上海市徐汇区漕溪北路 88 号 1201 室", card, kind=TextKind.ADDRESS
    )
    one_character_misread = compare_text(
        "上海市徐汇区漕溪北路88号1201室", "上海市徐汇区漕溪北路88号1201宝", kind=TextKind.ADDRESS
    )
    elsewhere = compare_text("北京市东城区中山路719号", card, kind=TextKind.ADDRESS)

    assert typed_in_parts.match and typed_in_parts.similarity == 1.0
    assert one_character_misread.match and one_character_misread.similarity < 1.0
    assert not elsewhere.match


def test_identifiers_match_exactly_whatever_the_case_and_separators():
    assert compare_text("11010519491231002x", "11010519491231002X", kind=TextKind.IDENTIFIER).match
    assert compare_text("E 1234-5678", "E12345678", kind=TextKind.IDENTIFIER).match
    near = compare_text("110105194912310021", "110105194912310029", kind=TextKind.IDENTIFIER)
    assert not near.match
    assert near.similarity > 0.9


def test_an_empty_declaration_never_matches():
    assert not compare_text("", "").match
    assert not compare_text("", "", kind=TextKind.ADDRESS).match


def test_dates_match_exactly():
    assert compare_date(datetime.date(1990, 5, 17), datetime.date(1990, 5, 17)) == (
        compare_date(datetime.date(2000, 1, 1), datetime.date(2000, 1, 1))
    )
    assert compare_date(datetime.date(1990, 5, 17), datetime.date(1990, 5, 17)).match
    assert not compare_date(datetime.date(1990, 5, 17), datetime.date(1990, 5, 18)).match
