"""Nothing a customer declared can be read from any table of the database."""

import pytest
from django.db import connection

from customers.enums import Channel
from customers.services import NewLogin, enterprise_register, individual_register
from tests.factories.customers import enterprise_details, individual_details

pytestmark = pytest.mark.django_db


def _database_text() -> str:
    """Every value of every table, as the database stores it."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_a_registration_with_its_login_and_messages_leaves_no_plaintext(
    django_capture_on_commit_callbacks, celery_eager
):
    person = individual_details(email="wang.xiaoming@example.com")
    company = enterprise_details()
    with django_capture_on_commit_callbacks(execute=True):
        individual_register(
            details=person,
            channel=Channel.WEB,
            consent_given=True,
            new_login=NewLogin(username="xiaoming", password="a-long-password-2026"),
        )
        enterprise_register(details=company, channel=Channel.API, consent_given=True)

    stored = _database_text()
    personal = [
        person["full_name"],
        person["document_number"],
        person["mobile"],
        person["mobile"][-8:],
        person["email"],
        person["street"],
        person["birth_date"].isoformat(),
        company["credit_code"],
        company["contact_mobile"],
        company["contact_email"],
        company["street"],
        company["representative_document_number"],
        company["beneficial_owners"][0]["document_number"],
    ]
    assert [value for value in personal if value in stored] == []
