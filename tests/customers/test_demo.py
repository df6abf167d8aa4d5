import pytest
from django.core.management import call_command

from customers.enums import Channel
from customers.models import Customer
from verification.enums import CaseState, ReviewRoute

pytestmark = pytest.mark.django_db


def test_demo_customers_are_in_different_states_and_loading_twice_adds_nothing():
    call_command("load_demo_data")
    call_command("load_demo_data")
    states = sorted(Customer.objects.values_list("cases__state", "channel", "cases__route"))
    assert states == sorted(
        [
            (CaseState.AWAITING_CONFIRMATION, Channel.WEB, ""),
            # li: a fast-track candidate waiting for her identity images
            (CaseState.DOCUMENT_REVIEW, Channel.WEB, ReviewRoute.FAST_TRACK),
            # zhao: registered by the fast track
            (CaseState.REGISTERED, Channel.WEB, ReviewRoute.FAST_TRACK),
            # the review queue: standard (someone tried to reuse the identity), enhanced
            # (high-risk jurisdiction) and the store's enterprise
            (CaseState.DOCUMENT_REVIEW, Channel.API, ReviewRoute.STANDARD),
            (CaseState.DOCUMENT_REVIEW, Channel.WEB, ReviewRoute.ENHANCED),
            (CaseState.DOCUMENT_REVIEW, Channel.STORE, ReviewRoute.STANDARD),
        ]
    )
    assert Customer.objects.get(user__username="zhao").customer_number.startswith("C")
    walk_in = Customer.objects.get(channel=Channel.STORE)
    assert walk_in.store.code == "xuhui"
    assert walk_in.entered_by.username == "store"
