"""The scoring policy: versions, validation, thresholds, and editing it in the admin."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from risk.models import RiskPolicy
from risk.rules import DEFAULT_RULES, rules_level, rules_validate
from risk.selectors import risk_policy_current
from risk.services import risk_policy_create
from tests.factories.accounts import UserFactory
from tests.factories.customers import register_individual

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def rules(**changes) -> dict:
    changed = copy.deepcopy(DEFAULT_RULES)
    for path, value in changes.items():
        section, _sep, key = path.partition("__")
        if key:
            changed[section][key] = value
        else:
            changed[section] = value
    return changed


def messages(bad_rules) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        rules_validate(bad_rules)
    return [str(message) for message in raised.value.messages]


# -- the policy in force -----------------------------------------------------------------------


def test_the_migration_puts_version_1_with_the_defaults_in_force():
    policy = risk_policy_current()

    assert policy.version == 1
    assert policy.rules == DEFAULT_RULES
    rules_validate(policy.rules)


def test_the_newest_version_applies(assess):
    risk_policy_create(rules=rules(thresholds={"medium": 5, "high": 60}))

    assert risk_policy_current().version == 2
    # The web channel's 10 points are now medium risk.
    assert assess(register_individual()).level == RiskLevel.MEDIUM


def test_an_old_assessment_keeps_the_version_it_was_computed_with(assess):
    first = assess(register_individual())
    risk_policy_create(rules=rules(points__channel={"web": 50, "api": 50, "store": 0}))

    second = assess(register_individual())

    first.refresh_from_db()
    assert (first.policy.version, first.score, first.level) == (1, 10, RiskLevel.LOW)
    assert (second.policy.version, second.score, second.level) == (2, 50, RiskLevel.MEDIUM)
    assert RiskPolicy.objects.get(version=1).rules == DEFAULT_RULES


def test_a_factor_left_out_of_the_points_is_switched_off(assess):
    points = {key: value for key, value in DEFAULT_RULES["points"].items() if key != "channel"}
    risk_policy_create(rules=rules(points=points))

    assert assess(register_individual()).factors == []


def test_saving_a_version_is_audited_without_the_rules():
    administrator = UserFactory(role=Role.ADMINISTRATOR)

    policy = risk_policy_create(rules=DEFAULT_RULES, actor=administrator)

    entry = AuditEntry.objects.get(action="risk.policy_created")
    assert entry.actor == administrator
    assert entry.details == {"version": policy.version}
    assert policy.created_by == administrator


def test_invalid_rules_are_not_saved():
    with pytest.raises(ValidationError):
        risk_policy_create(rules=rules(thresholds={"medium": 60, "high": 30}))

    assert RiskPolicy.objects.count() == 1


# -- thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, RiskLevel.LOW),
        (29, RiskLevel.LOW),
        (30, RiskLevel.MEDIUM),
        (59, RiskLevel.MEDIUM),
        (60, RiskLevel.HIGH),
        (500, RiskLevel.HIGH),
    ],
)
def test_thresholds_give_the_level(score, level):
    assert rules_level(DEFAULT_RULES, score) == level


# -- validation ----------------------------------------------------------------------------------


def test_an_unknown_factor_is_named():
    assert messages(rules(points__shoe_size=5)) == [
        "Unknown factor “shoe_size”. Known factors: customer_type, channel, "
        "high_risk_jurisdiction, age, duplicate_identity_attempts, ownership_incomplete, "
        "identity_inconsistent, document_check_failed."
    ]


def test_negative_points_are_refused():
    assert messages(rules(points__age=-5)) == [
        "The points of age are negative (-5); use 0 or more."
    ]
    assert messages(rules(points__channel={"web": -1, "api": 0, "store": 0})) == [
        "The points of channel.web are negative (-1); use 0 or more."
    ]


def test_points_must_be_whole_numbers():
    assert messages(rules(points__age="ten")) == ["The points of age must be a whole number."]
    assert messages(rules(points__age=True)) == ["The points of age must be a whole number."]


def test_an_unknown_channel_is_named():
    assert messages(rules(points__channel={"fax": 5})) == [
        "“channel” has no value “fax”. Known values: web, api, store."
    ]


def test_thresholds_must_increase():
    assert messages(rules(thresholds={"medium": 60, "high": 60})) == [
        "Thresholds must increase: the score for high risk (60) must be above the score "
        "for medium risk (60)."
    ]


def test_country_codes_are_two_capital_letters():
    assert messages(rules(high_risk_jurisdictions=["KP", "Iran", "ir"])) == [
        "“Iran” is not a country code: use the two capital letters of ISO 3166 (for example “KP”).",
        "“ir” is not a country code: use the two capital letters of ISO 3166 (for example “KP”).",
    ]
    assert messages(rules(high_risk_jurisdictions=["KP", "KP"])) == [
        "A country appears twice in “high_risk_jurisdictions”."
    ]


def test_age_bands_must_not_overlap():
    assert messages(rules(age_bands={"young_below": 80, "elderly_from": 21})) == [
        "“young_below” (80) must be less than “elderly_from” (21)."
    ]


def test_riskier_customers_are_rechecked_at_least_as_often():
    assert messages(rules(recheck_months={"low": 12, "medium": 24, "high": 36})) == [
        "Riskier customers must be re-checked at least as often: low ≥ medium ≥ high."
    ]
    assert messages(rules(recheck_months={"low": 36, "medium": 24, "high": 0})) == [
        "Re-check intervals must be whole numbers of months from 1 to 120."
    ]


def test_missing_and_unknown_sections_are_named():
    broken = rules()
    del broken["thresholds"]
    broken["colours"] = {}

    assert messages(broken) == ["Missing sections: thresholds.", "Unknown sections: colours."]


def test_the_model_files_rule_errors_under_rules():
    policy = RiskPolicy(version=9, rules=rules(points__age=-1))

    with pytest.raises(ValidationError) as raised:
        policy.full_clean()

    assert list(raised.value.message_dict) == ["rules"]


# -- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def administrator():
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def administrator_client(client, english, administrator):
    client.force_login(administrator)
    return client


def test_editing_in_the_admin_saves_a_new_version(administrator_client, administrator):
    url = reverse("admin:risk_riskpolicy_change", args=[risk_policy_current().pk])
    assert administrator_client.get(url).status_code == 200

    response = administrator_client.post(
        url, {"rules": json.dumps(rules(thresholds={"medium": 40, "high": 70}))}
    )

    assert response.status_code == 302
    assert list(RiskPolicy.objects.values_list("version", flat=True)) == [2, 1]
    assert RiskPolicy.objects.get(version=1).rules == DEFAULT_RULES
    current = risk_policy_current()
    assert current.rules["thresholds"] == {"medium": 40, "high": 70}
    assert current.created_by == administrator


def test_the_admin_shows_what_is_wrong_with_the_rules(administrator_client):
    response = administrator_client.post(
        reverse("admin:risk_riskpolicy_add"),
        {"rules": json.dumps(rules(thresholds={"medium": 70, "high": 40}))},
    )

    assert response.status_code == 200
    assert "Thresholds must increase" in response.content.decode()
    assert RiskPolicy.objects.count() == 1


def test_the_admin_refuses_broken_json(administrator_client):
    response = administrator_client.post(
        reverse("admin:risk_riskpolicy_add"), {"rules": '{"points": '}
    )

    assert response.status_code == 200
    assert "Enter a valid JSON." in response.content.decode()
    assert RiskPolicy.objects.count() == 1


def test_the_add_form_starts_from_the_policy_in_force(administrator_client):
    response = administrator_client.get(reverse("admin:risk_riskpolicy_add"))

    assert response.status_code == 200
    assert "&quot;elderly_from&quot;: 80" in response.content.decode()


def test_assessments_are_listed_read_only(administrator_client, assess):
    assessment = assess(register_individual())

    listing = administrator_client.get(reverse("admin:risk_riskassessment_changelist"))
    detail = administrator_client.get(
        reverse("admin:risk_riskassessment_change", args=[assessment.pk])
    )

    assert listing.status_code == 200
    assert "Low risk" in listing.content.decode()
    assert detail.status_code == 200
    assert "nobody saw the customer" in detail.content.decode()
    assert 'name="score"' not in detail.content.decode()


def test_policies_cannot_be_deleted_in_the_admin(administrator_client):
    url = reverse("admin:risk_riskpolicy_delete", args=[risk_policy_current().pk])

    assert administrator_client.post(url, {"post": "yes"}).status_code == 403
    assert RiskPolicy.objects.count() == 1
