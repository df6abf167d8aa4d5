"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc_portal.settings.production")

app = Celery("kyc_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _load_check_models(**kwargs) -> None:
    """Load the offline models once per worker process, before the first check needs them."""
    from verification.checks.base import check_providers_load

    check_providers_load()
