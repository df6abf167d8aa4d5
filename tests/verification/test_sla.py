"""Review deadlines: the working-hours calendar, the policy, and the beat task that warns
before a deadline and records the ones missed."""

import datetime
import logging
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from freezegun import freeze_time

from customers.enums import Channel
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.messaging.models import OutboxMessage, OutboxStatus
from kyc_portal.messaging.outbox import outbox_deliver
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from tests.verification.test_workflow_concurrency import _together
from verification.enums import CaseState, RejectionReason, ReviewRoute
from verification.models import Case, SlaBreach, SlaTarget
from verification.services import case_claim
from verification.sla import (
    WorkingTime,
    sla_deadline,
    sla_remaining,
    sla_target_for,
    sla_watch,
)
from verification.workflow import case_provide_information, case_reject, case_request_information

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """January 2025 in Shanghai: the 6th is a Monday, the 10th a Friday, the 11th a Saturday."""
    return datetime.datetime(2025, 1, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def office_hours(settings):
    settings.KYC_WORKING_HOURS = "09:00-18:00"
    settings.KYC_WORKING_DAYS = [1, 2, 3, 4, 5]
    return WorkingTime.from_settings()


# -- the working-hours calendar ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        pytest.param(at(6, 10), 4, at(6, 14), id="same-day"),
        pytest.param(at(6, 16), 4, at(7, 11), id="over-the-evening"),
        pytest.param(at(10, 19), 4, at(13, 13), id="friday-evening-to-monday"),
        pytest.param(at(10, 17), 4, at(13, 12), id="over-the-weekend"),
        pytest.param(at(11, 10), 4, at(13, 13), id="arrives-on-saturday"),
        pytest.param(at(7, 7, 30), 1, at(7, 10), id="before-opening"),
        pytest.param(at(6, 9), 9, at(6, 18), id="exactly-one-day-ends-at-closing"),
        pytest.param(at(6, 18), Decimal("0.5"), at(7, 9, 30), id="at-closing-time"),
        pytest.param(at(6, 9), 24, at(8, 15), id="standard-24-hours"),
        pytest.param(at(8, 12), 48, at(15, 15), id="enhanced-48-hours"),
        pytest.param(at(11, 10), 0, at(13, 9), id="zero-hours-waits-for-opening"),
    ],
)
def test_adding_working_hours(office_hours, start, hours, due):
    assert office_hours.add(start, hours) == due


def test_adding_to_a_moment_given_in_utc_counts_in_the_portal_time_zone(office_hours):
    monday_nine_in_shanghai = datetime.datetime(2025, 1, 6, 1, 0, tzinfo=datetime.UTC)
    assert office_hours.add(monday_nine_in_shanghai, 2) == at(6, 11)


def test_the_calendar_follows_the_settings(settings):
    settings.KYC_WORKING_HOURS = "08:30-12:00"
    settings.KYC_WORKING_DAYS = [1, 2, 3, 4, 5, 6]
    calendar = WorkingTime.from_settings()
    assert calendar.add(at(10, 11), 2) == at(11, 9, 30)  # Friday 11:00 + 2 h → Saturday 9:30


def test_working_time_between_two_moments(office_hours):
    assert office_hours.between(at(10, 17), at(13, 10)) == datetime.timedelta(hours=2)
    assert office_hours.between(at(11, 9), at(12, 18)) == datetime.timedelta(0)
    assert office_hours.between(at(13, 10), at(10, 17)) == datetime.timedelta(0)


def test_remaining_time_is_working_time_and_negative_once_overdue(office_hours):
    with freeze_time(at(10, 17)):
        assert sla_remaining(due_at=at(13, 10)) == datetime.timedelta(hours=2)
        assert sla_remaining(due_at=at(10, 16)) == -datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    "hours", ["nine to six", "09:00", "09:00-25:00", "09:00-12:00-18:00", None, 9]
)
def test_unreadable_working_hours_are_a_configuration_error(settings, hours):
    settings.KYC_WORKING_HOURS = hours
    with pytest.raises(ImproperlyConfigured, match="KYC_WORKING_HOURS must look like 09:00-18:00"):
        WorkingTime.from_settings()


def test_working_hours_that_end_before_they_start_are_a_configuration_error(settings):
    settings.KYC_WORKING_HOURS = "18:00-09:00"
    with pytest.raises(ImproperlyConfigured, match="must end after it starts"):
        WorkingTime.from_settings()


