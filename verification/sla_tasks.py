"""Celery beat task of the review deadlines. Thin: the work is in ``verification.sla``."""

from celery import shared_task

from verification.sla import sla_watch


@shared_task(name="verification.sla_watch", ignore_result=True)
def sla_watch_task() -> dict[str, int]:
    """Warn before deadlines and record the ones missed (one bounded batch per run)."""
    report = sla_watch()
    return {"warned": report.warned, "breached": report.breached}
