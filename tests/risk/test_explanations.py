"""What a reviewer reads about each factor, and what is never stored with it."""

import datetime
import json

import pytest
from django.utils import timezone, translation

from customers.enums import DocumentType
from customers.services import DuplicateIdentityError
from kyc_portal.audit.models import AuditEntry
from tests.factories.customers import individual_details, register_enterprise, register_individual

pytestmark = pytest.mark.django_db


@pytest.fixture
def risky_individual():
    """A customer who sets off several factors, with the personal values they declared."""
    today = timezone.localdate()
    details = individual_details(nationality="KP", birth_date=datetime.date(today.year - 19, 2, 3))
    customer = register_individual(**details)
    with pytest.raises(DuplicateIdentityError):
        register_individual(**{**details, "mobile": individual_details()["mobile"]})
    return customer, details


def test_explanations_in_english(assess, risky_individual):
    customer, _details = risky_individual
    assessment = assess(customer)

    with translation.override("en"):
        explanations = assessment.factor_explanations()

    assert [(item.code, item.points, item.explanation) for item in explanations] == [
        (
            "channel",
            10,
            "The application came in through the channel “Web self-registration”: nobody saw "
            "the customer or the original documents.",
        ),
        (
            "high_risk_jurisdiction",
            60,
            "Nationality on the list of high-risk jurisdictions: the customer has nationality KP.",
        ),
        (
            "age",
            10,
            "The customer is younger than 21: young customers are more often used to open "
            "accounts for others.",
        ),
        (
            "duplicate_identity_attempts",
            30,
            "Someone else tried once to register this customer's identity.",
        ),
        (
            "identity_inconsistent",
            40,
            "The identity document disagrees with the declared data: the nationality of the "
            "customer (KP) does not fit the identity document (Resident ID card (mainland "
            "China)).",
        ),
    ]
    assert assessment.score == 150


def test_enterprise_explanations_in_english(assess):
    customer = register_enterprise(beneficial_owners=[])
    assessment = assess(customer)

    with translation.override("en"):
        sentences = dict((item.code, item.explanation) for item in assessment.factor_explanations())

    assert sentences["customer_type"] == (
        "The customer is an enterprise: ownership and control are harder to verify than a "
        "person's identity."
    )
    assert sentences["ownership_incomplete"] == (
        "The enterprise declared no beneficial owner holding 25% or more."
    )


def test_explanations_render_in_chinese(assess, risky_individual):
    customer, _details = risky_individual
    enterprise = register_enterprise(
        representative_nationality="IR",
        beneficial_owners=[
            {
                "full_name": "赵六",
                "nationality": "US",
                "document_type": DocumentType.PASSPORT,
                "document_number": "A12345678",
                "share": "30",
            }
        ],
    )

    with translation.override("zh-hans"):
        for assessment in (assess(customer), assess(enterprise)):
            explanations = assessment.factor_explanations()
            assert len(explanations) == len(assessment.factors)
            assert all(item.explanation for item in explanations)


def test_no_personal_value_is_stored_or_audited(assess, risky_individual):
    customer, details = risky_individual
    assessment = assess(customer)

    stored = json.dumps(assessment.factors, ensure_ascii=False)
    audited = json.dumps(AuditEntry.objects.get(action="risk.assessed").details, ensure_ascii=False)
    birth_date = details["birth_date"]
    for text in (stored, audited):
        for value in (
            details["document_number"],
            details["document_number"][-6:],
            details["full_name"],
            details["mobile"],
            details["email"],
            details["street"],
            birth_date.isoformat(),
            f"{birth_date:%Y%m%d}",
            str(birth_date.year),
        ):
            assert value not in text


def test_the_assessment_is_audited_with_its_outcome(assess):
    customer = register_individual()
    assessment = assess(customer)

    entry = AuditEntry.objects.get(action="risk.assessed")

    assert entry.target_id == str(customer.cases.get().pk)
    assert entry.details == {
        "level": "low",
        "score": 10,
        "policy_version": 1,
        "factors": ["channel"],
    }
    assert assessment.has_factor("channel")
    assert not assessment.has_factor("age")
