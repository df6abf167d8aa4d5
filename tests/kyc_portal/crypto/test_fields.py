import datetime
import pickle
import uuid

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import models, transaction
from django.test import override_settings
from django.test.utils import isolate_apps

from kyc_portal.crypto.errors import DecryptionError, EncryptedValueRequired
from kyc_portal.crypto.fields import BlindIndexField, EncryptedCharField, StoredCiphertext
from tests.crypto_testapp.factories import CompanyFactory, PersonFactory
from tests.crypto_testapp.models import Company, Person
from tests.kyc_portal.crypto.helpers import (
    KEY_T1,
    KEY_T2,
    OTHER_SECRET,
    raw_row,
    raw_rows,
    raw_update,
)

pytestmark = pytest.mark.django_db


def test_every_field_type_round_trips_through_the_database():
    person = PersonFactory(
        full_name="欧阳娜娜",
        id_number="11010519491231002X",
        phone="+86 138 0013 8000",
        email="zhang.san@example.com",
        date_of_birth=datetime.date(1949, 12, 31),
        address="北京市朝阳区建国路88号\n2单元",
        nickname=None,
    )

    loaded = Person.objects.get(pk=person.pk)

    assert loaded.full_name == "欧阳娜娜"
    assert loaded.id_number == "11010519491231002X"
    assert loaded.phone == "+86 138 0013 8000"
    assert loaded.email == "zhang.san@example.com"
    assert loaded.date_of_birth == datetime.date(1949, 12, 31)
    assert loaded.address == "北京市朝阳区建国路88号\n2单元"
    assert loaded.nickname is None


def test_json_values_round_trip_and_are_stored_encrypted():
    read = {"name": "欧阳娜娜", "birth_date": "1949-12-31", "fields": [1, 2]}
    person = PersonFactory(read_values=read)

    assert Person.objects.get(pk=person.pk).read_values == read
    stored = repr(raw_rows(Person))
    assert "欧阳娜娜" not in stored and "1949-12-31" not in stored


def test_null_and_blank_values_stay_null_and_blank():
    person = PersonFactory(phone="", email="", address="", nickname=None, date_of_birth=None)

    loaded = Person.objects.get(pk=person.pk)
    stored = raw_row(Person, person.pk)

    assert (loaded.phone, loaded.email, loaded.nickname, loaded.date_of_birth) == (
        "",
        "",
        None,
        None,
    )
    assert stored["nickname"] is None and stored["date_of_birth"] is None
    assert stored["phone_index"] is None
    assert Person.objects.filter(nickname__isnull=True, phone="").count() == 1


def test_a_date_assigned_as_text_is_stored_as_a_date():
    person = PersonFactory(date_of_birth="1990-01-02")

    assert Person.objects.get(pk=person.pk).date_of_birth == datetime.date(1990, 1, 2)


def test_the_raw_database_holds_no_personal_value_in_any_form():
    PersonFactory(
        full_name="张三丰",
        id_number="11010519491231002x",
        phone="13800138000",
        email="Zhang.San@Example.com",
        date_of_birth=datetime.date(1949, 12, 31),
        address="北京市朝阳区建国路88号",
    )
    CompanyFactory(legal_name="北京示例科技有限公司", id_number="91350100M000100Y43")
    forbidden = [
        "张三丰",
        "11010519491231002x",
        "11010519491231002X",
        "19491231",
        "1949-12-31",
        "13800138000",
        "+8613800138000",
        "8613800138000",
        "Zhang.San@Example.com",
        "zhang.san@example.com",
        "zhang.san",
        "建国路",
        "北京示例科技",
        "91350100M000100Y43",
    ]

    stored_text = repr(raw_rows(Person) + raw_rows(Company))

    assert "kyc1$t2$" in stored_text  # the rows really are there, encrypted
    for value in forbidden:
        assert value not in stored_text, value
        assert value.lower() not in stored_text.lower(), value


