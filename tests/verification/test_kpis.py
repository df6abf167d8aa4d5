"""Review-time KPIs, from review stretches made through the real workflow at known times."""

import datetime
import zoneinfo

import pytest
from freezegun import freeze_time

from customers.enums import Channel
from customers.models import Customer
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from verification.enums import RejectionReason, ReviewRoute
from verification.kpis import percentile, reviewer_kpis, route_kpis
from verification.models import Case
from verification.services import case_claim, case_release
from verification.sla import sla_watch
from verification.workflow import (
    case_approve,
    case_provide_information,
    case_reject,
    case_request_information,
)

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEK_START = datetime.datetime(2025, 1, 6, tzinfo=SHANGHAI)  # a Monday
WEEK_END = WEEK_START + datetime.timedelta(days=7)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.KYC_WORKING_HOURS = "09:00-18:00"
    settings.KYC_WORKING_DAYS = [1, 2, 3, 4, 5]


def _case(*, due_at: datetime.datetime, channel: str = Channel.WEB) -> Case:
    case = case_in_review(channel=channel)
    Case.objects.filter(pk=case.pk).update(sla_due_at=due_at)
    return case


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([42], 0.9, 42),
        ([4, 1, 3, 2], 0.5, 2.5),
        (list(range(1, 11)), 0.9, 9.1),
        ([60, 120, 600], 0.9, 504),
    ],
)
def test_percentiles_interpolate_between_ranks(values, fraction, expected):
    result = percentile(values, fraction)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.fixture
def week():
    """A week of reviews by two reviewers; returns them and the cases."""
    ann = UserFactory(role=Role.REVIEWER, first_name="Ann", last_name="A")
    bo = UserFactory(role=Role.REVIEWER, first_name="Bo", last_name="B")
    UserFactory(role=Role.SENIOR_REVIEWER)
    customer_user = UserFactory(role=Role.CUSTOMER)
    with freeze_time(at(6, 10)) as clock:
        quick = _case(due_at=at(7, 16))
        rejected = _case(due_at=at(7, 16))
        late = _case(due_at=at(6, 12))
        sent_back = _case(due_at=at(7, 16))
        late_unrecorded = _case(due_at=at(6, 12), channel=Channel.API)
        next_week = _case(due_at=at(14, 16))

        case_claim(case_id=quick.pk, reviewer=ann)
        clock.move_to(at(6, 10, 1))
        case_approve(case_id=quick.pk, actor=ann)  # 60 s

        clock.move_to(at(6, 11))
        case_claim(case_id=rejected.pk, reviewer=ann)
        clock.move_to(at(6, 11, 2))
        case_reject(case_id=rejected.pk, actor=ann, reason=RejectionReason.DATA_MISMATCH)  # 120 s

        clock.move_to(at(6, 11, 53))
        case_claim(case_id=late_unrecorded.pk, reviewer=bo)
        clock.move_to(at(6, 11, 55))
        case_claim(case_id=late.pk, reviewer=ann)
        clock.move_to(at(6, 12, 3))
        case_approve(case_id=late_unrecorded.pk, actor=bo)  # 600 s, after its deadline
        clock.move_to(at(6, 12, 5))
        assert sla_watch().breached == 1  # ``late``, held by Ann
        case_approve(case_id=late.pk, actor=ann)  # 600 s

        clock.move_to(at(6, 13))
        case_claim(case_id=sent_back.pk, reviewer=bo)
        clock.move_to(at(6, 13, 1))
        case_release(case_id=sent_back.pk, actor=bo)  # handed back: not a review time
        clock.move_to(at(6, 14))
        case_claim(case_id=sent_back.pk, reviewer=bo)
        clock.move_to(at(6, 14, 5))
        case_request_information(
            case_id=sent_back.pk, actor=bo, message="请上传身份证背面"
        )  # 300 s
        Customer.objects.filter(pk=sent_back.customer_id).update(user=customer_user)
        clock.move_to(at(6, 15))
        case_provide_information(case_id=sent_back.pk, actor=customer_user)
        clock.move_to(at(6, 15, 10))
        case_claim(case_id=sent_back.pk, reviewer=bo)
        clock.move_to(at(6, 15, 20))
        case_approve(case_id=sent_back.pk, actor=bo)  # 600 s

        clock.move_to(at(13, 10))
        case_claim(case_id=next_week.pk, reviewer=ann)
        clock.move_to(at(13, 10, 1))
        case_approve(case_id=next_week.pk, actor=ann)  # outside the period
    return ann, bo


def test_reviewer_kpis_count_decisions_review_times_and_breaches(week):
    ann, bo = week
    rows = {row.reviewer_id: row for row in reviewer_kpis(start=WEEK_START, end=WEEK_END)}

    assert set(rows) == {ann.pk, bo.pk}
    assert rows[ann.pk].cases_decided == 3
    assert rows[ann.pk].median_seconds == 120
    assert rows[ann.pk].p90_seconds == pytest.approx(504)
    assert rows[ann.pk].breaches == 1
    assert rows[ann.pk].reviewer_name == ann.display_name
    # Bo decided two cases, one of them twice (sent back, then approved); the minute he
    # held a case before putting it back is not counted.
    assert rows[bo.pk].cases_decided == 2
    assert rows[bo.pk].median_seconds == 600
    assert rows[bo.pk].p90_seconds == 600
    assert rows[bo.pk].breaches == 0


def test_reviewer_kpis_keep_to_the_period(week):
    ann, _bo = week
    next_week = reviewer_kpis(start=WEEK_END, end=WEEK_END + datetime.timedelta(days=7))
    assert [(row.reviewer_id, row.cases_decided, row.median_seconds) for row in next_week] == [
        (ann.pk, 1, 60)
    ]
    assert reviewer_kpis(start=WEEK_START, end=WEEK_START + datetime.timedelta(hours=1)) == []


def test_route_kpis_give_the_share_within_the_deadline_and_the_median_time(week):
    rows = {(row.route, row.channel): row for row in route_kpis(start=WEEK_START, end=WEEK_END)}

    assert set(rows) == {(ReviewRoute.STANDARD, Channel.WEB), (ReviewRoute.STANDARD, Channel.API)}
    web = rows[(ReviewRoute.STANDARD, Channel.WEB)]
    # quick, rejected and sent_back in time; late missed its deadline (recorded).
    assert (web.cases_decided, web.decided_within_sla) == (4, 3)
    assert web.share_within_sla == pytest.approx(0.75)
    # From confirmation at 10:00: 60 s, 62 min, 2 h 5 min, 5 h 20 min.
    assert web.median_seconds_to_decision == (62 * 60 + 125 * 60) / 2
    api = rows[(ReviewRoute.STANDARD, Channel.API)]
    # Decided three minutes late, before the watch ran: no record, still not in time.
    assert (api.cases_decided, api.decided_within_sla, api.share_within_sla) == (1, 0, 0)
    assert api.median_seconds_to_decision == 2 * 3600 + 3 * 60


def test_route_kpis_of_an_empty_period_are_empty(db):
    assert route_kpis(start=WEEK_START, end=WEEK_END) == []
