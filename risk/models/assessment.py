from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from risk.enums import RiskLevel


class FactorExplanation(NamedTuple):
    code: str
    points: int
    explanation: str


class RiskAssessment(models.Model):
    """The score a case got, its level, and what made it up.

    ``factors`` is a list of ``{"code", "points", "params"}``; ``params`` holds codes and
    counts only (a country code, an age band, a number of attempts), never a personal value.
    The sentence a reviewer reads is made from them when shown, in the reader's language.
    """

    case = models.ForeignKey(
        "verification.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="risk_assessments",
    )
    policy = models.ForeignKey(
        "risk.RiskPolicy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    score = models.PositiveIntegerField(_("score"))
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    factors = models.JSONField(_("factors"), default=list)
    created_at = models.DateTimeField(_("assessed"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="risk_assessment_case_created")
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.score})"

    def has_factor(self, code: str) -> bool:
        return any(factor["code"] == code for factor in self.factors)

    def factor_explanations(self) -> list[FactorExplanation]:
        """(code, points, sentence) for each factor, the sentence in the active language."""
        from risk.factors import factor_explain

        return [
            FactorExplanation(
                factor["code"], factor["points"], factor_explain(factor["code"], factor["params"])
            )
            for factor in self.factors
        ]
