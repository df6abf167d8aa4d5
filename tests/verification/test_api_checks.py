"""The checks in the reviewers' API: listed in the case detail with their explanation
(values read masked), run again, decided with a reason (audited), and the errors."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.crypto.masking import mask_id_number
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_document, case_in_review
from tests.verification.checks.scripted import ScriptedProvider
from verification.checks.base import CheckResult
from verification.checks.services import check_run
from verification.enums import CheckKind, CheckOutcome, CheckStatus, RejectionReason
from verification.models import Check, DocumentKind
from verification.services import case_claim
from verification.workflow import case_reject

pytestmark = pytest.mark.django_db

SCRIPTED = "tests.verification.checks.scripted.ScriptedProvider"
POSSIBLE_MATCH = CheckResult(
    outcome=CheckOutcome.REVIEW,
    summary="possible_match",
    score=0.913,
    params={
        "count": 1,
        "record_types": ["credit_blacklist"],
        "sources": ["人民银行"],
        "parties": ["customer"],
        "score": 0.913,
    },
    findings={"matches": [{"name": "上海示例物流有限公司", "detail": "2019 欠税"}]},
)


@pytest.fixture(autouse=True)
def scripted(settings):
    settings.KYC_CHECK_PROVIDERS = {kind: SCRIPTED for kind in CheckKind.values}
    settings.KYC_CHECK_ATTEMPTS = 3
    ScriptedProvider.script.clear()
    ScriptedProvider.requests.clear()


def session_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    return api


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def api(reviewer) -> APIClient:
    return session_for(reviewer)


def case_url(case) -> str:
    return reverse("v1:review-case", args=[case.pk])


def rerun_url(check) -> str:
    return reverse("v1:review-check-rerun", args=[check.pk])


def override_url(check) -> str:
    return reverse("v1:review-check-override", args=[check.pk])


def error_code(response) -> str:
    return response.json()["error"]["code"]


def current(case, kind) -> Check:
    return Check.objects.get(case=case, kind=kind, superseded=False)


def run(check, result) -> Check:
    ScriptedProvider.script.append(result)
    return check_run(check_id=check.pk).check


@pytest.fixture
def background():
    """The background check of an enterprise case, answered: a possible namesake."""
    case = case_in_review(enterprise=True, risk_level=RiskLevel.MEDIUM)
    return run(current(case, CheckKind.BACKGROUND), POSSIBLE_MATCH)


def test_the_case_detail_lists_the_checks_with_their_explanation(api, background):
    response = api.get(case_url(background.case))

    assert response.status_code == 200
    body = response.json()
    (check,) = body["checks"]
    assert check["id"] == str(background.pk)
    assert check["kind"] == "background"
    assert check["label"] == "Background check (credit and business records)"
    assert (check["provider"], check["version"]) == ("scripted", "1")
    assert check["status"] == "done"
    assert check["outcome"] == check["final_outcome"] == "review"
    assert check["summary"] == "possible_match" and check["score"] == 0.913
    assert check["explanation"].startswith("Only a name is close to a record, for: Customer")
    assert check["params"]["record_types"] == ["credit_blacklist"]
    assert check["attempts"] == 1 and check["superseded"] is False
    assert check["override_outcome"] == "" and check["overridden_by"] is None
    assert body["checks_state"] == {"passed": False, "open": [], "not_passed": ["background"]}
    assert {"rerun_checks", "override_checks"} <= set(body["allowed_actions"])
    # What the record says about the customer stays out of the API.
    assert "2019 欠税" not in response.content.decode()
    assert "findings" not in check


def test_a_pending_check_is_listed_as_open(api):
    case = case_in_review(enterprise=True)

    body = api.get(case_url(case)).json()

    assert body["checks"][0]["status"] == "pending"
    assert body["checks"][0]["explanation"] == "Waiting to run."
    assert body["checks_state"]["open"] == ["background"]


def test_values_read_come_masked(api, storage_dir):
    case = case_in_review(risk_level=RiskLevel.MEDIUM)
    case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    number = case.customer.individual.document_number
    run(
        current(case, CheckKind.DOCUMENT_READING),
        CheckResult(
            outcome=CheckOutcome.PASS,
            summary="match",
            params={"documents": ["id_card_front"]},
            findings={
                "id_card_front": {
                    "id_number": {"read": number, "match": True, "similarity": 1.0},
                    "name": {"read": "王小明", "match": True, "similarity": 1.0},
                }
            },
        ),
    )

    response = api.get(case_url(case))

    assert number not in response.content.decode()
    assert "王小明" not in response.content.decode()
    (check,) = response.json()["checks"]
    values = {row["field"]: row for row in check["read_values"]}
    assert values["id_number"]["read"] == mask_id_number(number)
    assert values["id_number"]["declared"] == mask_id_number(number)
    assert values["id_number"]["match"] is True
    assert values["id_number"]["field_label"] == "ID number"
    assert values["name"]["read"] == "王**"


def test_run_a_check_again(api, reviewer, background):
    response = api.post(rerun_url(background), {}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["id"] != str(background.pk) and body["status"] == CheckStatus.PENDING
    assert body["requested_by"]["id"] == str(reviewer.pk)
    assert Check.objects.get(pk=background.pk).superseded
    assert AuditEntry.objects.filter(action="check.rerun", actor=reviewer).exists()
    detail = api.get(case_url(background.case)).json()
    assert [check["id"] for check in detail["checks"]] == [body["id"]]


def test_a_running_check_or_a_replaced_run_gives_a_conflict(api, background):
    fresh = api.post(rerun_url(background), {}, format="json").json()

    still_running = api.post(rerun_url(Check.objects.get(pk=fresh["id"])), {}, format="json")
    replaced = api.post(rerun_url(background), {}, format="json")

    assert still_running.status_code == 409 and error_code(still_running) == "check_running"
    assert replaced.status_code == 409 and error_code(replaced) == "check_superseded"
    assert Check.objects.filter(case=background.case).count() == 2


def test_deciding_a_check_needs_an_outcome_and_a_reason(api, background):
    no_reason = api.post(override_url(background), {"outcome": "pass"}, format="json")
    blank = api.post(override_url(background), {"outcome": "pass", "reason": " "}, format="json")
    no_outcome = api.post(override_url(background), {"reason": "namesake"}, format="json")
    unknown_field = api.post(
        override_url(background), {"outcome": "pass", "reason": "x", "why": "y"}, format="json"
    )

    assert (no_reason.status_code, error_code(no_reason)) == (400, "reason_required")
    assert (blank.status_code, error_code(blank)) == (400, "reason_required")
    assert (no_outcome.status_code, error_code(no_outcome)) == (400, "outcome_required")
    assert unknown_field.status_code == 400
    assert Check.objects.get(pk=background.pk).override_outcome == ""


def test_a_reviewer_decides_a_check_and_it_is_audited(api, reviewer, background):
    response = api.post(
        override_url(background),
        {"outcome": "pass", "reason": "Namesake: born 1962, the customer in 1990."},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["final_outcome"]) == ("review", "pass")
    assert body["override_reason"] == "Namesake: born 1962, the customer in 1990."
    assert body["overridden_by"]["id"] == str(reviewer.pk)
    entry = AuditEntry.objects.get(action="check.overridden")
    assert entry.actor == reviewer and entry.details["outcome"] == "pass"
    state = api.get(case_url(background.case)).json()["checks_state"]
    assert state["passed"] is True


@pytest.mark.parametrize(
    "role", [Role.CUSTOMER, Role.STORE_STAFF, Role.ADMINISTRATOR], ids=lambda role: role.value
)
def test_other_roles_are_refused(role, background):
    api = session_for(UserFactory(role=role))

    rerun = api.post(rerun_url(background), {}, format="json")
    decide = api.post(override_url(background), {"outcome": "pass", "reason": "x"}, format="json")

    assert (rerun.status_code, error_code(rerun)) == (403, "permission_denied")
    assert (decide.status_code, error_code(decide)) == (403, "permission_denied")
    assert not Check.objects.get(pk=background.pk).superseded


def test_a_case_held_by_another_reviewer_or_closed_gives_a_conflict(api, background):
    holder = UserFactory(role=Role.REVIEWER)
    case_claim(case_id=background.case_id, reviewer=holder)
    held = api.post(rerun_url(background), {}, format="json")
    assert (held.status_code, error_code(held)) == (409, "case_held_by_other")
    assert "rerun_checks" not in api.get(case_url(background.case)).json()["allowed_actions"]

    case_reject(case_id=background.case_id, actor=holder, reason=RejectionReason.BACKGROUND_CHECK)
    closed = api.post(override_url(background), {"outcome": "fail", "reason": "x"}, format="json")
    assert (closed.status_code, error_code(closed)) == (409, "case_closed")


def test_an_unknown_check_is_not_found(api):
    response = api.post(reverse("v1:review-check-rerun", args=[uuid.uuid4()]), {}, format="json")

    assert (response.status_code, error_code(response)) == (404, "check_not_found")


def test_the_endpoints_are_in_the_schema(api):
    schema = api.get("/api/schema/?format=json").json()

    rerun = schema["paths"]["/api/v1/review/checks/{check_id}/rerun"]["post"]
    override = schema["paths"]["/api/v1/review/checks/{check_id}/override"]["post"]
    assert {"201", "403", "404", "409"} <= set(rerun["responses"])
    assert {"200", "400", "403", "404", "409"} <= set(override["responses"])
