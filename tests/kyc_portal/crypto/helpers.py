"""Helpers that read and write the crypto test tables below the ORM, like an attacker would."""

import base64

from django.db import connection

# The keys of kyc_portal/settings/test.py, spelled out so tests can reorder them.
KEY_T1 = "t1:dGVzdC1maWVsZC1rZXktb25lLTAxMjM0NTY3ODlhYmM="
KEY_T2 = "t2:dGVzdC1maWVsZC1rZXktdHdvLTAxMjM0NTY3ODlhYmM="
OTHER_SECRET = base64.b64encode(b"another-key-of-thirty-two-bytes!").decode()


def _db_pk(model, pk):
    return model._meta.pk.get_db_prep_value(pk, connection)


def raw_rows(model) -> list[dict]:
    """Every row of the model's table, as stored: SELECT * with a plain cursor."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def raw_row(model, pk) -> dict:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [_db_pk(model, pk)])
        columns = [column[0] for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def raw_update(model, pk, **columns) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s",
            [*columns.values(), _db_pk(model, pk)],
        )


def full_width(text: str) -> str:
    """The text as a Chinese IME types it: full-width digits, letters, signs and spaces."""
    return "".join(
        "\u3000" if char == " " else chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char
        for char in text
    )
