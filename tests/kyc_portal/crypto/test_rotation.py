from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kyc_portal.crypto import rotation
from kyc_portal.crypto.rotation import encrypted_models, model_rotate
from tests.crypto_testapp.factories import CompanyFactory, PersonFactory
from tests.crypto_testapp.models import Company, Person
from tests.kyc_portal.crypto.helpers import KEY_T1, KEY_T2, OTHER_SECRET, raw_rows

pytestmark = pytest.mark.django_db

ENCRYPTED_COLUMNS = ("full_name", "id_number", "phone", "email", "date_of_birth", "address")


def rotate(*arguments: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *arguments, stdout=out, stderr=StringIO())
    return out.getvalue()


def key_ids(model, columns) -> set[str]:
    return {
        row[column].split("$")[1] for row in raw_rows(model) for column in columns if row[column]
    }


def encrypted_fields(model):
    return dict(encrypted_models())[model]


@pytest.fixture
def rows_under_t1():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_T1]):
        people = [PersonFactory(full_name=f"客户{n}", phone=f"1380013800{n}") for n in range(5)]
        companies = [CompanyFactory() for _ in range(2)]
    assert key_ids(Person, ENCRYPTED_COLUMNS) == {"t1"}
    return people, companies


def test_the_command_finds_every_model_with_encrypted_fields():
    found = {model: [field.name for field in fields] for model, fields in encrypted_models()}

    assert found[Company] == ["legal_name", "id_number"]
    assert set(found[Person]) == {*ENCRYPTED_COLUMNS, "nickname", "read_values"}


def test_rotation_moves_every_value_to_the_newest_key(rows_under_t1):
    people, _ = rows_under_t1

    output = rotate("--batch-size", "2")

    assert key_ids(Person, ENCRYPTED_COLUMNS) == {"t2"}
    assert key_ids(Company, ("legal_name", "id_number")) == {"t2"}
    assert [Person.objects.get(pk=p.pk).full_name for p in people] == [f"客户{n}" for n in range(5)]
    assert Person.objects.get(pk=people[3].pk).phone == "13800138003"
    assert "crypto_testapp.Person [##############################] 5/5" in output
    assert "crypto_testapp.Person: 5 rows checked, 5 re-encrypted." in output
    assert "Done: 7 rows re-encrypted" in output
    # The old key can now be dropped.
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_T2]):
        assert Company.objects.first().legal_name == "北京示例科技有限公司"


def test_a_second_run_has_nothing_to_do(rows_under_t1):
    rotate()
    before = raw_rows(Person)

    output = rotate()

    assert raw_rows(Person) == before
    assert "Done: 0 rows re-encrypted" in output


def test_a_dry_run_counts_and_changes_nothing(rows_under_t1):
    before = raw_rows(Person)

    output = rotate("--dry-run")

    assert raw_rows(Person) == before
    assert "crypto_testapp.Person: 5 rows checked, 5 would be re-encrypted." in output


def test_a_value_the_portal_changes_during_rotation_is_not_overwritten(rows_under_t1, monkeypatch):
    people, _ = rows_under_t1
    target = people[2]
    real_reencrypt = rotation._reencrypt
    corrections = []

    def portal_writes_meanwhile(model, field, pk, token):
        if pk == target.pk and field.name == "full_name" and not corrections:
            corrections.append(pk)
            # Another process, still configured with the old key, saves a correction
            # after the command read the row and before it writes.
            with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_T1]):
                live = Person.objects.get(pk=pk)
                live.full_name = "更正后的名字"
                live.save()
        return real_reencrypt(model, field, pk, token)

    monkeypatch.setattr(rotation, "_reencrypt", portal_writes_meanwhile)

    result = model_rotate(model=Person, fields=encrypted_fields(Person), batch_size=2)

    assert Person.objects.get(pk=target.pk).full_name == "更正后的名字"
    assert result.rows_changed_meanwhile == 1
    assert result.rows_rotated == 4
    # The next run picks up the row it had to skip.
    rotate()
    assert key_ids(Person, ENCRYPTED_COLUMNS) == {"t2"}
    assert Person.objects.get(pk=target.pk).full_name == "更正后的名字"


def test_rows_written_between_batches_are_kept_and_readable(rows_under_t1):
    people, _ = rows_under_t1
    written = []

    def between_batches(progress):
        if progress.scanned == 2 and not written:
            fresh = PersonFactory(full_name="新客户")
            people[4].full_name = "改名"
            people[4].save()
            written.append(fresh)

    model_rotate(
        model=Person, fields=encrypted_fields(Person), batch_size=2, on_batch=between_batches
    )

    assert Person.objects.get(pk=written[0].pk).full_name == "新客户"
    assert Person.objects.get(pk=people[4].pk).full_name == "改名"
    assert key_ids(Person, ENCRYPTED_COLUMNS) == {"t2"}


def test_values_no_key_can_read_are_reported_and_left_alone(rows_under_t1):
    with override_settings(FIELD_ENCRYPTION_KEYS=[f"t0:{OTHER_SECRET}"]):
        lost = PersonFactory(full_name="无法解密")

    with pytest.raises(CommandError, match="could not be decrypted"):
        rotate()

    assert key_ids(Person, ENCRYPTED_COLUMNS) == {"t0", "t2"}
    assert Person.objects.filter(pk=lost.pk).exists()


def test_the_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="--batch-size"):
        rotate("--batch-size", "0")


@pytest.mark.django_db(transaction=True)
def test_rotation_racing_real_writers_on_postgresql_loses_no_write(postgres_required):
    import threading

    from django.db import connection as main_connection
    from django.db import connections

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_T1]):
        people = [PersonFactory(full_name=f"初始{n}") for n in range(60)]
    last_written: dict = {}
    stop = threading.Event()

    def portal_traffic() -> None:
        try:
            round_ = 0
            while not stop.is_set():
                for person in people[round_ % 3 :: 3]:
                    live = Person.objects.get(pk=person.pk)
                    live.full_name = f"第{round_}次更正"
                    live.save(update_fields=["full_name"])
                    last_written[person.pk] = live.full_name
                round_ += 1
        finally:
            connections.close_all()

    writer = threading.Thread(target=portal_traffic)
    writer.start()
    try:
        rotate("--batch-size", "7")
        rotate()  # picks up rows that were changed under its feet, if any
    finally:
        stop.set()
        writer.join(timeout=30)
    main_connection.close()

    assert key_ids(Person, ("full_name", "id_number")) == {"t2"}
    for person in people:
        expected = last_written.get(person.pk, person.full_name)
        assert Person.objects.get(pk=person.pk).full_name == expected
