import pytest
from django.core.management import call_command

from customers.enums import Channel
from customers.models import Customer
from verification.enums import CaseState

pytestmark = pytest.mark.django_db


def test_demo_customers_are_in_different_states_and_loading_twice_adds_nothing():
    call_command("load_demo_data")
    call_command("load_demo_data")
    states = sorted(Customer.objects.values_list("cases__state", "channel"))
    assert states == sorted(
        [
            (CaseState.AWAITING_CONFIRMATION, Channel.WEB),
            (CaseState.DOCUMENT_REVIEW, Channel.WEB),
            (CaseState.AWAITING_CONFIRMATION, Channel.STORE),
        ]
    )
    walk_in = Customer.objects.get(channel=Channel.STORE)
    assert walk_in.store.code == "xuhui"
    assert walk_in.entered_by.username == "store"
