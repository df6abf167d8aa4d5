"""The checks on the reviewer's case screen: each result with its explanation and evidence,
the "checks pending" notice, running a check again, deciding it with a reason (audited),
and the values read off documents masked like the declared ones."""

import uuid

import pytest
from django.urls import reverse

from kyc_portal.accounts.roles import Role
from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.models import AuditEntry
from kyc_portal.crypto.masking import mask_id_number
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_document, case_in_review
from tests.verification.checks.scripted import ScriptedProvider
from verification.checks.base import CheckResult, ProviderError
from verification.checks.services import check_run
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check, DocumentKind
from verification.services import case_claim

pytestmark = pytest.mark.django_db

SCRIPTED = "tests.verification.checks.scripted.ScriptedProvider"
RECORD_FOUND = CheckResult(
    outcome=CheckOutcome.FAIL,
    summary="record_found",
    score=1.0,
    params={
        "count": 1,
        "record_types": ["court_judgement"],
        "sources": ["最高人民法院"],
        "parties": ["customer"],
    },
)


@pytest.fixture(autouse=True)
def scripted(settings):
    settings.KYC_CHECK_PROVIDERS = {kind: SCRIPTED for kind in CheckKind.values}
    settings.KYC_CHECK_ATTEMPTS = 3
    ScriptedProvider.script.clear()
    ScriptedProvider.requests.clear()
    return ScriptedProvider.script


@pytest.fixture
def reviewer(client):
    user = UserFactory(role=Role.REVIEWER)
    client.force_login(user)
    return user


def case_url(case) -> str:
    return reverse("verification:review-case", kwargs={"case_id": case.pk})


def check_url(check, action: str) -> str:
    return reverse(
        "verification:review-check-action",
        kwargs={"case_id": check.case_id, "check_id": check.pk, "action": action},
    )


def override(client, check, **fields):
    prefix = f"check-{check.pk}-override"
    return client.post(
        check_url(check, "override"), {f"{prefix}-{name}": value for name, value in fields.items()}
    )


def current(case, kind) -> Check:
    return Check.objects.get(case=case, kind=kind, superseded=False)


def run(check, result) -> Check:
    ScriptedProvider.script.append(result)
    return check_run(check_id=check.pk).check


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def enterprise_case():
    """The default policy asks for a background check of an enterprise."""
    return case_in_review(enterprise=True, risk_level=RiskLevel.MEDIUM)


@pytest.fixture
def reading_case(storage_dir):
    """An individual's case whose ID card was read: the name agrees, the number differs."""
    case = case_in_review(risk_level=RiskLevel.MEDIUM)
    case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    number = case.customer.individual.document_number
    read_number = number[:-4] + "0000"
    check = run(
        current(case, CheckKind.DOCUMENT_READING),
        CheckResult(
            outcome=CheckOutcome.FAIL,
            summary="mismatch",
            params={"documents": ["id_card_front"], "mismatched": ["id_card_front.id_number"]},
            findings={
                "id_card_front": {
                    "name": {"read": "王小明", "match": True, "similarity": 1.0},
                    "id_number": {"read": read_number, "match": False, "similarity": 0.78},
                    "address": {"read": None, "match": None},
                }
            },
        ),
    )
    return case, check, read_number


# -- what the card shows -----------------------------------------------------------------


def test_the_card_lists_each_check_with_its_outcome_and_explanation(
    client, reviewer, enterprise_case
):
    run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)

    response = client.get(case_url(enterprise_case))

    text = text_of(response)
    assert response.status_code == 200
    assert "Background check (credit and business records)" in text
    assert 'check-badge check-badge--fail">Failed<' in text
    assert (
        "A record carries the identity number or credit code of: Customer. Type: Court "
        "judgement. Source: 最高人民法院." in text
    )
    assert "scripted · 1" in text  # provider and version
    assert "Run again" in text and "Decide it myself…" in text
    assert "Not passed:" in text and "Checks pending:" not in text


