"""Policies administrators edit: review deadlines and the fast track."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel
from verification.enums import ReviewRoute


class SlaTarget(models.Model):
    """How many working hours a review path (optionally of one channel) may take.

    A row with an empty channel applies to every channel without a row of its own.
    """

    route = models.CharField(_("review path"), max_length=20, choices=ReviewRoute.choices)
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=Channel.choices,
        blank=True,
        help_text=_("Leave empty for every channel."),
    )
    working_hours = models.DecimalField(
        _("working hours to decide"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    warn_before_hours = models.DecimalField(
        _("warn this many working hours before"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("review deadline")
        verbose_name_plural = _("review deadlines")
        ordering = ["route", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["route", "channel"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        channel = self.get_channel_display() if self.channel else _("every channel")
        return f"{self.get_route_display()} · {channel}"


class FastTrackPolicy(models.Model):
    """The rules under which a case is approved without a reviewer.

    Versions are kept: editing in the admin saves a new version, so the rules recorded on a
    fast-tracked case always refer to a version that still exists. The newest one applies.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    enabled = models.BooleanField(_("fast track on"), default=True)
    individuals_only = models.BooleanField(
        _("individuals only"), default=True, help_text=_("Enterprises always go to a reviewer.")
    )
    require_low_risk = models.BooleanField(_("low risk only"), default=True)
    require_confirmed_contact = models.BooleanField(
        _("contact details confirmed by the customer"), default=True
    )
    require_identity_documents = models.BooleanField(
        _("identity document images uploaded"), default=True
    )
    require_checks_passed = models.BooleanField(_("every automatic check passed"), default=True)
    require_no_duplicate_attempts = models.BooleanField(
        _("no attempt to reuse another customer's identity"), default=True
    )
    require_no_watchlist_hit = models.BooleanField(
        _("no watch-list hit (where screening is configured)"), default=True
    )
    quality_sample_percent = models.DecimalField(
        _("percentage sent to a reviewer for quality control"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("fast-track policy")
        verbose_name_plural = _("fast-track policies")
        ordering = ["-version"]

    def __str__(self) -> str:
        return str(_("fast-track policy v%(version)s") % {"version": self.version})
