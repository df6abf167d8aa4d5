"""Review deadlines: a number of working hours from when a case enters the queue.

Working hours are ``KYC_WORKING_HOURS`` on ``KYC_WORKING_DAYS`` in ``TIME_ZONE``; a case
that arrives on Friday evening with 4 hours to go is due on Monday at 13:00.

``sla_watch`` (Celery beat, ``verification.sla_watch``) warns before a deadline and records
the deadlines missed. Who hears about it:

- the warning goes to the reviewer holding the case and to the team leads;
- a missed deadline goes to the team leads.

Team leads are the senior reviewers. Compliance officers oversee the process through the
KPIs rather than run the queue, so they are written to only when there is no active senior
reviewer at all: a warning must always reach somebody. Staff e-mails name the case by its
short id and path, never the customer.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.services import audit_record
from kyc_portal.messaging.email import email_send
from kyc_portal.messaging.models import OutboxMessage
from kyc_portal.messaging.outbox import SkipDelivery, outbox_enqueue, register_outbox_handler
from verification.enums import REVIEW_STATES, ReviewRoute
from verification.models import Case, SlaBreach, SlaTarget

logger = logging.getLogger(__name__)

# Used when an administrator deleted every row of a path (the migration creates these).
DEFAULT_WORKING_HOURS = {
    "fast_track": Decimal("4"),
    "standard": Decimal("24"),
    "enhanced": Decimal("48"),
}
DEFAULT_WARN_BEFORE_HOURS = Decimal("1")

# Cases looked at per run and per kind of work: one run stays short however many cases
# there are; the soonest deadlines come first and the next run takes the rest.
SLA_WATCH_BATCH = 500

WARNING_KIND = "sla.warning.email"
BREACH_KIND = "sla.breach.email"
# Team leads first; the second role only when nobody holds the first (see the docstring).
TEAM_LEAD_ROLES = (Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER)


@dataclass(frozen=True)
class WorkingTime:
    start: datetime.time
    end: datetime.time
    days: frozenset[int]  # ISO weekdays, 1 = Monday

    @classmethod
    def from_settings(cls) -> "WorkingTime":
        hours = settings.KYC_WORKING_HOURS
        try:
            start_text, end_text = hours.split("-")
            start = datetime.time.fromisoformat(start_text.strip())
            end = datetime.time.fromisoformat(end_text.strip())
        except (AttributeError, TypeError, ValueError):
            raise ImproperlyConfigured(
                f"KYC_WORKING_HOURS must look like 09:00-18:00, not {hours!r}."
            ) from None
        if start >= end:
            raise ImproperlyConfigured(
                f"KYC_WORKING_HOURS must end after it starts ({hours!r} does not)."
            )
        raw_days = settings.KYC_WORKING_DAYS
        try:
            days = frozenset(raw_days)
        except TypeError:
            days = frozenset()
        if not days or not days <= set(range(1, 8)):
            raise ImproperlyConfigured(
                "KYC_WORKING_DAYS must list weekdays from 1 (Monday) to 7 (Sunday), "
                f"not {raw_days!r}."
            )
        return cls(start=start, end=end, days=days)

    def add(self, moment: datetime.datetime, hours: Decimal | float) -> datetime.datetime:
        """``moment`` plus ``hours`` of working time (in the portal's time zone)."""
        local = timezone.localtime(moment)
        zone = local.tzinfo
        remaining = datetime.timedelta(hours=float(hours))
        day = local.date()
        cursor = local
        while True:
            if day.isoweekday() in self.days:
                opens = datetime.datetime.combine(day, self.start, zone)
                closes = datetime.datetime.combine(day, self.end, zone)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += datetime.timedelta(days=1)
            cursor = datetime.datetime.combine(day, datetime.time.min, zone)

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Working time from ``start`` to ``end`` (zero when end is earlier)."""
        start, end = timezone.localtime(start), timezone.localtime(end)
        zone = start.tzinfo
        total = datetime.timedelta()
        day = start.date()
        while day <= end.date():
            if day.isoweekday() in self.days:
                opens = datetime.datetime.combine(day, self.start, zone)
                closes = datetime.datetime.combine(day, self.end, zone)
                begin, finish = max(start, opens), min(end, closes)
                if begin < finish:
                    total += finish - begin
            day += datetime.timedelta(days=1)
        return total


def sla_target_for(*, route: str, channel: str) -> tuple[Decimal, Decimal]:
    """(working hours to decide, hours of warning before) for a path and channel."""
    targets = {target.channel: target for target in SlaTarget.objects.filter(route=route)}
    target = targets.get(channel) or targets.get("")
    if target is None:
        return DEFAULT_WORKING_HOURS.get(route, Decimal("24")), DEFAULT_WARN_BEFORE_HOURS
    return target.working_hours, target.warn_before_hours


def sla_deadline(*, route: str, channel: str, start: datetime.datetime) -> datetime.datetime:
    hours, _warning = sla_target_for(route=route, channel=channel)
    return WorkingTime.from_settings().add(start, hours)


def sla_remaining(
    *, due_at: datetime.datetime, now: datetime.datetime | None = None
) -> datetime.timedelta:
    """Working time left until ``due_at`` (the countdown); negative, in plain hours, once
    the deadline has passed, so an overdue case shows how late it is."""
    now = now or timezone.now()
    if due_at <= now:
        return due_at - now
    return WorkingTime.from_settings().between(now, due_at)


# -- the watch (Celery beat) -------------------------------------------------------------


@dataclass(frozen=True)
class SlaWatchReport:
    warned: int
    breached: int


def sla_watch(
    *, now: datetime.datetime | None = None, limit: int = SLA_WATCH_BATCH
) -> SlaWatchReport:
    """Warn about the deadlines coming up and record the ones missed, ``limit`` cases of
    each at most. Safe to run twice at once: a case is warned once per deadline and a
    missed deadline recorded once. Never changes a case's state."""
    now = now or timezone.now()
    calendar = WorkingTime.from_settings()
    recipients = _Recipients()
    warned = _warn_upcoming(now=now, calendar=calendar, limit=limit, recipients=recipients)
    breached = _record_breaches(now=now, limit=limit, recipients=recipients)
    if warned or breached:
        logger.info("SLA watch: %d warned, %d missed deadline(s) recorded.", warned, breached)
    return SlaWatchReport(warned=warned, breached=breached)


def _warning_window(*, now: datetime.datetime, calendar: WorkingTime) -> Q:
    """Cases whose deadline is at most their path's warning time (in working hours) away.

    One condition per policy row, so that the database picks the cases and a batch is never
    filled with cases not yet due for a warning; the longest warning time bounds them all,
    which lets an index on the deadline read a short range. A channel's own row beats the
    path's every-channel row, as in ``sla_target_for``.
    """
    own_channels: dict[str, list[str]] = defaultdict(list)
    warn_before: dict[tuple[str, str], Decimal] = {
        (route, ""): DEFAULT_WARN_BEFORE_HOURS for route in ReviewRoute.values
    }
    for route, channel, warn in SlaTarget.objects.values_list(
        "route", "channel", "warn_before_hours"
    ):
        warn_before[(route, channel)] = warn
        if channel:
            own_channels[route].append(channel)
    window = Q()
    for (route, channel), warn in warn_before.items():
        condition = Q(route=route, sla_due_at__lte=calendar.add(now, warn))
        if channel:
            condition &= Q(channel=channel)
        elif own_channels[route]:
            condition &= ~Q(channel__in=own_channels[route])
        window |= condition
    latest = calendar.add(now, max(warn_before.values()))
    return Q(sla_due_at__lte=latest) & window


def _warn_upcoming(
    *, now: datetime.datetime, calendar: WorkingTime, limit: int, recipients: "_Recipients"
) -> int:
    candidates = list(
        Case.objects.filter(state__in=REVIEW_STATES, sla_warned_at__isnull=True, sla_due_at__gt=now)
        .filter(_warning_window(now=now, calendar=calendar))
        .order_by("sla_due_at", "pk")
        .values_list("pk", "sla_due_at")[:limit]
    )
    warned = 0
    for case_id, due_at in candidates:
        with transaction.atomic():
            # Only the run whose UPDATE wins the row sends: two beats never warn twice.
            won = Case.objects.filter(
                pk=case_id,
                state__in=REVIEW_STATES,
                sla_due_at=due_at,
                sla_warned_at__isnull=True,
            ).update(sla_warned_at=now)
            if not won:
                continue
            case = Case.objects.only("pk", "assigned_to").get(pk=case_id)
            holder = _active_staff(case.assigned_to_id)
            people = [(holder, True)] if holder is not None else []
            people += [(lead, False) for lead in recipients.team_leads() if lead != holder]
            _enqueue(kind=WARNING_KIND, case_id=case_id, due_at=due_at, people=people)
        warned += 1
    return warned


def _record_breaches(*, now: datetime.datetime, limit: int, recipients: "_Recipients") -> int:
    recorded = SlaBreach.objects.filter(case=OuterRef("pk"), due_at=OuterRef("sla_due_at"))
    overdue = list(
        Case.objects.filter(state__in=REVIEW_STATES, sla_due_at__lte=now)
        # A breach recorded at or after the current deadline is this deadline's: skipping
        # those cheaply keeps cases long overdue from filling every batch.
        .filter(Q(sla_breached_at__isnull=True) | Q(sla_breached_at__lt=F("sla_due_at")))
        .exclude(Exists(recorded))
        .order_by("sla_due_at", "pk")
        .only("pk", "state", "risk_level", "route", "channel", "assigned_to", "sla_due_at")[:limit]
    )
    breached = 0
    for case in overdue:
        try:
            with transaction.atomic():
                SlaBreach.objects.create(
                    case=case,
                    reviewer_id=case.assigned_to_id,
                    due_at=case.sla_due_at,
                    state=case.state,
                    risk_level=case.risk_level,
                    route=case.route,
                    channel=case.channel,
                )
                Case.objects.filter(pk=case.pk).update(sla_breached_at=now)
                audit_record(
                    action="case.sla_breached",
                    target=case,
                    details={"due_at": case.sla_due_at.isoformat(), "route": case.route},
                )
                people = [(lead, False) for lead in recipients.team_leads()]
                _enqueue(kind=BREACH_KIND, case_id=case.pk, due_at=case.sla_due_at, people=people)
        except IntegrityError:
            # Another run recorded this deadline between our read and our insert.
            continue
        breached += 1
    return breached


class _Recipients:
    """The team leads, read once per run."""

    def __init__(self) -> None:
        self._leads: list | None = None

    def team_leads(self) -> list:
        if self._leads is None:
            self._leads = _team_leads()
        return self._leads


def _team_leads() -> list:
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    for role in TEAM_LEAD_ROLES:
        leads = list(users.filter(groups__name=role).distinct())
        if leads:
            return leads
    return []


def _active_staff(user_id):
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _enqueue(
    *, kind: str, case_id, due_at: datetime.datetime, people: Iterable[tuple[object, bool]]
) -> None:
    """One outbox message per person, so a failed address never resends to the others."""
    for person, holds_case in people:
        if not person.email:
            logger.warning(
                "Staff user %s has no e-mail address: %s for case %s not sent.",
                person.pk,
                kind,
                str(case_id)[:8],
            )
            continue
        outbox_enqueue(
            kind=kind,
            reference=f"{kind}:{case_id}",
            payload={
                "case_id": str(case_id),
                "user_id": str(person.pk),
                "due_at": due_at.isoformat(),
                "holder": holds_case,
            },
        )


def _case_link(case_id) -> str:
    """Absolute address of the case screen, for e-mails."""
    return settings.PORTAL_BASE_URL + reverse(
        "verification:review-case", kwargs={"case_id": case_id}
    )


def _deliver_email(message: OutboxMessage) -> None:
    payload = message.payload
    case = Case.objects.select_related("assigned_to").filter(pk=payload.get("case_id")).first()
    person = _active_staff(payload.get("user_id"))
    due_at = parse_datetime(payload.get("due_at") or "")
    if case is None or person is None or not person.email or due_at is None:
        raise SkipDelivery
    is_warning = message.kind == WARNING_KIND
    if is_warning and (case.state not in REVIEW_STATES or case.sla_due_at != due_at):
        # Decided, or sent back to the customer and given a new deadline: nothing to warn of.
        raise SkipDelivery
    holder = case.assigned_to
    context = {
        "case_ref": str(case.pk)[:8],
        "route": case.get_route_display(),
        "risk_level": case.get_risk_level_display() if case.risk_level else "",
        "channel": case.get_channel_display(),
        "state": case.get_state_display(),
        "due_at": due_at,
        "minutes_left": max(int(sla_remaining(due_at=due_at).total_seconds() // 60), 0),
        "you_hold_it": bool(payload.get("holder")),
        "holder_name": holder.display_name if holder is not None else "",
        "link": _case_link(case.pk),
    }
    email_send(
        to=person.email,
        template="messaging/sla_warning_email" if is_warning else "messaging/sla_breach_email",
        context=context,
        language=settings.LANGUAGE_CODE,
        idempotency_key=message.idempotency_key,
    )


register_outbox_handler(WARNING_KIND, deliver=_deliver_email)
register_outbox_handler(BREACH_KIND, deliver=_deliver_email)
