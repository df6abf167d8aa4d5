import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel


class DuplicateIdentityAttempt(models.Model):
    """Somebody tried to register an identity that already belongs to a customer.

    Kept for the risk engine: repeated attempts on one identity look like fraud. Only the
    blind index of the number is stored, never the number.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identity_index = models.CharField(max_length=64, db_index=True)
    existing_customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="duplicate_attempts"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate identity attempt")
        verbose_name_plural = _("duplicate identity attempts")

    def __str__(self) -> str:
        return str(
            _("duplicate identity attempt on %(date)s") % {"date": f"{self.created_at:%Y-%m-%d}"}
        )