def test_ciphertext_copied_to_another_row_does_not_decrypt():
    victim = PersonFactory(id_number="11010519491231002X")
    attacker = PersonFactory(id_number="44030519800101001X")
    raw_update(Person, attacker.pk, id_number=raw_row(Person, victim.pk)["id_number"])

    loaded = Person.objects.get(pk=attacker.pk)
    with pytest.raises(DecryptionError) as caught:
        _ = loaded.id_number

    message = str(caught.value)
    assert "crypto_testapp.Person.id_number" in message
    assert str(attacker.pk) in message
    assert "'t2'" in message
    assert "11010519491231002X" not in message


def test_ciphertext_copied_to_another_column_does_not_decrypt():
    person = PersonFactory(id_number="11010519491231002X")
    raw_update(Person, person.pk, full_name=raw_row(Person, person.pk)["id_number"])

    loaded = Person.objects.get(pk=person.pk)

    assert loaded.id_number == "11010519491231002X"
    with pytest.raises(DecryptionError, match=r"Person\.full_name"):
        _ = loaded.full_name


def test_ciphertext_copied_to_the_same_column_of_another_model_does_not_decrypt():
    person = PersonFactory(id_number="11010519491231002X")
    company = CompanyFactory()
    raw_update(Company, company.pk, id_number=raw_row(Person, person.pk)["id_number"])

    with pytest.raises(DecryptionError, match=r"crypto_testapp\.Company\.id_number"):
        _ = Company.objects.get(pk=company.pk).id_number


def test_a_tampered_value_raises_instead_of_returning_garbage():
    person = PersonFactory()
    token = raw_row(Person, person.pk)["phone"]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    raw_update(Person, person.pk, phone=flipped)

    with pytest.raises(DecryptionError, match="authentication failed"):
        _ = Person.objects.get(pk=person.pk).phone


def test_a_plaintext_left_in_the_column_is_reported_not_returned():
    person = PersonFactory()
    raw_update(Person, person.pk, phone="13800138000")

    with pytest.raises(DecryptionError, match="not an encrypted value"):
        _ = Person.objects.get(pk=person.pk).phone


def test_a_wrong_key_with_the_same_id_raises_a_clear_error():
    person = PersonFactory(id_number="11010519491231002X")

    with override_settings(FIELD_ENCRYPTION_KEYS=[f"t2:{OTHER_SECRET}", KEY_T1]):
        loaded = Person.objects.get(pk=person.pk)  # loading alone decrypts nothing
        with pytest.raises(DecryptionError) as caught:
            _ = loaded.id_number

    assert caught.value.kid == "t2"
    assert caught.value.label == "crypto_testapp.Person"
    assert "different key" in str(caught.value)


def test_a_removed_key_is_named_in_the_error():
    person = PersonFactory()

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[f"t3:{OTHER_SECRET}"]),
        pytest.raises(DecryptionError, match=r"'t2'.*not in FIELD_ENCRYPTION_KEYS"),
    ):
        _ = Person.objects.get(pk=person.pk).full_name


def test_values_written_under_an_older_key_still_read_and_move_to_the_newest_on_save():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_T1]):
        person = PersonFactory(full_name="李四")
    assert raw_row(Person, person.pk)["full_name"].startswith("kyc1$t1$")

    loaded = Person.objects.get(pk=person.pk)
    assert loaded.full_name == "李四"
    loaded.save()

    assert raw_row(Person, person.pk)["full_name"].startswith("kyc1$t2$")
    assert Person.objects.get(pk=person.pk).full_name == "李四"


def test_saving_an_unchanged_row_keeps_its_ciphertext():
    person = PersonFactory()
    before = raw_row(Person, person.pk)

    loaded = Person.objects.get(pk=person.pk)
    assert loaded.full_name == "张三丰"
    loaded.store_code = "S01"
    loaded.save()

    after = raw_row(Person, person.pk)
    assert after["full_name"] == before["full_name"]
    assert after["id_number_index"] == before["id_number_index"]


def test_a_copied_instance_is_encrypted_for_its_new_row():
    original = PersonFactory(id_number="11010519491231002X")
    copy = Person.objects.get(pk=original.pk)
    copy.pk = None
    copy.id = uuid.uuid4()
    copy._state.adding = True
    copy.save()

    assert Person.objects.get(pk=copy.pk).id_number == "11010519491231002X"
    assert Person.objects.get(pk=original.pk).id_number == "11010519491231002X"


