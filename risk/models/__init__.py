"""Models of this app; each model lives in its own module and is imported here."""

from .assessment import FactorExplanation, RiskAssessment
from .policy import RiskPolicy

__all__ = ["FactorExplanation", "RiskAssessment", "RiskPolicy"]
