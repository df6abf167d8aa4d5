import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel, CustomerKind
from risk.enums import RiskLevel


class Customer(models.Model):
    """One person or one enterprise, however many times they apply or are re-checked.

    The identity details live in :class:`Individual` or :class:`Enterprise`; this row holds
    who the customer is to the business: how and by whom they were taken in, their login,
    and (once registered) their customer number.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("customer type"), max_length=20, choices=CustomerKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="customers_entered",
        null=True,
        blank=True,
        help_text=_(
            "The customer themself online, or the store staff member who typed the paper form."
        ),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.PROTECT,
        related_name="customer",
        null=True,
        blank=True,
    )
    customer_number = models.CharField(
        _("customer number"), max_length=20, unique=True, null=True, blank=True
    )
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    next_recheck_on = models.DateField(
        _("next periodic re-check"), null=True, blank=True, db_index=True
    )
    language = models.CharField(_("language for messages"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["store", "-created_at"], name="customer_store_created")]

    def __str__(self) -> str:
        return self.customer_number or str(_("applicant %(id)s") % {"id": str(self.id)[:8]})

    @property
    def profile(self):
        return self.individual if self.kind == CustomerKind.INDIVIDUAL else self.enterprise


class CustomerNumberSequence(models.Model):
    """The last customer number given out in a year (``C`` + year + six digits)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("customer number sequence")
        verbose_name_plural = _("customer number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
