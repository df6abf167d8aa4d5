"""Celery tasks of verification. Thin: the work is in ``workflow.py`` and ``sla.py``."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from verification import (
    notifications,  # noqa: F401  registers the case notice senders
    sla_tasks,  # noqa: F401  registers verification.sla_watch
)
from verification.checks.services import check_run
from verification.enums import CaseState, CheckStatus, ReviewRoute
from verification.models import Case, Check
from verification.workflow import case_fast_track

# A fast-track candidate not decided after this long had its task lost (broker down at
# the time, worker killed): the sweep queues it again.
FAST_TRACK_SWEEP_AFTER = datetime.timedelta(minutes=2)


@shared_task(
    bind=True,
    name="verification.case_fast_track",
    acks_late=True,
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=300,
)
def case_fast_track_task(self, case_id: str) -> str:
    """Decide a fast-track candidate; a crash is retried with back-off (the decision is
    idempotent: a decided case is left alone)."""
    try:
        return case_fast_track(case_id=case_id).state
    except Exception as error:
        raise self.retry(exc=error) from error


@shared_task(name="verification.fast_track_sweep", ignore_result=True)
def fast_track_sweep_task() -> int:
    """Queue again the fast-track candidates whose task never ran (Celery beat)."""
    stale = Case.objects.filter(
        state=CaseState.DOCUMENT_REVIEW,
        route=ReviewRoute.FAST_TRACK,
        quality_sample=False,
        assigned_to__isnull=True,
        fast_track_rules={},
        confirmed_at__lt=timezone.now() - FAST_TRACK_SWEEP_AFTER,
    ).values_list("pk", flat=True)
    count = 0
    for case_id in stale.iterator():
        case_fast_track_task.delay(str(case_id))
        count += 1
    return count


@shared_task(
    bind=True,
    name="verification.check_run",
    acks_late=True,
    max_retries=None,  # the service counts the attempts on the check's row
    soft_time_limit=settings.KYC_CHECK_TIME_LIMIT,
    time_limit=settings.KYC_CHECK_TIME_LIMIT + 30,
)
def check_run_task(self, check_id: str) -> str:
    """One attempt of a check; the service says when (and whether) to try again. The soft
    time limit stops a provider that hangs; the service counts it as a time-out."""
    outcome = check_run(check_id=check_id)
    while outcome.retry_in is not None and self.request.is_eager:
        outcome = check_run(check_id=check_id)  # in-process: no queue to wait in
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.check.status if outcome.check is not None else "skipped"


# A check still waiting to run after this long had its task lost (broker down when it was
# requested, worker killed before it acknowledged): the sweep queues it again.
CHECK_SWEEP_AFTER = datetime.timedelta(minutes=5)


@shared_task(name="verification.check_sweep", ignore_result=True)
def check_sweep_task() -> int:
    """Queue again the checks whose task never ran (Celery beat). Running a check twice is
    harmless: the second task finds it claimed or done."""
    stale = Check.objects.filter(
        status=CheckStatus.PENDING,
        superseded=False,
        requested_at__lt=timezone.now() - CHECK_SWEEP_AFTER,
    ).values_list("pk", flat=True)
    count = 0
    for check_id in stale.iterator():
        check_run_task.delay(str(check_id))
        count += 1
    return count
