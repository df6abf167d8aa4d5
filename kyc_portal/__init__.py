"""KYC Portal: settings, URLs, the Celery app and the cross-cutting pieces."""

from .celery import app as celery_app

__all__ = ["celery_app"]