def test_a_pending_check_shows_the_checks_pending_notice(client, reviewer, enterprise_case):
    text = text_of(client.get(case_url(enterprise_case)))

    assert "Checks pending:" in text
    assert "Background check (credit and business records)." in text
    assert 'check-badge check-badge--pending">Pending<' in text and "Waiting to run." in text
    # Queued work answers by itself: nothing to run again or decide yet.
    assert "Run again" not in text and "Decide it myself" not in text


def test_a_failed_check_says_why_and_can_be_run_again(client, reviewer, enterprise_case):
    ScriptedProvider.script.append(ProviderError("down", code="vendor_unreachable"))
    check_run(check_id=current(enterprise_case, CheckKind.BACKGROUND).pk)

    text = text_of(client.get(case_url(enterprise_case)))

    assert "The vendor could not be reached. Run the check again later." in text
    assert 'check-badge--error">Error<' in text
    assert "Technical detail: down" in text


def test_the_card_renders_in_chinese(client, reviewer, reading_case):
    case, _check, read_number = reading_case
    client.cookies["kyc_language"] = "zh-hans"

    response = client.get(case_url(case))

    text = text_of(response)
    assert response.status_code == 200 and 'lang="zh-Hans"' in text
    assert 'id="check-document_reading"' in text and "check-badge--fail" in text
    assert read_number not in text


# -- running a check again -----------------------------------------------------------------


def test_run_again_makes_a_new_run_and_keeps_the_old_one_in_the_history(
    client, reviewer, enterprise_case
):
    old = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)

    response = client.post(check_url(old, "rerun"))

    assert response.status_code == 302
    assert response.url == case_url(enterprise_case) + "#check-background"
    fresh = current(enterprise_case, CheckKind.BACKGROUND)
    assert fresh.pk != old.pk and fresh.status == CheckStatus.PENDING
    assert fresh.requested_by == reviewer
    assert Check.objects.get(pk=old.pk).superseded
    assert AuditEntry.objects.filter(
        target_id=str(enterprise_case.pk), action="check.rerun", actor=reviewer
    ).exists()
    page = client.get(response.url)
    text = text_of(page)
    assert "The check runs again. Its earlier result stays in the history." in text
    assert "1 earlier run" in text
    assert "A record carries the identity number" in text  # the old run's explanation
    assert "Ran a check again: Background check (credit and business records)" in text


def test_a_check_still_running_cannot_be_run_again(client, reviewer, enterprise_case):
    check = current(enterprise_case, CheckKind.BACKGROUND)

    response = client.post(check_url(check, "rerun"))

    assert response.status_code == 409
    assert "This check is still running." in text_of(response)
    assert Check.objects.filter(case=enterprise_case).count() == 1


def test_a_run_replaced_meanwhile_is_not_run_again(client, reviewer, enterprise_case):
    old = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)
    client.post(check_url(old, "rerun"))

    response = client.post(check_url(old, "rerun"))

    assert response.status_code == 409
    assert "This check has been run again meanwhile" in text_of(response)
    assert Check.objects.filter(case=enterprise_case, superseded=False).count() == 1


# -- deciding a check ----------------------------------------------------------------------


def test_deciding_a_check_needs_a_reason_and_keeps_what_was_typed(
    client, reviewer, enterprise_case
):
    check = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)

    no_reason = override(client, check, outcome="pass", reason="   ")
    no_outcome = override(client, check, reason="同名不同人")

    assert "Give the reason for deciding this check yourself." in text_of(no_reason)
    assert "Choose whether the check passed or failed." in text_of(no_outcome)
    assert no_outcome.context["open_action"] == f"check-{check.pk}-override"
    assert "同名不同人" in text_of(no_outcome)
    assert Check.objects.get(pk=check.pk).override_outcome == ""


