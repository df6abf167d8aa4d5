"""The registration benchmark's pieces: its requests are real registrations, its bare view
writes the customer row, its statistics are right, and a tiny run adds up."""

import json
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from benchmarks.registration import Plan, registration_run
from benchmarks.registration.load import LoadResult, load_merge
from benchmarks.registration.payloads import REGISTRATION_PATH, registration_requests
from benchmarks.registration.server import Services
from customers.enums import Channel
from customers.models import Confirmation, Customer, Individual


def _post(client: APIClient, request) -> int:
    response = client.generic("POST", request.path, request.body, content_type="application/json")
    return response.status_code


@pytest.mark.django_db
def test_benchmark_requests_are_accepted_registrations():
    cache.clear()  # the per-address throttle of earlier tests
    requests = registration_requests(path=REGISTRATION_PATH, first_serial=998, count=3)
    bodies = [json.loads(request.body) for request in requests]
    assert len({body["document_number"] for body in bodies}) == 3
    assert len({body["username"] for body in bodies}) == 3

    client = APIClient()
    assert [_post(client, request) for request in requests] == [201, 201, 201]
    assert Customer.objects.filter(channel=Channel.API, user__isnull=False).count() == 3
    assert Confirmation.objects.count() == 3


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="benchmarks.registration.urls")
def test_bare_view_inserts_the_customer_row_and_nothing_else():
    (request,) = registration_requests(path="/bench/bare-registration", first_serial=5, count=1)

    assert _post(APIClient(), request) == 201

    customer = Customer.objects.get()
    assert customer.user is None
    assert not customer.cases.exists()
    raw = Individual.objects.filter(customer=customer).values_list(
        "document_number_index", flat=True
    )
    # Not encrypted, not hashed: the plain number as sent.
    assert list(raw) == [json.loads(request.body)["document_number"]]


def test_load_statistics():
    first = LoadResult(statuses=[201] * 99 + [500], latencies=[0.001 * n for n in range(1, 101)])
    first.elapsed = 2.0
    assert first.per_second == 50
    assert first.percentile_ms(50) == pytest.approx(50.5)
    assert first.percentile_ms(99) == pytest.approx(99.01)
    assert (first.count_class(2), first.count_class(5)) == (99, 1)

    second = LoadResult(statuses=[201], latencies=[0.2], elapsed=1.0)
    merged = load_merge([first, second])
    assert (merged.count, merged.elapsed, merged.count_class(2)) == (101, 3.0, 100)


def _redis_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def test_tiny_run_counts_every_registration_once(postgres_required, redis_required):
    services = Services(
        postgres_url=postgres_required.url("").rstrip("/"),
        database="kyc_bench_test",
        redis_url=_redis_db(redis_required, 14),
    )
    plan = Plan(
        services=services,
        clients=2,
        rounds=1,
        warmup_requests=4,
        bare_requests=10,
        fast_requests=10,
        production_warmup_requests=2,
        production_requests=2,
        hash_samples=1,
    )

    report = registration_run(plan)

    assert report.fast_correctness.exact, report.fast_correctness.describe()
    assert report.production_correctness.exact, report.production_correctness.describe()
    assert report.fast_correctness.counted["customers"] == 10
    assert report.production_correctness.counted["broker_queue"] == 2
    measurements = report.measurements()
    assert measurements["server_errors"] == 0
    assert measurements["bare_per_second"] > 0 and measurements["hash_median_ms"] > 0
    assert "registration, production hasher" in report.table()
