"""Registration: one identity, one customer; everything saved together or not at all."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from customers.enums import Channel
from customers.models import Consent, Customer, DuplicateIdentityAttempt, Individual
from customers.services import DuplicateIdentityError, individual_register
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import DomainError
from tests.factories.customers import (
    individual_details,
    register_enterprise,
    register_individual,
    resident_id,
)
from verification.enums import CaseState

pytestmark = pytest.mark.django_db


def test_registration_saves_customer_consent_and_a_case_awaiting_confirmation():
    customer = register_individual()
    assert customer.individual.full_name == "王小明"
    case = customer.cases.get()
    assert case.state == CaseState.AWAITING_CONFIRMATION
    consent = Consent.objects.get(customer=customer)
    assert (consent.channel, consent.text_version) == (Channel.WEB, "2026-11")
    assert AuditEntry.objects.filter(action="case.transition", target_id=str(case.pk)).exists()


def test_the_same_identity_cannot_register_twice_and_the_attempt_is_recorded():
    number = resident_id()
    first = register_individual(document_number=number)
    with pytest.raises(DuplicateIdentityError) as raised:
        register_individual(document_number=number.lower().replace("", " ").strip())
    assert raised.value.code == "duplicate_identity"
    assert raised.value.field == "document_number"
    # The message reveals nothing about who holds the number.
    assert "王" not in str(raised.value.message)
    assert Customer.objects.count() == 1
    attempt = DuplicateIdentityAttempt.objects.get()
    assert attempt.existing_customer == first


def test_invalid_details_save_nothing():
    with pytest.raises(ValidationError) as raised:
        register_individual(birth_date=datetime.date(1991, 1, 1), document_number=resident_id())
    assert "birth_date" in raised.value.error_dict
    assert Customer.objects.count() == 0
    assert Individual.objects.count() == 0


def test_consent_is_required():
    with pytest.raises(DomainError) as raised:
        individual_register(details=individual_details(), channel=Channel.WEB, consent_given=False)
    assert raised.value.code == "consent_required"
    assert Customer.objects.count() == 0


def test_in_store_application_needs_a_store():
    with pytest.raises(DomainError) as raised:
        register_individual(channel=Channel.STORE)
    assert raised.value.code == "store_required"


def test_enterprise_with_representative_and_owners():
    customer = register_enterprise()
    enterprise = customer.enterprise
    assert enterprise.legal_representative.full_name == "张三"
    assert enterprise.beneficial_owners.get().share == 60


def test_owner_shares_above_100_percent_are_refused():
    owner = {
        "full_name": "甲",
        "nationality": "CN",
        "document_type": "resident_id",
        "document_number": resident_id(),
        "share": "60",
    }
    with pytest.raises(ValidationError) as raised:
        register_enterprise(beneficial_owners=[owner, {**owner, "document_number": resident_id()}])
    assert raised.value.error_dict["beneficial_owners"][0].code == "share_total"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_cannot_both_succeed():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    details = individual_details()
    outcomes = []
    barrier = threading.Barrier(2)

    def register():
        barrier.wait()
        try:
            individual_register(details=details, channel=Channel.API, consent_given=True)
            outcomes.append("created")
        except DuplicateIdentityError:
            outcomes.append("duplicate")
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "duplicate"]
    assert Individual.objects.count() == 1