def test_a_reviewer_decides_a_check_with_a_reason_and_it_is_audited(
    client, reviewer, enterprise_case
):
    check = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)

    response = override(
        client, check, outcome="pass", reason="Namesake: the judgement is about another company."
    )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.final_outcome == CheckOutcome.PASS and check.overridden_by == reviewer
    entry = AuditEntry.objects.get(target_id=str(enterprise_case.pk), action="check.overridden")
    assert entry.actor == reviewer
    assert entry.details == {"kind": "background", "outcome": "pass", "was": "fail"}
    text = text_of(client.get(response.url))
    assert f"Decided by {reviewer.display_name} on " in text
    assert ": passed — Namesake: the judgement is about another company." in text
    assert 'check-badge--pass">Passed<' in text
    assert "The check's own outcome: Failed." in text


# -- values read off the documents ---------------------------------------------------------


def test_values_read_are_masked_beside_the_declared_ones(client, reviewer, reading_case):
    case, _check, read_number = reading_case
    declared_number = case.customer.individual.document_number

    text = text_of(client.get(case_url(case)))

    assert read_number not in text and declared_number not in text
    assert mask_id_number(read_number) in text
    assert "王小明" not in text
    assert "match-mark--match" in text and "match-mark--mismatch" in text
    assert ">not read<" in text  # the address
    assert "Values read from the documents differ from the declared data: ID card (front): " in text


def test_a_value_read_is_shown_in_full_only_through_the_audited_reveal(
    client, reviewer, reading_case
):
    case, check, read_number = reading_case
    key = f"check:{check.pk}:id_card_front.id_number"

    response = client.post(
        reverse("verification:review-case-reveal", kwargs={"case_id": case.pk}), {"field": key}
    )

    assert response.status_code == 200
    assert read_number in text_of(response)
    assert case.customer.individual.document_number not in text_of(response)
    entry = AuditEntry.objects.get(target_id=str(case.pk), action=AuditAction.DATA_REVEAL)
    assert entry.details == {"field": key} and entry.actor == reviewer
    assert "Value read by document reading · ID card (front) · ID number" in text_of(response)


def test_a_reveal_key_of_another_case_is_not_found(client, reviewer, reading_case):
    _case, check, _number = reading_case
    other = case_in_review()
    key = f"check:{check.pk}:id_card_front.id_number"

    response = client.post(
        reverse("verification:review-case-reveal", kwargs={"case_id": other.pk}), {"field": key}
    )

    assert response.status_code == 404


# -- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.CUSTOMER, Role.STORE_STAFF, Role.ADMINISTRATOR], ids=lambda role: role.value
)
def test_other_roles_are_refused(client, role, enterprise_case):
    check = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)
    client.force_login(UserFactory(role=role))

    assert client.post(check_url(check, "rerun")).status_code == 403
    assert override(client, check, outcome="pass", reason="ok").status_code == 403
    assert not Check.objects.get(pk=check.pk).superseded


def test_a_case_held_by_another_reviewer_offers_no_check_action(client, reviewer, enterprise_case):
    check = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)
    case_claim(case_id=enterprise_case.pk, reviewer=UserFactory(role=Role.REVIEWER))

    text = text_of(client.get(case_url(enterprise_case)))
    response = client.post(check_url(check, "rerun"))

    assert "Run again" not in text and "Decide it myself" not in text
    assert response.status_code == 409
    assert "Another reviewer is working on this case." in text_of(response)
    assert not Check.objects.get(pk=check.pk).superseded


def test_an_unknown_check_or_one_of_another_case_is_not_found(client, reviewer, enterprise_case):
    check = run(current(enterprise_case, CheckKind.BACKGROUND), RECORD_FOUND)
    other = case_in_review(enterprise=True)
    wrong_case = reverse(
        "verification:review-check-action",
        kwargs={"case_id": other.pk, "check_id": check.pk, "action": "rerun"},
    )
    unknown = reverse(
        "verification:review-check-action",
        kwargs={"case_id": enterprise_case.pk, "check_id": uuid.uuid4(), "action": "rerun"},
    )
    unknown_action = check_url(check, "delete")

    for url in (wrong_case, unknown, unknown_action):
        assert client.post(url).status_code == 404