def test_queryset_update_with_plaintext_is_refused_with_an_explanation():
    PersonFactory()

    # update() marks the transaction for rollback when it fails: give it a savepoint.
    with pytest.raises(EncryptedValueRequired, match=r"update\(\).*save\(\)"), transaction.atomic():
        Person.objects.update(phone="13900139000")
    with pytest.raises(EncryptedValueRequired):
        Person.objects.filter(id_number="11010519491231002X").exists()
    assert Person.objects.get().phone == "13800138000"


def test_bulk_update_is_refused_and_bulk_create_works():
    people = Person.objects.bulk_create(
        [Person(full_name="甲", id_number="A1234567"), Person(full_name="乙", id_number="B1234567")]
    )
    assert sorted(p.full_name for p in Person.objects.all()) == ["乙", "甲"]

    people[0].full_name = "丙"
    with pytest.raises(EncryptedValueRequired), transaction.atomic():
        Person.objects.bulk_update(people, ["full_name"])


def test_lookups_other_than_exact_and_isnull_are_rejected():
    with pytest.raises(FieldError):
        Person.objects.filter(full_name__icontains="张").exists()
    with pytest.raises(FieldError):
        Person.objects.filter(date_of_birth__year=1949).exists()


def test_deferred_fields_load_and_decrypt_on_access():
    person = PersonFactory(full_name="王五")

    loaded = Person.objects.only("id").get(pk=person.pk)

    assert loaded.full_name == "王五"


def test_values_list_hands_out_ciphertext_markers_not_plaintext():
    PersonFactory(full_name="王五")

    (value,) = Person.objects.values_list("full_name", flat=True)

    assert isinstance(value, StoredCiphertext)
    assert "王五" not in str(value)


def test_a_pickled_instance_carries_no_decrypted_value():
    person = PersonFactory()
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.id_number == "11010519491231002X"

    pickled = pickle.dumps(loaded)

    assert b"11010519491231002X" not in pickled
    assert pickle.loads(pickled).id_number == "11010519491231002X"  # noqa: S301


def test_model_validation_checks_the_plaintext():
    person = PersonFactory.build(email="not-an-address", full_name="x" * 101)

    with pytest.raises(ValidationError) as caught:
        person.full_clean()

    assert set(caught.value.message_dict) >= {"email", "full_name"}


@isolate_apps("tests.crypto_testapp")
def test_a_model_without_a_uuid_primary_key_fails_the_system_check():
    class Legacy(models.Model):  # noqa: DJ008
        name = EncryptedCharField(max_length=20)

        class Meta:
            app_label = "crypto_testapp"

    errors = Legacy._meta.get_field("name").check()

    assert [error.id for error in errors] == ["kyc_crypto.E001"]


@isolate_apps("tests.crypto_testapp")
def test_an_indexed_encrypted_field_fails_the_system_check():
    class Indexed(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        name = EncryptedCharField(max_length=20, unique=True)

        class Meta:
            app_label = "crypto_testapp"

    assert [error.id for error in Indexed._meta.get_field("name").check()] == ["kyc_crypto.E002"]


def test_the_test_models_pass_the_system_checks():
    from django.core import checks

    assert [error for error in checks.run_checks() if error.id.startswith("kyc_crypto")] == []


def test_test_settings_put_t2_first():
    # The rotation tests depend on it.
    from django.conf import settings

    assert settings.FIELD_ENCRYPTION_KEYS == [KEY_T2, KEY_T1]


def test_blind_index_fields_survive_a_migration_round_trip():
    field = Person._meta.get_field("email_index")

    _name, path, args, kwargs = field.deconstruct()
    rebuilt = BlindIndexField(*args, **kwargs)

    assert path == "kyc_portal.crypto.fields.BlindIndexField"
    assert kwargs == {"source": "email", "kind": "email"}
    assert (rebuilt.source, rebuilt.kind, rebuilt.max_length, rebuilt.editable) == (
        "email",
        "email",
        64,
        False,
    )
    assert (rebuilt.null, rebuilt.db_index) == (True, True)
