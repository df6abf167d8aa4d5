"""Each factor finds what it should, and only that, on customers registered for real."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from customers.enums import Channel, DocumentType, Gender
from customers.models import DuplicateIdentityAttempt
from customers.services import DuplicateIdentityError, individual_register
from kyc_portal.accounts.roles import Role
from risk.enums import RiskFactor, RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.customers import (
    individual_details,
    register_enterprise,
    register_individual,
    resident_id,
)

pytestmark = pytest.mark.django_db


def found(assessment) -> dict:
    return {factor["code"]: factor for factor in assessment.factors}


def owner(**overrides) -> dict:
    details = {
        "full_name": "赵六",
        "nationality": "CN",
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": resident_id(birth_date=datetime.date(1970, 1, 1)),
        "share": "50",
    }
    details.update(overrides)
    return details


# -- customer type and channel -------------------------------------------------------------


def test_an_ordinary_individual_online_is_low_risk(assess):
    assessment = assess(register_individual())

    assert found(assessment) == {
        "channel": {"code": "channel", "points": 10, "params": {"value": "web"}}
    }
    assert assessment.score == 10
    assert assessment.level == RiskLevel.LOW


def test_an_individual_seen_in_a_store_has_no_factor(assess):
    staff = UserFactory(role=Role.STORE_STAFF)
    customer = individual_register(
        details=individual_details(),
        channel=Channel.STORE,
        consent_given=True,
        actor=staff,
        store=staff.store,
    )

    assessment = assess(customer)

    assert assessment.factors == []
    assert assessment.score == 0


def test_an_application_through_the_app_counts_as_remote(assess):
    assessment = assess(register_individual(channel=Channel.API))

    assert found(assessment)["channel"]["params"] == {"value": "api"}


def test_an_enterprise_counts_for_its_type(assess):
    assessment = assess(
        register_enterprise(beneficial_owners=[owner(share="60"), owner(share="40")])
    )

    assert found(assessment)[RiskFactor.CUSTOMER_TYPE] == {
        "code": "customer_type",
        "points": 30,
        "params": {"value": "enterprise"},
    }
    # 30 for the type, 10 for the web channel.
    assert assessment.score == 40
    assert assessment.level == RiskLevel.MEDIUM


# -- high-risk jurisdiction ------------------------------------------------------------------


def test_an_individual_with_a_listed_nationality_is_high_risk(assess):
    customer = register_individual(
        nationality="IR", document_type=DocumentType.PASSPORT, document_number="K12345678"
    )

    assessment = assess(customer)

    assert found(assessment)["high_risk_jurisdiction"]["params"] == {
        "people": [{"role": "customer", "country": "IR"}]
    }
    assert assessment.level == RiskLevel.HIGH


def test_an_unlisted_foreign_nationality_is_no_jurisdiction_risk(assess):
    customer = register_individual(
        nationality="FR", document_type=DocumentType.PASSPORT, document_number="12AB34567"
    )

    assert not assess(customer).has_factor("high_risk_jurisdiction")


def test_an_enterprise_owned_from_a_listed_country_is_found(assess):
    customer = register_enterprise(
        representative_nationality="MM",
        representative_document_type=DocumentType.PASSPORT,
        representative_document_number="MA1234567",
        beneficial_owners=[
            owner(share="60"),
            owner(
                nationality="KP",
                document_type=DocumentType.PASSPORT,
                document_number="P7654321",
                share="40",
            ),
        ],
    )

    assessment = assess(customer)

    assert found(assessment)["high_risk_jurisdiction"]["params"] == {
        "people": [
            {"role": "beneficial_owner", "country": "KP"},
            {"role": "legal_representative", "country": "MM"},
        ]
    }
    assert assessment.level == RiskLevel.HIGH


# -- age ---------------------------------------------------------------------------------------


@freeze_time("2026-06-15 12:00:00")
@pytest.mark.parametrize(
    ("birth_date", "band"),
    [
        (datetime.date(2005, 6, 16), "young"),  # 20 until tomorrow
        (datetime.date(2005, 6, 15), None),  # 21 today
        (datetime.date(1946, 6, 16), None),  # 79 until tomorrow
        (datetime.date(1946, 6, 15), "elderly"),  # 80 today
    ],
)
def test_age_bands_start_on_the_birthday(assess, birth_date, band):
    assessment = assess(register_individual(birth_date=birth_date))

    factor = found(assessment).get("age")
    assert (factor["params"]["band"] if factor else None) == band


def test_a_young_customer_gets_the_age_points(assess):
    today = timezone.localdate()
    assessment = assess(register_individual(birth_date=datetime.date(today.year - 19, 1, 1)))

    assert found(assessment)["age"] == {
        "code": "age",
        "points": 10,
        "params": {"band": "young", "limit": 21},
    }


def test_enterprises_have_no_age(assess):
    assert not assess(register_enterprise()).has_factor("age")


# -- duplicate identity attempts ------------------------------------------------------------


def test_someone_else_trying_this_identity_counts(assess):
    details = individual_details()
    customer = register_individual(**details)
    for _attempt in range(2):
        with pytest.raises(DuplicateIdentityError):
            register_individual(
                **{**details, "full_name": "李四", "mobile": individual_details()["mobile"]}
            )

    assessment = assess(customer)

    assert found(assessment)["duplicate_identity_attempts"] == {
        "code": "duplicate_identity_attempts",
        "points": 30,
        "params": {"on_identity": 2, "by_login": 0},
    }
    assert assessment.level == RiskLevel.MEDIUM


def test_this_customers_login_trying_another_identity_counts(assess):
    login = UserFactory(role=Role.CUSTOMER)
    other = register_individual()
    customer = individual_register(
        details=individual_details(), channel=Channel.WEB, consent_given=True, user=login
    )
    DuplicateIdentityAttempt.objects.create(
        identity_index="x" * 64, existing_customer=other, channel=Channel.WEB, attempted_by=login
    )

    assert found(assess(customer))["duplicate_identity_attempts"]["params"] == {
        "on_identity": 0,
        "by_login": 1,
    }
    # The other customer's identity was tried once: that is theirs to carry.
    assert found(assess(other))["duplicate_identity_attempts"]["params"] == {
        "on_identity": 1,
        "by_login": 0,
    }


# -- ownership ------------------------------------------------------------------------------


def test_an_enterprise_without_declared_owners_is_incomplete(assess):
    assessment = assess(register_enterprise(beneficial_owners=[]))

    assert found(assessment)["ownership_incomplete"] == {
        "code": "ownership_incomplete",
        "points": 20,
        "params": {"owners": 0, "declared_share": "0"},
    }


def test_owners_holding_less_than_everything_is_incomplete(assess):
    assessment = assess(
        register_enterprise(beneficial_owners=[owner(share="37.50"), owner(share="25")])
    )

    assert found(assessment)["ownership_incomplete"]["params"] == {
        "owners": 2,
        "declared_share": "62.5",
    }


def test_owners_holding_everything_is_complete(assess):
    customer = register_enterprise(beneficial_owners=[owner(share="75"), owner(share="25")])

    assert not assess(customer).has_factor("ownership_incomplete")


def test_individuals_have_no_ownership(assess):
    assert not assess(register_individual()).has_factor("ownership_incomplete")


# -- identity consistency -------------------------------------------------------------------


def test_consistent_data_has_no_identity_finding(assess):
    assert not assess(register_individual()).has_factor("identity_inconsistent")


def test_a_resident_id_with_a_foreign_nationality_is_inconsistent(assess):
    assessment = assess(register_individual(nationality="US"))

    assert found(assessment)["identity_inconsistent"] == {
        "code": "identity_inconsistent",
        "points": 40,
        "params": {
            "issues": [
                {
                    "role": "customer",
                    "issue": "nationality_document",
                    "nationality": "US",
                    "document_type": "resident_id",
                }
            ]
        },
    }
    assert assessment.level == RiskLevel.MEDIUM


def test_a_foreigners_permanent_residence_id_declared_chinese_is_inconsistent(assess):
    customer = register_individual(
        nationality="CN",
        document_type=DocumentType.PERMANENT_RESIDENCE_ID,
        document_number="USA110075050101",
    )

    issues = found(assess(customer))["identity_inconsistent"]["params"]["issues"]
    assert [issue["issue"] for issue in issues] == ["nationality_document"]


@pytest.mark.parametrize(
    ("region", "nationality", "consistent"),
    [
        ("810000", "HK", True),
        ("810000", "CN", True),
        ("820000", "HK", False),
        ("830000", "US", False),
    ],
)
def test_residence_permits_fit_their_region(assess, region, nationality, consistent):
    customer = register_individual(
        nationality=nationality,
        document_type=DocumentType.RESIDENCE_PERMIT,
        document_number=resident_id(region=region),
    )

    assert assess(customer).has_factor("identity_inconsistent") is not consistent


def test_data_changed_after_entry_disagreeing_with_the_id_number_is_found(assess):
    customer = register_individual()
    # Entry checks these; a change behind the forms' back (here, directly) does not.
    individual = customer.individual
    individual.birth_date = datetime.date(1991, 5, 17)
    individual.gender = Gender.FEMALE
    individual.save()

    issues = found(assess(customer))["identity_inconsistent"]["params"]["issues"]

    assert issues == [
        {"role": "customer", "issue": "birth_date"},
        {"role": "customer", "issue": "gender"},
    ]


def test_an_enterprise_representative_with_a_mismatched_document_is_found(assess):
    customer = register_enterprise(
        representative_nationality="JP",
        beneficial_owners=[owner(share="100")],
    )

    issues = found(assess(customer))["identity_inconsistent"]["params"]["issues"]

    assert issues == [
        {
            "role": "legal_representative",
            "issue": "nationality_document",
            "nationality": "JP",
            "document_type": "resident_id",
        }
    ]


def test_factors_add_up(assess):
    # Web 10 + jurisdiction 60 + age 10.
    today = timezone.localdate()
    customer = register_individual(
        nationality="SY",
        document_type=DocumentType.PASSPORT,
        document_number="N0012345",
        birth_date=datetime.date(today.year - 85, 1, 1),
    )

    assessment = assess(customer)

    assert assessment.score == 80
    assert sum(factor["points"] for factor in assessment.factors) == 80
    assert assessment.level == RiskLevel.HIGH
