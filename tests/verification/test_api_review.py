"""The reviewers' API: the queue by cursor, claiming, the case screen (masked, reveal
audited) and every action, with the web's rules: roles, four eyes, conflicts."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.enums import Channel, CustomerKind
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.models import AuditEntry
from kyc_portal.crypto.masking import mask_id_number
from risk.enums import RiskLevel
from tests.factories.accounts import StoreFactory, UserFactory
from tests.factories.verification import case_document, case_in_review
from verification.enums import CaseState
from verification.models import Case, CaseApproval, Document, DocumentStatus
from verification.services import case_claim
from verification.workflow import case_editor_add

pytestmark = pytest.mark.django_db

QUEUE = reverse("v1:review-queue")
CLAIM_NEXT = reverse("v1:review-claim-next")
MINE = reverse("v1:review-cases-mine")


def session_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    return api


def reviewer_api(role=Role.REVIEWER):
    user = UserFactory(role=role)
    return user, session_for(user)


def case_url(case, action: str = "") -> str:
    name = f"v1:review-case-{action}" if action else "v1:review-case"
    return reverse(name, args=[case.pk])


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def state_of(case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


def decided_case(storage_dir, **options) -> Case:
    """A case in review whose one document a reviewer has accepted already."""
    case = case_in_review(**options)
    document = case_document(case=case)
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.ACCEPTED)
    return case


# --- who may ---------------------------------------------------------------------------------


def test_customers_and_store_staff_cannot_reach_the_review_endpoints():
    case = case_in_review()
    for role in (Role.CUSTOMER, Role.STORE_STAFF, Role.ADMINISTRATOR):
        api = session_for(UserFactory(role=role))
        for method, url in (
            ("get", QUEUE),
            ("post", CLAIM_NEXT),
            ("get", case_url(case)),
            ("post", case_url(case, "approve")),
            ("post", case_url(case, "reveal")),
        ):
            response = getattr(api, method)(url, {}, format="json")
            assert response.status_code == 403, (role, url)
            assert error_of(response)["code"] == "permission_denied"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW


def test_a_customer_token_does_not_open_the_review_endpoints():
    token = Token.objects.create(user=UserFactory(role=Role.CUSTOMER))
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.get(QUEUE).status_code == 403


def test_anonymous_requests_get_401():
    response = APIClient().get(QUEUE)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_staff_token_is_refused_so_the_second_factor_cannot_be_skipped():
    reviewer = UserFactory(role=Role.REVIEWER)
    token = Token.objects.create(user=reviewer)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.get(QUEUE)

    assert response.status_code == 403
    assert error_of(response)["code"] == "staff_token"


def test_a_staff_session_without_the_second_factor_is_refused(settings):
    settings.STAFF_OTP_REQUIRED = True
    _user, api = reviewer_api()

    response = api.get(QUEUE)

    assert response.status_code == 403
    assert error_of(response)["code"] == "second_factor_required"


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_is_read_page_by_page_with_a_cursor():
    cases = [case_in_review() for _ in range(5)]
    expected = [
        str(pk)
        for pk in Case.objects.filter(pk__in=[c.pk for c in cases])
        .order_by("sla_due_at", "id")
        .values_list("pk", flat=True)
    ]
    _user, api = reviewer_api()

    seen, after = [], ""
    for _page in range(3):
        response = api.get(QUEUE, {"limit": 2, "after": after})
        assert response.status_code == 200
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        after = body["next"]
        if after is None:
            break

    assert seen == expected
    assert after is None


def test_queue_rows_show_what_a_reviewer_sorts_by_and_the_name_masked():
    case = case_in_review(risk_level=RiskLevel.HIGH, full_name="欧阳小明")
    _user, api = reviewer_api(Role.SENIOR_REVIEWER)

    row = api.get(QUEUE).json()["results"][0]

    assert row["id"] == str(case.pk)
    assert row["state_label"] == "Document review"
    assert row["risk_level"] == "high"
    assert row["route"] == "enhanced"
    assert row["customer_type"] == "individual"
    assert row["customer_name"] != "欧阳小明"
    assert row["customer_name"].startswith("欧")
    assert row["sla_due_at"]


def test_the_queue_filters_by_risk_level_channel_customer_type_and_store():
    store = StoreFactory()
    low = case_in_review(risk_level=RiskLevel.LOW)
    high = case_in_review(risk_level=RiskLevel.HIGH)
    enterprise = case_in_review(enterprise=True)
    by_app = case_in_review(channel=Channel.API)
    in_store = case_in_review()
    Case.objects.filter(pk=in_store.pk).update(store=store)
    _user, api = reviewer_api()

    def ids(**filters):
        return {row["id"] for row in api.get(QUEUE, filters).json()["results"]}

    assert ids(risk_level="high") == {str(high.pk)}
    assert str(low.pk) not in ids(risk_level="high")
    assert ids(customer_kind=CustomerKind.ENTERPRISE) == {str(enterprise.pk)}
    assert ids(channel=Channel.API) == {str(by_app.pk)}
    assert ids(store=str(store.pk)) == {str(in_store.pk)}


def test_a_damaged_cursor_or_filter_is_a_clear_400():
    _user, api = reviewer_api()

    response = api.get(QUEUE, {"after": "not-a-cursor"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_cursor"

    response = api.get(QUEUE, {"channel": "fax"})
    assert response.status_code == 400
    assert error_of(response)["fields"]["channel"][0]["code"] == "invalid_choice"


def test_a_queue_page_costs_the_same_queries_for_one_case_or_three():
    _user, api = reviewer_api()
    case_in_review()
    api.get(QUEUE)  # sessions, roles and other one-off reads

    with CaptureQueriesContext(connection) as one:
        assert len(api.get(QUEUE).json()["results"]) == 1
    case_in_review(enterprise=True)
    case_in_review()
    with CaptureQueriesContext(connection) as three:
        assert len(api.get(QUEUE).json()["results"]) == 3

    assert len(three) == len(one)


def test_cases_the_reviewer_entered_are_not_in_their_queue():
    user, api = reviewer_api()
    case = case_in_review()
    other = case_in_review()
    case_editor_add(case=case, user=user)

    ids = {row["id"] for row in api.get(QUEUE).json()["results"]}

    assert ids == {str(other.pk)}


# --- claiming ------------------------------------------------------------------------------------


def test_two_reviewers_claiming_next_get_two_different_cases():
    first_case, second_case = case_in_review(), case_in_review()
    first, first_api = reviewer_api()
    second, second_api = reviewer_api()

    a = first_api.post(CLAIM_NEXT, {}, format="json").json()["case"]
    b = second_api.post(CLAIM_NEXT, {}, format="json").json()["case"]

    assert {a["id"], b["id"]} == {str(first_case.pk), str(second_case.pk)}
    assert Case.objects.get(pk=a["id"]).assigned_to == first
    assert Case.objects.get(pk=b["id"]).assigned_to == second
    assert second_api.post(CLAIM_NEXT, {}, format="json").json() == {"case": None}
    assert [row["id"] for row in first_api.get(MINE).json()] == [a["id"]]


@pytest.mark.django_db(transaction=True)
def test_reviewers_claiming_next_at_the_same_moment_never_share_a_case(postgres_required):
    cases = {str(case_in_review().pk) for _ in range(3)}
    sessions = [reviewer_api()[1] for _ in range(3)]
    barrier = threading.Barrier(len(sessions))
    claimed: list = [None] * len(sessions)

    def claim(index: int, api: APIClient) -> None:
        barrier.wait()
        try:
            claimed[index] = api.post(CLAIM_NEXT, {}, format="json").json()["case"]["id"]
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=pair) for pair in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == sorted(cases)


def test_claim_next_honours_the_filters():
    case_in_review(risk_level=RiskLevel.LOW)
    high = case_in_review(risk_level=RiskLevel.HIGH)
    _user, api = reviewer_api()

    claimed = api.post(CLAIM_NEXT, {"risk_level": "high"}, format="json").json()["case"]

    assert claimed["id"] == str(high.pk)


def test_claim_then_release_and_a_second_reviewer_cannot_take_a_held_case():
    case = case_in_review()
    first, first_api = reviewer_api()
    _second, second_api = reviewer_api()

    response = first_api.post(case_url(case, "claim"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == str(first.pk)
    assert "release" in response.json()["allowed_actions"]

    refused = second_api.post(case_url(case, "claim"), {}, format="json")
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "case_held_by_other"
    assert (
        error_of(second_api.post(case_url(case, "release"), {}, format="json"))["code"]
        == "case_held_by_other"
    )

    released = first_api.post(case_url(case, "release"), {}, format="json")
    assert released.status_code == 200
    assert released.json()["assigned_to"] is None


def test_a_team_lead_assigns_a_case_and_a_reviewer_may_not():
    case = case_in_review()
    reviewer, reviewer_session = reviewer_api()
    _lead, lead_api = reviewer_api(Role.SENIOR_REVIEWER)

    refused = reviewer_session.post(
        case_url(case, "assign"), {"reviewer": str(reviewer.pk)}, format="json"
    )
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"

    response = lead_api.post(
        case_url(case, "assign"), {"reviewer": str(reviewer.pk)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == str(reviewer.pk)

    case_editor_add(case=case, user=(editor := UserFactory(role=Role.REVIEWER)))
    response = lead_api.post(case_url(case, "assign"), {"reviewer": str(editor.pk)}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "four_eyes_own_entry"


# --- the case screen -----------------------------------------------------------------------------


def test_the_case_screen_shows_everything_and_the_declared_data_masked(storage_dir):
    case = case_in_review()
    document = case_document(case=case)
    number = case.customer.individual.document_number
    _user, api = reviewer_api()

    response = api.get(case_url(case))

    assert response.status_code == 200
    assert number not in response.content.decode()
    body = response.json()
    assert body["individual"]["document_number"] == mask_id_number(number)
    assert body["state"] == "document_review"
    assert body["risk_level"] == "medium"
    assert body["route"] == "standard"
    assert body["approvals_needed"] == 1
    assert body["risk_factors"], "the factors that made the risk level"
    assert {"code", "points", "explanation"} <= set(body["risk_factors"][0])
    assert body["sla_due_at"]
    [shown] = body["documents"]
    assert shown["id"] == str(document.pk)
    assert shown["status"] == "received"
    assert shown["file_url"] == reverse("verification:document-file", args=[document.pk])
    assert shown["thumbnail_url"] == reverse("verification:document-thumbnail", args=[document.pk])
    assert "claim" in body["allowed_actions"]
    assert "approve" not in body["allowed_actions"]  # the document is not decided yet


def test_the_file_links_of_the_case_screen_work_with_the_same_session(storage_dir):
    case = case_in_review()
    case_document(case=case)
    _user, api = reviewer_api()

    file_url = api.get(case_url(case)).json()["documents"][0]["file_url"]
    response = api.get(file_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_an_enterprise_case_shows_its_owners_masked():
    case = case_in_review(enterprise=True)
    _user, api = reviewer_api()

    body = api.get(case_url(case)).json()

    assert body["individual"] is None
    owner_number = case.customer.enterprise.beneficial_owners.get().document_number
    assert body["enterprise"]["beneficial_owners"][0]["document_number"] == mask_id_number(
        owner_number
    )
    assert owner_number not in str(body)


def test_an_unknown_case_is_404():
    _user, api = reviewer_api()

    response = api.get(reverse("v1:review-case", args=["0f7f6c2e-3f0b-4d5e-8f1a-9c2b7d6e5a41"]))

    assert response.status_code == 404
    assert error_of(response)["code"] == "case_not_found"


def test_every_reveal_is_audited_with_the_field_name_only():
    case = case_in_review()
    number = case.customer.individual.document_number
    user, api = reviewer_api()

    for _ in range(2):
        response = api.post(case_url(case, "reveal"), {"field": "document_number"}, format="json")
        assert response.status_code == 200
        assert response.json() == {"field": "document_number", "value": number}

    entries = AuditEntry.objects.filter(action=AuditAction.DATA_REVEAL, actor=user)
    assert entries.count() == 2
    assert all(entry.details == {"field": "document_number"} for entry in entries)
    assert {entry.target_id for entry in entries} == {str(case.pk)}
    assert number not in str(list(entries.values_list("details", flat=True)))


def test_enterprise_values_are_revealed_by_their_path():
    case = case_in_review(enterprise=True)
    enterprise = case.customer.enterprise
    _user, api = reviewer_api()

    def reveal(field):
        return api.post(case_url(case, "reveal"), {"field": field}, format="json")

    assert reveal("credit_code").json()["value"] == enterprise.credit_code
    assert (
        reveal("legal_representative.document_number").json()["value"]
        == enterprise.legal_representative.document_number
    )
    assert (
        reveal("beneficial_owners.0.document_number").json()["value"]
        == enterprise.beneficial_owners.get().document_number
    )
    for field in ("beneficial_owners.5.document_number", "legal_name", "mobile", "__class__"):
        response = reveal(field)
        assert response.status_code == 400, field
        assert error_of(response)["fields"]["field"][0]["code"] == "not_revealable"
    assert AuditEntry.objects.filter(action=AuditAction.DATA_REVEAL).count() == 3


# --- decisions ------------------------------------------------------------------------------------


def test_documents_are_decided_then_the_case_is_approved_and_registered(storage_dir):
    case = case_in_review()
    document = case_document(case=case)
    _user, api = reviewer_api()

    early = api.post(case_url(case, "approve"), {}, format="json")
    assert early.status_code == 409
    assert error_of(early)["code"] == "documents_undecided"

    decision = api.post(
        reverse("v1:review-document-decision", args=[document.pk]),
        {"accepted": True},
        format="json",
    )
    assert decision.status_code == 200
    assert decision.json()["status"] == "accepted"
    assert "approve" in api.get(case_url(case)).json()["allowed_actions"]

    response = api.post(
        case_url(case, "approve"), {"expected_state": "document_review"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == CaseState.REGISTERED
    assert response.json()["customer_number"].startswith("C")


def test_a_document_rejection_needs_a_reason(storage_dir):
    case = case_in_review()
    document = case_document(case=case)
    _user, api = reviewer_api()
    url = reverse("v1:review-document-decision", args=[document.pk])

    response = api.post(url, {"accepted": False}, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "reason_required"

    response = api.post(url, {"accepted": False, "reason": "unreadable"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["reason_label"] == "Unreadable or blurred"

    missing = reverse("v1:review-document-decision", args=["7a1c9e3b-2d4f-4b6a-8c0e-1f2a3b4c5d6e"])
    assert error_of(api.post(missing, {"accepted": True}, format="json"))["code"] == (
        "document_not_found"
    )


def test_a_case_is_rejected_with_a_reason():
    case = case_in_review()
    _user, api = reviewer_api()

    response = api.post(case_url(case, "reject"), {"reason": "other"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "note_required"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW

    response = api.post(
        case_url(case, "reject"),
        {
            "reason": "data_mismatch",
            "note": "Birth date differs.",
            "expected_state": "document_review",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CaseState.REJECTED
    assert body["decision_reason"] == "data_mismatch"
    assert body["allowed_actions"] == ["reveal"]


def test_a_reviewer_asks_for_more_information():
    case = case_in_review()
    user, api = reviewer_api()

    response = api.post(
        case_url(case, "request-information"),
        {"message": "The back of the card is blurred.", "document_kinds": ["id_card_back"]},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CaseState.NEEDS_MORE_INFORMATION
    [request] = body["information_requests"]
    assert request["message"] == "The back of the card is blurred."
    assert request["document_kinds"] == ["id_card_back"]
    assert request["requested_by"]["id"] == str(user.pk)
    assert request["answered_at"] is None

    empty = api.post(
        case_url(case_in_review(), "request-information"), {"message": " "}, format="json"
    )
    assert error_of(empty)["code"] == "message_required"


def test_sending_to_a_check_and_escalating(storage_dir):
    case = decided_case(storage_dir)
    _user, api = reviewer_api()

    response = api.post(case_url(case, "send-to-check"), {"check": "biometric"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == CaseState.BIOMETRIC_CHECK

    assert (
        error_of(api.post(case_url(case, "escalate"), {"note": ""}, format="json"))["code"]
        == "note_required"
    )
    response = api.post(case_url(case, "escalate"), {"note": "Photo looks edited."}, format="json")
    assert response.status_code == 200
    assert response.json()["escalated"] is True

    # Only a senior reviewer or compliance officer decides it now.
    response = api.post(case_url(case, "reject"), {"reason": "forged_document"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "escalated"
    _senior, senior_api = reviewer_api(Role.COMPLIANCE_OFFICER)
    response = senior_api.post(
        case_url(case, "reject"), {"reason": "forged_document"}, format="json"
    )
    assert response.json()["state"] == CaseState.REJECTED


# --- conflicts ------------------------------------------------------------------------------------


def test_a_stale_expected_state_is_a_conflict_and_nothing_changes(storage_dir):
    case = decided_case(storage_dir)
    _user, api = reviewer_api()

    for action, body in (
        ("approve", {}),
        ("reject", {"reason": "data_mismatch"}),
        ("request-information", {"message": "More please."}),
        ("send-to-check", {"check": "background"}),
        ("claim", {}),
        ("escalate", {"note": "Why not."}),
    ):
        response = api.post(
            case_url(case, action), {**body, "expected_state": "biometric_check"}, format="json"
        )
        assert response.status_code == 409, action
        assert error_of(response)["code"] == "case_changed"

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == CaseState.DOCUMENT_REVIEW
    assert fresh.assigned_to is None
    assert fresh.escalated is False
    assert not CaseApproval.objects.filter(case=case).exists()


def test_an_action_not_allowed_in_the_current_state_is_a_clear_409():
    case = case_in_review()
    _user, api = reviewer_api()
    api.post(case_url(case, "reject"), {"reason": "data_mismatch"}, format="json")

    response = api.post(
        case_url(case, "request-information"), {"message": "More please."}, format="json"
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "transition_not_allowed"
    assert "Rejected" in error_of(response)["message"]
    assert state_of(case) == CaseState.REJECTED


def test_a_reviewer_cannot_decide_a_case_another_reviewer_holds(storage_dir):
    case = decided_case(storage_dir)
    holder = UserFactory(role=Role.REVIEWER)
    case_claim(case_id=case.pk, reviewer=holder)
    _other, api = reviewer_api()

    response = api.post(case_url(case, "approve"), {}, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "case_held_by_other"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW
    assert api.get(case_url(case)).json()["allowed_actions"] == ["reveal"]


# --- four eyes ------------------------------------------------------------------------------------


def test_nobody_approves_a_case_they_entered(storage_dir):
    case = decided_case(storage_dir)
    user, api = reviewer_api()
    case_editor_add(case=case, user=user)

    assert "approve" not in api.get(case_url(case)).json()["allowed_actions"]
    response = api.post(case_url(case, "approve"), {}, format="json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "four_eyes_own_entry"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW


def test_a_high_risk_case_needs_two_approvals_the_second_by_a_senior(storage_dir):
    case = decided_case(storage_dir, risk_level=RiskLevel.HIGH)
    first, first_api = reviewer_api()
    _second, second_api = reviewer_api()
    _senior, senior_api = reviewer_api(Role.SENIOR_REVIEWER)

    response = first_api.post(case_url(case, "approve"), {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CaseState.DOCUMENT_REVIEW
    assert body["approvals_needed"] == 2
    assert [approval["approver"]["id"] for approval in body["approvals"]] == [str(first.pk)]

    again = first_api.post(case_url(case, "approve"), {}, format="json")
    assert again.status_code == 403
    assert error_of(again)["code"] == "four_eyes_same_reviewer"

    assert "approve" not in second_api.get(case_url(case)).json()["allowed_actions"]
    junior = second_api.post(case_url(case, "approve"), {}, format="json")
    assert junior.status_code == 403
    assert error_of(junior)["code"] == "four_eyes_senior_required"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW

    assert "approve" in senior_api.get(case_url(case)).json()["allowed_actions"]
    final = senior_api.post(case_url(case, "approve"), {}, format="json")
    assert final.status_code == 200
    assert final.json()["state"] == CaseState.REGISTERED
    assert len(final.json()["approvals"]) == 2


def test_the_second_approval_is_not_offered_to_the_first_approver_in_the_queue(storage_dir):
    case = decided_case(storage_dir, risk_level=RiskLevel.HIGH)
    _first, first_api = reviewer_api()
    first_api.post(case_url(case, "approve"), {}, format="json")

    assert first_api.get(QUEUE).json()["results"] == []
    assert first_api.post(CLAIM_NEXT, {}, format="json").json() == {"case": None}


def test_unknown_fields_in_an_action_are_refused():
    case = case_in_review()
    _user, api = reviewer_api()

    response = api.post(
        case_url(case, "approve"), {"expected_stat": "document_review"}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"]["expected_stat"][0]["code"] == "unknown_field"
    assert state_of(case) == CaseState.DOCUMENT_REVIEW


def test_document_kinds_must_be_known():
    case = case_in_review()
    _user, api = reviewer_api()

    response = api.post(
        case_url(case, "request-information"),
        {"message": "Please.", "document_kinds": ["tax_return"]},
        format="json",
    )

    assert response.status_code == 400
    assert "document_kinds.0" in error_of(response)["fields"]
    assert state_of(case) == CaseState.DOCUMENT_REVIEW
