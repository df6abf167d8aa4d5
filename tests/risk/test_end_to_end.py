"""Confirming an application scores it, and the score decides the review path."""

import pytest

from risk.enums import RiskLevel
from risk.selectors import case_risk_assessment
from tests.factories.customers import register_individual
from verification.enums import CaseState, ReviewRoute
from verification.workflow import case_transition

pytestmark = pytest.mark.django_db


def test_confirming_a_case_stores_an_assessment_and_routes_the_case():
    customer = register_individual()
    case = customer.cases.get()
    assert case_risk_assessment(case=case) is None

    case = case_transition(
        case_id=case.pk, transition="confirm", expected_state=CaseState.AWAITING_CONFIRMATION
    )

    assessment = case_risk_assessment(case=case)
    assert assessment is not None
    case.refresh_from_db()
    # An adult Chinese national applying online: only the web channel counts.
    assert assessment.level == RiskLevel.LOW
    assert [factor["code"] for factor in assessment.factors] == ["channel"]
    assert case.risk_level == RiskLevel.LOW
    assert case.route == ReviewRoute.FAST_TRACK
