"""The review benchmarks' pieces at a tiny size: the bulk seeding writes cases the queue
serves, the clients measure and put claimed cases back, the upload measurements add up,
and the fast-track applicants are the low-risk people the benchmark says they are."""

import datetime

import pytest
from django.db import connection

from benchmarks.documents.measure import documents_run
from benchmarks.fast_track.measure import SMS_CODE, applicant
from benchmarks.review_queue.measure import (
    OPERATIONS,
    Latencies,
    Plan,
    page_cursor,
    table,
    tier_measure,
)
from benchmarks.review_queue.seed import cases_seed, people_create, queue_counts, tables_analyze
from customers.enums import Channel
from customers.models import Customer, Individual
from customers.services import individual_register
from risk.enums import RiskLevel
from risk.services import case_risk_assess
from verification.enums import REVIEW_STATES, CaseState
from verification.models import Case, Document
from verification.selectors import review_queue_page

SIZE = 200


@pytest.fixture
def people(postgres_required, transactional_db):
    return people_create(stores=3, reviewers=2)


def test_seeded_cases_are_served_by_the_queue(people):
    now = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC)
    cases_seed(people=people, first=0, count=SIZE, now=now)
    tables_analyze()

    assert Case.objects.count() == Customer.objects.count() == SIZE
    counts = queue_counts()
    in_review = Case.objects.filter(state__in=REVIEW_STATES)
    assert 0 < counts["waiting"] < in_review.count() < SIZE  # some are held, some elsewhere
    assert not in_review.filter(sla_due_at__isnull=True).exists()
    store_cases = Case.objects.filter(channel=Channel.STORE)
    assert store_cases.exists()
    assert not store_cases.filter(editors__isnull=True).exists()  # four eyes has work to do
    # Every customer has its profile; the name the queue shows decrypts for its own row.
    page = review_queue_page(reviewer=people.clients[0])
    assert len(page.cases) == 50 and page.next_cursor is not None
    for case in page.cases:
        profile = case.customer.profile
        assert profile.full_name if isinstance(profile, Individual) else profile.legal_name
    deadlines = [case.sla_due_at for case in page.cases]
    assert deadlines == sorted(deadlines)

    # Adding more continues the numbering instead of colliding with the first cases.
    cases_seed(people=people, first=SIZE, count=10, now=now)
    assert Case.objects.count() == SIZE + 10


def test_measuring_a_tiny_queue_leaves_it_as_it_was(people):
    cases_seed(people=people, first=0, count=SIZE)
    before = queue_counts()
    last_page, _cursor = page_cursor(reviewer=people.clients[0], page=1000)
    assert 1 < last_page < 1000  # the queue has fewer pages: the last one

    tier = tier_measure(people=people, samples=3, warmup=1)

    assert (tier.cases, tier.waiting, tier.deep_page) == (SIZE, before["waiting"], last_page)
    for key, _label in OPERATIONS:
        assert len(tier.latencies[key].seconds) == 3 * len(people.clients)
    # Claimed cases went back to the queue, each claim and release on record.
    assert queue_counts() == before
    assert people.clients[0].case_assignments.filter(ended_at__isnull=True).count() == 0
    assert [plan.label for plan in tier.plans][-1] == "claim next"
    assert all(plan.queries >= 1 and "Execution Time" in plan.text for plan in tier.plans)
    shown = table([tier])
    assert "claim next" in shown and "page" in shown


def test_latency_percentiles_and_plan_reading():
    latencies = Latencies(rounds=[[0.001 * n for n in range(1, 101)]])
    assert latencies.p50_ms == pytest.approx(50.5)
    assert latencies.p99_ms == latencies.round_p99_ms == pytest.approx(99.01)
    # One round spoilt by outside load moves the p99 of everything, not the rounds' median.
    quiet = [0.001] * 99 + [0.002]
    latencies.rounds += [quiet, quiet, quiet, [0.5] * 100]
    assert latencies.round_p99_ms == pytest.approx(1.01)
    assert latencies.p99_ms == pytest.approx(500)

    plan = Plan(
        "page 3",
        1,
        "Limit  (cost=0.42..9.1 rows=51 width=8)\n"
        "  ->  Index Scan using case_queue_open on verification_case\n"
        "        Filter: ((sla_due_at > '2026-01-01') OR (id > 'x'))\n"
        "        Rows Removed by Filter: 100\n"
        "  ->  Index Scan using customers_customer_pkey on customers_customer\n"
        "        Rows Removed by Filter: 7\n",
    )
    assert plan.uses_queue_index and not plan.sorts
    assert plan.rows_filtered == 100
    sorted_plan = Plan("first page", 1, "Limit\n  ->  Sort\n        Sort Key: sla_due_at\n")
    assert sorted_plan.sorts and not sorted_plan.uses_queue_index


def test_tiny_upload_measurement(postgres_required, transactional_db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }

    report = documents_run(sizes=((400, 300), (200, 150)), runs=2, memory_runs=1)

    large, _small = report.results
    assert (large.width, large.height, large.decoded_bytes) == (400, 300, 360_000)
    assert len(large.seconds) == len(large.rss_after) == 2
    assert large.peak > 0 and large.peak_python > [0]
    # Two warm-up uploads, two timed and one in a forked process, per size.
    assert Document.objects.count() == 2 * (1 + 2 + 1)
    assert len(report.targets()) == 5
    assert "decoded" in report.table()
    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.mark.django_db
def test_fast_track_applicants_are_low_risk_and_consistent(settings):
    settings.LANGUAGE_CODE = "en"
    person = applicant(3)
    customer = individual_register(details=person.details, channel=Channel.WEB, consent_given=True)
    case = customer.cases.get()
    assert case.state == CaseState.AWAITING_CONFIRMATION

    assessment = case_risk_assess(case=case)

    assert assessment.level == RiskLevel.LOW
    assert not assessment.has_factor("identity_inconsistent")
    assert person.card_front.startswith(b"\x89PNG") and person.card_back.startswith(b"\x89PNG")
    assert applicant(3).details == person.details  # the same people on every run


def test_the_code_is_read_from_the_sms_and_not_from_the_link():
    text = (
        "[KYC Portal] We received the application of 王*明 (4401**********123X). Your "
        "confirmation code is 042917. Confirm or correct: https://kyc.example/c/Ab-123456_x9 "
        "Valid for 72 hours."
    )
    assert SMS_CODE.findall(text) == ["042917"]
