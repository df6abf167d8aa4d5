import pytest
from django.test import override_settings

from kyc_portal.crypto.blind_index import blind_index
from kyc_portal.crypto.normalise import normalise_email, normalise_id_number, normalise_phone
from tests.crypto_testapp.factories import PersonFactory
from tests.crypto_testapp.models import Person
from tests.kyc_portal.crypto.helpers import OTHER_SECRET, full_width, raw_row


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002X",
        "11010519491231002x",
        " 110105 19491231 002x ",
        full_width("11010519491231002X"),  # full-width, as typed with a Chinese IME
        "110105\u300019491231\t002X",  # ideographic space and a tab
    ],
)
def test_an_id_number_typed_differently_gives_the_same_index(typed):
    assert normalise_id_number(typed) == "11010519491231002X"
    assert blind_index(typed, kind="id_number") == blind_index(
        "11010519491231002X", kind="id_number"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "8613800138000",
        full_width("8613800138000"),
        full_width("+86 138 0013 8000"),
    ],
)
def test_a_china_mobile_typed_differently_gives_the_same_index(typed):
    assert normalise_phone(typed) == "+8613800138000"
    assert blind_index(typed, kind="phone") == blind_index("13800138000", kind="phone")


def test_a_number_phonenumbers_cannot_validate_falls_back_to_its_digits():
    assert normalise_phone("12-345") == "12345"
    assert blind_index("12-345", kind="phone") == blind_index("12345", kind="phone")
    assert blind_index("+1 650 253 0000", kind="phone") != blind_index("6502530000", kind="phone")


def test_an_email_typed_differently_gives_the_same_index():
    assert normalise_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"
    assert blind_index(full_width("zhang.san@example.com"), kind="email") == blind_index(
        "zhang.san@example.com", kind="email"
    )


def test_different_values_give_different_indexes():
    assert blind_index("11010519491231002X", kind="id_number") != blind_index(
        "11010519491231003X", kind="id_number"
    )


def test_the_same_text_indexed_as_different_kinds_gives_unrelated_indexes():
    text = "13800138000"
    indexes = {blind_index(text, kind=kind) for kind in ("id_number", "phone", "email")}

    assert len(indexes) == 3


def test_the_index_depends_on_the_blind_index_key():
    before = blind_index("11010519491231002X", kind="id_number")

    with override_settings(BLIND_INDEX_KEY=OTHER_SECRET):
        after = blind_index("11010519491231002X", kind="id_number")

    assert len(before) == len(after) == 64
    assert before != after
    assert blind_index("11010519491231002X", kind="id_number") == before


def test_empty_values_have_no_index_and_unknown_kinds_are_refused():
    assert blind_index(None, kind="phone") is None
    assert blind_index(" \u3000 ", kind="id_number") is None
    with pytest.raises(ValueError, match="Unknown blind index kind"):
        blind_index("x", kind="passport")


@pytest.mark.django_db
def test_the_index_columns_are_filled_on_save_and_find_the_row():
    person = PersonFactory(
        id_number="11010519491231002x", phone="+86 138 0013 8000", email="Zhang.San@example.com"
    )

    stored = raw_row(Person, person.pk)

    assert stored["id_number_index"] == blind_index("11010519491231002X", kind="id_number")
    assert (
        Person.objects.get(
            id_number_index=blind_index(full_width("11010519491231002X"), kind="id_number")
        )
        == person
    )
    assert Person.objects.get(phone_index=blind_index("13800138000", kind="phone")) == person
    assert (
        Person.objects.get(email_index=blind_index("zhang.san@EXAMPLE.com", kind="email")) == person
    )


@pytest.mark.django_db
def test_changing_the_source_value_moves_the_index():
    person = PersonFactory(phone="13800138000")
    loaded = Person.objects.get(pk=person.pk)

    loaded.phone = "13900139000"
    loaded.save()

    assert not Person.objects.filter(phone_index=blind_index("13800138000", kind="phone")).exists()
    assert Person.objects.filter(phone_index=blind_index("13900139000", kind="phone")).exists()
    loaded.phone = ""
    loaded.save()
    assert raw_row(Person, person.pk)["phone_index"] is None