@pytest.mark.parametrize("days", [[], [0, 1], [1, 8], ["mon"], 5])
def test_bad_working_days_are_a_configuration_error(settings, days):
    settings.KYC_WORKING_HOURS = "09:00-18:00"
    settings.KYC_WORKING_DAYS = days
    with pytest.raises(ImproperlyConfigured, match="KYC_WORKING_DAYS must list weekdays"):
        WorkingTime.from_settings()


# -- the policy --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_policy_is_4_24_and_48_working_hours():
    assert sla_target_for(route=ReviewRoute.FAST_TRACK, channel=Channel.WEB) == (4, 1)
    assert sla_target_for(route=ReviewRoute.STANDARD, channel=Channel.STORE) == (24, 1)
    assert sla_target_for(route=ReviewRoute.ENHANCED, channel=Channel.API) == (48, 1)


@pytest.mark.django_db
def test_a_channel_of_its_own_beats_the_every_channel_row():
    SlaTarget.objects.create(
        route=ReviewRoute.STANDARD,
        channel=Channel.STORE,
        working_hours=Decimal("8"),
        warn_before_hours=Decimal("2"),
    )
    assert sla_target_for(route=ReviewRoute.STANDARD, channel=Channel.STORE) == (8, 2)
    assert sla_target_for(route=ReviewRoute.STANDARD, channel=Channel.WEB) == (24, 1)


@pytest.mark.django_db
def test_a_path_without_rows_falls_back_to_the_defaults(office_hours):
    SlaTarget.objects.all().delete()
    assert sla_target_for(route=ReviewRoute.FAST_TRACK, channel=Channel.WEB) == (4, 1)
    assert sla_target_for(route=ReviewRoute.ENHANCED, channel=Channel.WEB) == (48, 1)
    deadline = sla_deadline(route=ReviewRoute.FAST_TRACK, channel=Channel.WEB, start=at(6, 16))
    assert deadline == at(7, 11)


# -- the watch ---------------------------------------------------------------------------


@pytest.fixture
def watch(db, office_hours, django_capture_on_commit_callbacks, celery_eager):
    """Run the beat task's service with its e-mails really sent (in-process).

    Asks for ``db`` before any test asks for ``mailoutbox``: setting up the database
    replaces Django's test outbox, and the fixture would hold the old one.
    """

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return sla_watch(**kwargs)

    return run


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER, username="reviewer-wang")


@pytest.fixture
def team_lead(db):
    return UserFactory(role=Role.SENIOR_REVIEWER, username="lead-zhao")


@pytest.fixture
def compliance(db):
    return UserFactory(role=Role.COMPLIANCE_OFFICER, username="compliance-qian")


def _due(case: Case, due_at: datetime.datetime) -> Case:
    """Pin the deadline (the policy's arithmetic is tested above)."""
    Case.objects.filter(pk=case.pk).update(sla_due_at=due_at)
    case.refresh_from_db()
    return case


