import pytest

from risk.models import RiskAssessment
from risk.services import case_risk_assess


@pytest.fixture
def assess():
    """Score a registered customer's case as the workflow would on confirmation."""

    def score(customer) -> RiskAssessment:
        return case_risk_assess(case=customer.cases.get())

    return score


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
