"""URLs that outside services call (see verification.views.webhooks)."""

from django.urls import path

from verification.views import webhooks

urlpatterns = [
    path(
        "webhooks/background/",
        webhooks.background_vendor_webhook,
        name="webhook-background",
    ),
]