def _recipients(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def test_a_warning_goes_to_the_reviewer_and_the_team_lead_once(
    watch, mailoutbox, reviewer, team_lead, compliance
):
    with freeze_time(at(6, 10)) as clock:
        due_soon = _due(case_in_review(), at(8, 16))
        case_claim(case_id=due_soon.pk, reviewer=reviewer)
        time_left = _due(case_in_review(), at(9, 16))
        sent_back = _due(case_in_review(), at(8, 16))
        case_request_information(case_id=sent_back.pk, actor=reviewer, message="请补充材料")

        clock.move_to(at(8, 15, 30))
        first = watch()
        second = watch()

    assert (first.warned, second.warned) == (1, 0)
    assert _recipients(mailoutbox) == sorted([reviewer.email, team_lead.email])
    assert compliance.email not in _recipients(mailoutbox)
    due_soon.refresh_from_db()
    assert due_soon.sla_warned_at == at(8, 15, 30)
    assert due_soon.state == CaseState.DOCUMENT_REVIEW
    assert Case.objects.get(pk=time_left.pk).sla_warned_at is None
    assert Case.objects.get(pk=sent_back.pk).sla_warned_at is None


def test_the_warning_says_which_case_by_when_and_links_to_it(
    watch, mailoutbox, reviewer, team_lead
):
    with freeze_time(at(6, 10)) as clock:
        case = _due(case_in_review(), at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        clock.move_to(at(8, 15, 30))
        watch()

    to_reviewer = next(message for message in mailoutbox if message.to == [reviewer.email])
    html = to_reviewer.alternatives[0][0]
    short_id = str(case.pk)[:8]
    assert short_id in to_reviewer.subject
    for body in (to_reviewer.body, html):
        assert short_id in body
        assert "you are reviewing" in body
        assert "2025-01-08 16:00" in body
        assert "30 working minutes left" in body
        assert "Standard review" in body
        assert f"/review/cases/{case.pk}/" in body
    to_lead = next(message for message in mailoutbox if message.to == [team_lead.email])
    assert "you are reviewing" not in to_lead.body
    assert reviewer.display_name in to_lead.body


def test_staff_e_mails_carry_no_personal_data_of_the_customer(
    watch, mailoutbox, reviewer, team_lead
):
    with freeze_time(at(6, 10)) as clock:
        case = case_in_review(full_name="欧阳娜娜", email="nana@example.com")
        case = _due(case, at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        individual = case.customer.individual
        clock.move_to(at(8, 15, 30))
        watch()  # the warning
        clock.move_to(at(8, 16, 5))
        watch()  # the missed deadline

    assert len(mailoutbox) == 3
    personal = [
        "欧阳娜娜",
        "欧阳",
        individual.document_number,
        individual.document_number[-6:],
        individual.mobile,
        individual.mobile[-4:],
        "nana@example.com",
    ]
    for message in mailoutbox:
        text = "\n".join([message.subject, message.body, message.alternatives[0][0]])
        for value in personal:
            assert value not in text


def test_a_warning_counts_working_hours_not_clock_hours(watch, mailoutbox, team_lead):
    with freeze_time(at(10, 17, 30)):
        case = _due(case_in_review(), at(13, 9, 30))  # 1 working hour, 64 clock hours away
        report = watch()
    assert report.warned == 1
    assert Case.objects.get(pk=case.pk).sla_warned_at is not None


def test_each_channel_is_warned_as_its_policy_says(watch, mailoutbox, team_lead):
    SlaTarget.objects.create(
        route=ReviewRoute.STANDARD,
        channel=Channel.WEB,
        working_hours=Decimal("24"),
        warn_before_hours=Decimal("4"),
    )
    with freeze_time(at(6, 10)):
        web = _due(case_in_review(channel=Channel.WEB), at(6, 13))
        api = _due(case_in_review(channel=Channel.API), at(6, 13))
        report = watch()
    assert report.warned == 1
    assert Case.objects.get(pk=web.pk).sla_warned_at is not None
    assert Case.objects.get(pk=api.pk).sla_warned_at is None


def test_an_unclaimed_case_warns_every_senior_reviewer(watch, mailoutbox, compliance):
    leads = [UserFactory(role=Role.SENIOR_REVIEWER) for _ in range(2)]
    with freeze_time(at(6, 10)) as clock:
        _due(case_in_review(), at(8, 16))
        clock.move_to(at(8, 15, 30))
        watch()
    assert _recipients(mailoutbox) == sorted(lead.email for lead in leads)
    assert "nobody has claimed it yet" in mailoutbox[0].body


def test_without_senior_reviewers_the_compliance_officers_hear_of_it(
    watch, mailoutbox, reviewer, compliance
):
    with freeze_time(at(6, 10)) as clock:
        case = _due(case_in_review(), at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        clock.move_to(at(8, 15, 30))
        watch()
    assert _recipients(mailoutbox) == sorted([reviewer.email, compliance.email])


def test_staff_without_an_e_mail_address_are_skipped_and_logged_without_names(
    watch, mailoutbox, reviewer, caplog
):
    lead = UserFactory(role=Role.SENIOR_REVIEWER, username="lead-no-mail", email="")
    with freeze_time(at(6, 10)) as clock:
        case = _due(case_in_review(), at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        clock.move_to(at(8, 15, 30))
        with caplog.at_level(logging.WARNING, logger="verification.sla"):
            watch()
    assert _recipients(mailoutbox) == [reviewer.email]
    assert str(lead.pk) in caplog.text
    assert "lead-no-mail" not in caplog.text and lead.display_name not in caplog.text


def test_a_warning_for_a_case_decided_before_it_went_out_is_not_sent(
    db, office_hours, mailoutbox, reviewer, team_lead
):
    with freeze_time(at(6, 10)) as clock:
        case = _due(case_in_review(), at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        clock.move_to(at(8, 15, 30))
        sla_watch()  # queued only: this test's transaction never commits
        case_reject(case_id=case.pk, actor=reviewer, reason=RejectionReason.DATA_MISMATCH)
        warnings = OutboxMessage.objects.filter(kind="sla.warning.email")
        for message in warnings:
            outbox_deliver(message_id=message.pk)
    assert warnings.count() == 2
    assert set(warnings.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    assert mailoutbox == []


def test_a_missed_deadline_is_recorded_once_and_the_team_lead_told(
    watch, mailoutbox, reviewer, team_lead
):
    with freeze_time(at(6, 10)) as clock:
        case = case_in_review(risk_level=RiskLevel.HIGH, channel=Channel.API)
        case = _due(case, at(8, 16))
        case_claim(case_id=case.pk, reviewer=reviewer)
        clock.move_to(at(8, 16, 1))
        first = watch()
        second = watch()

    assert (first.breached, second.breached) == (1, 0)
    breach = SlaBreach.objects.get(case=case)
    assert breach.reviewer == reviewer
    assert breach.due_at == at(8, 16)
    assert (breach.route, breach.channel, breach.risk_level, breach.state) == (
        ReviewRoute.ENHANCED,
        Channel.API,
        RiskLevel.HIGH,
        CaseState.DOCUMENT_REVIEW,
    )
    case.refresh_from_db()
    assert case.sla_breached_at == at(8, 16, 1)
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.assigned_to == reviewer
    assert (
        AuditEntry.objects.filter(action="case.sla_breached", target_id=str(case.pk)).count() == 1
    )
    # Past its deadline the case is no longer "due soon": only the breach notice goes out.
    assert _recipients(mailoutbox) == [team_lead.email]
    assert "missed its deadline" in mailoutbox[0].subject


def test_a_case_back_from_the_customer_gets_a_new_deadline_and_can_miss_it_again(
    watch, mailoutbox, reviewer, team_lead
):
    customer_user = UserFactory(role=Role.CUSTOMER)
    with freeze_time(at(6, 10)) as clock:
        case = _due(case_in_review(), at(6, 14))
        case.customer.user = customer_user
        case.customer.save(update_fields=["user"])
        clock.move_to(at(6, 15))
        assert watch().breached == 1

        case_request_information(case_id=case.pk, actor=reviewer, message="请上传身份证背面")
        clock.move_to(at(7, 10))
        case = case_provide_information(case_id=case.pk, actor=customer_user)
        new_deadline = case.sla_due_at
        assert new_deadline == at(9, 16)  # 24 working hours (standard)
        assert watch().breached == 0

        clock.move_to(at(9, 15, 30))
        assert watch().warned == 1
        clock.move_to(at(9, 16, 30))
        assert watch().breached == 1

    due_dates = sorted(SlaBreach.objects.filter(case=case).values_list("due_at", flat=True))
    assert due_dates == [at(6, 14), new_deadline]


def test_each_run_takes_a_bounded_batch_soonest_deadline_first(watch, team_lead):
    with freeze_time(at(6, 10)) as clock:
        cases = [_due(case_in_review(), at(6, 11, minute)) for minute in (30, 10, 20)]
        clock.move_to(at(6, 12))
        assert watch(limit=2).breached == 2
        first_batch = set(SlaBreach.objects.values_list("case_id", flat=True))
        assert watch(limit=2).breached == 1
    assert first_batch == {cases[1].pk, cases[2].pk}
    assert SlaBreach.objects.count() == 3


def test_the_beat_task_is_registered_under_its_name(celery_eager, office_hours, team_lead):
    from kyc_portal.celery import app
    from verification.sla_tasks import sla_watch_task

    assert app.tasks["verification.sla_watch"].name == sla_watch_task.name
    with freeze_time(at(6, 10)) as clock:
        _due(case_in_review(), at(6, 11))
        clock.move_to(at(6, 12))
        assert sla_watch_task.delay().get() == {"warned": 0, "breached": 1}


@pytest.mark.django_db(transaction=True)
def test_two_watches_at_once_warn_and_record_each_case_once(postgres_required, office_hours):
    UserFactory(role=Role.SENIOR_REVIEWER)
    now = timezone.now()
    for _ in range(3):
        _due(case_in_review(), now + datetime.timedelta(minutes=1))  # always within warning
        _due(case_in_review(), now - datetime.timedelta(minutes=1))

    reports = _together(sla_watch, sla_watch)

    assert sum(report.warned for report in reports) == 3, reports
    assert sum(report.breached for report in reports) == 3, reports
    assert OutboxMessage.objects.filter(kind="sla.warning.email").count() == 3
    assert OutboxMessage.objects.filter(kind="sla.breach.email").count() == 3
    assert SlaBreach.objects.count() == 3
