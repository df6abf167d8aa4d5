from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from risk.rules import rules_validate


class RiskPolicy(models.Model):
    """How a case is scored: factor points, level thresholds, lists and re-check intervals.

    Versions are kept: a change saves a new version (``risk.services.risk_policy_create``)
    and no version is edited afterwards, so every assessment refers to the rules it was
    computed with. The newest version applies. See ``risk.rules`` for the shape of ``rules``.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    rules = models.JSONField(_("rules"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("risk scoring policy")
        verbose_name_plural = _("risk scoring policies")
        ordering = ["-version"]

    def __str__(self) -> str:
        return str(_("risk scoring policy v%(version)s") % {"version": self.version})

    def clean(self) -> None:
        try:
            rules_validate(self.rules)
        except ValidationError as error:
            raise ValidationError({"rules": error.error_list}) from None
