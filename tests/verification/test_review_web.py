"""The review queue and the case screen, as a reviewer uses them in the browser."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.enums import Channel, CustomerKind
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from tests.factories.accounts import StoreFactory, UserFactory
from tests.factories.verification import case_document, case_in_review
from verification import workflow
from verification.enums import CaseState, DocumentRejectionReason, RejectionReason
from verification.models import Case, DocumentKind, DocumentStatus, InformationRequest

pytestmark = pytest.mark.django_db

QUEUE = reverse("verification:review-queue")
CLAIM_NEXT = reverse("verification:review-claim-next")
CUSTOMER_NUMBER = re.compile(r"C\d{4}\d{6}")


def case_url(case) -> str:
    return reverse("verification:review-case", kwargs={"case_id": case.pk})


def action_url(case, action: str) -> str:
    return reverse("verification:review-case-action", kwargs={"case_id": case.pk, "action": action})


def act(client, case, action: str, *, expected_state: str | None = None, **fields):
    data = {f"{action}-expected_state": expected_state or case.state}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(action_url(case, action), data)


def decide(client, case, document, decision: str, **fields):
    prefix = f"doc-{document.pk}"
    data = {f"{prefix}-expected_state": case.state, f"{prefix}-decision": decision}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    url = reverse(
        "verification:review-document-decide",
        kwargs={"case_id": case.pk, "document_id": document.pk},
    )
    return client.post(url, data)


def reveal(client, case, field: str):
    return client.post(
        reverse("verification:review-case-reveal", kwargs={"case_id": case.pk}), {"field": field}
    )


def due_in(case, hours: float) -> Case:
    Case.objects.filter(pk=case.pk).update(
        sla_due_at=timezone.now() + datetime.timedelta(hours=hours)
    )
    case.refresh_from_db()
    return case


def queue_ids(response) -> list:
    return [row.case.pk for row in response.context["queue_rows"]]


def page_text(response) -> str:
    return response.content.decode()


def as_user(client, role: Role, **attributes):
    user = UserFactory(role=role, **attributes)
    client.force_login(user)
    return user


@pytest.fixture
def reviewer(client):
    return as_user(client, Role.REVIEWER)


# -- the queue ---------------------------------------------------------------------------


def test_the_queue_lists_waiting_cases_soonest_deadline_first(client, reviewer):
    later = due_in(case_in_review(), 30)
    sooner = due_in(case_in_review(), 2)
    overdue = due_in(case_in_review(), -1)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert queue_ids(response) == [overdue.pk, sooner.pk, later.pk]
    text = page_text(response)
    assert "overdue by 1 h" in text or "overdue by 60 min" in text
    assert "due in 1 h 59 min" in text
    assert "due in 1 d 5 h" in text


def test_filters_narrow_the_queue(client, reviewer):
    store = StoreFactory()
    web_medium = case_in_review(risk_level=RiskLevel.MEDIUM)
    app_high = case_in_review(risk_level=RiskLevel.HIGH, channel=Channel.API)
    enterprise = case_in_review(enterprise=True)
    Case.objects.filter(pk=enterprise.pk).update(store=store)

    def ids(**params):
        return set(queue_ids(client.get(QUEUE, params)))

    assert ids() == {web_medium.pk, app_high.pk, enterprise.pk}
    assert ids(risk_level=RiskLevel.HIGH) == {app_high.pk}
    assert ids(channel=Channel.API) == {app_high.pk}
    assert ids(customer_kind=CustomerKind.ENTERPRISE) == {enterprise.pk}
    assert ids(store=store.pk) == {enterprise.pk}
    assert ids(channel=Channel.WEB, risk_level=RiskLevel.HIGH) == set()
    # A value that is no choice is ignored rather than hiding the queue.
    assert ids(risk_level="extreme") == {web_medium.pk, app_high.pk, enterprise.pk}


def test_the_queue_pages_by_cursor_without_losing_or_repeating_a_case(
    client, reviewer, monkeypatch
):
    monkeypatch.setattr("verification.views.queue.PAGE_SIZE", 2)
    cases = [due_in(case_in_review(), hours) for hours in (5, 1, 4, 2, 3)]
    expected = [case.pk for case in sorted(cases, key=lambda case: case.sla_due_at)]

    seen, url, pages = [], QUEUE + "?risk_level=medium", 0
    while url:
        response = client.get(url)
        seen += queue_ids(response)
        url = response.context["next_url"]
        pages += 1
        if url:
            assert "risk_level=medium" in url  # the filters travel with the cursor

    assert seen == expected
    assert pages == 3
    assert "Next page" not in page_text(response)


def test_a_damaged_page_link_shows_a_clear_message_and_the_first_page(client, reviewer):
    case = case_in_review()

    response = client.get(QUEUE, {"after": "not-a-cursor!"})

    assert response.status_code == 200
    assert "This page link is damaged" in page_text(response)
    assert queue_ids(response) == [case.pk]


def test_take_the_next_case_gives_two_reviewers_two_different_cases(client):
    first = due_in(case_in_review(), 1)
    second = due_in(case_in_review(), 2)
    alice = as_user(client, Role.REVIEWER)
    response_alice = client.post(CLAIM_NEXT)
    bob = as_user(client, Role.REVIEWER)
    response_bob = client.post(CLAIM_NEXT)

    assert response_alice.url == case_url(first)
    assert response_bob.url == case_url(second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assigned_to, second.assigned_to) == (alice, bob)

    response = client.post(CLAIM_NEXT, follow=True)
    assert "No case is waiting that you may take" in page_text(response)


def test_take_the_next_case_keeps_the_filters(client, reviewer):
    due_in(case_in_review(risk_level=RiskLevel.MEDIUM), 1)
    high = due_in(case_in_review(risk_level=RiskLevel.HIGH), 5)

    response = client.post(CLAIM_NEXT, {"risk_level": RiskLevel.HIGH})

    assert response.url == case_url(high)


def test_a_claimed_case_is_under_my_cases_and_no_longer_in_the_queue(client, reviewer):
    case = case_in_review()
    client.post(CLAIM_NEXT)

    response = client.get(QUEUE)

    assert [row.case.pk for row in response.context["my_rows"]] == [case.pk]
    assert queue_ids(response) == []
    assert "You hold no case" not in page_text(response)


def test_the_queue_shows_path_badges_and_the_second_approval(client):
    sample = case_in_review(risk_level=RiskLevel.LOW, quality_sample=True)
    high = case_in_review(risk_level=RiskLevel.HIGH)
    as_user(client, Role.REVIEWER)
    act(client, high, "approve")  # the first of two approvals
    as_user(client, Role.SENIOR_REVIEWER)

    response = client.get(QUEUE)

    rows = {row.case.pk: row for row in response.context["queue_rows"]}
    assert rows[high.pk].waiting_for_second_approval
    assert not rows[sample.pk].waiting_for_second_approval
    text = page_text(response)
    assert "Waiting for 2nd approval" in text
    assert "QC sample" in text
    assert "Fast track" in text and "Enhanced" in text


def test_the_queue_page_queries_do_not_grow_with_its_rows(client, reviewer):
    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    held = case_in_review(enterprise=True)
    Case.objects.filter(pk=held.pk).update(assigned_to=reviewer)
    case_in_review()
    one_row = queries_for_queue()
    for _ in range(4):
        case_in_review(enterprise=True)
    held_too = case_in_review()
    Case.objects.filter(pk=held_too.pk).update(assigned_to=reviewer)

    assert queries_for_queue() == one_row


# -- who may see the pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.CUSTOMER, Role.STORE_STAFF, Role.ADMINISTRATOR], ids=lambda role: role.value
)
def test_other_roles_are_refused(client, role):
    case = case_in_review()
    as_user(client, role)

    assert client.get(QUEUE).status_code == 403
    assert client.get(case_url(case)).status_code == 403
    assert client.post(CLAIM_NEXT).status_code == 403
    assert act(client, case, "approve").status_code == 403
    assert reveal(client, case, "individual.document_number").status_code == 403


def test_visitors_are_sent_to_log_in(client):
    case = case_in_review()

    response = client.get(case_url(case))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER])
def test_senior_reviewers_and_compliance_officers_work_the_queue_too(client, role):
    case = case_in_review()
    as_user(client, role)

    assert queue_ids(client.get(QUEUE)) == [case.pk]
    assert client.get(case_url(case)).status_code == 200


def test_an_unknown_case_is_not_found(client, reviewer):
    import uuid

    missing = reverse("verification:review-case", kwargs={"case_id": uuid.uuid4()})

    assert client.get(missing).status_code == 404


# -- masked data and the audited reveal --------------------------------------------------


def test_declared_data_is_masked_on_the_queue_and_the_case_screen(client, reviewer):
    case = case_in_review()
    individual = case.customer.individual

    for response in (client.get(QUEUE), client.get(case_url(case))):
        text = page_text(response)
        assert individual.document_number not in text
        assert individual.full_name not in text
        assert individual.mobile not in text
        assert individual.email not in text
        assert individual.street not in text
    text = page_text(client.get(case_url(case)))
    assert individual.document_number[:6] + "********" + individual.document_number[-4:] in text
    assert "王**" in text


def test_show_reveals_one_value_and_writes_the_audit_trail(client, reviewer):
    case = case_in_review()
    number = case.customer.individual.document_number

    response = reveal(client, case, "individual.document_number")

    assert response.status_code == 200
    assert number in page_text(response)
    assert case.customer.individual.mobile not in page_text(response)  # only the one asked
    entry = AuditEntry.objects.get(action="data.reveal")
    assert (entry.actor, entry.target_id) == (reviewer, str(case.pk))
    assert entry.details == {"field": "individual.document_number"}
    assert number not in str(entry.details)
    # Every look is recorded, and the next page shows the value masked again.
    reveal(client, case, "individual.document_number")
    assert AuditEntry.objects.filter(action="data.reveal").count() == 2
    later_page = page_text(client.get(case_url(case)))
    assert number not in later_page
    assert "Revealed a masked value: Document number" in later_page  # the case's trail


def test_an_enterprise_owners_number_can_be_revealed(client, reviewer):
    case = case_in_review(enterprise=True)
    owner = case.customer.enterprise.beneficial_owners.get()
    text = page_text(client.get(case_url(case)))
    assert owner.document_number not in text

    response = reveal(client, case, f"owner.{owner.pk}.document_number")

    assert owner.document_number in page_text(response)


def test_a_field_that_is_not_offered_cannot_be_revealed(client, reviewer):
    case = case_in_review()

    assert reveal(client, case, "individual.password").status_code == 404
    assert not AuditEntry.objects.filter(action="data.reveal").exists()


# -- the case screen ---------------------------------------------------------------------


def test_the_case_screen_shows_documents_risk_rules_checks_and_history(
    client, reviewer, storage_dir
):
    case = case_in_review()
    document = case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    Case.objects.filter(pk=case.pk).update(
        fast_track_rules={
            "policy_version": 1,
            "passed": False,
            "rules": [{"rule": "low_risk", "passed": False, "reason": "", "level": "medium"}],
        }
    )

    response = client.get(case_url(case))

    text = page_text(response)
    file_url = reverse("verification:document-file", kwargs={"document_id": document.pk})
    assert f'src="{file_url}"' in text
    # Written from the recorded codes in the reader's language.
    assert "this case is rated “Medium risk”" in text
    assert "SHA-256 of the uploaded file recorded: " + document.original_sha256[:16] in text
    assert "Rebuilt from its pixels" in text
    assert "Score " in text  # the risk assessment made when the case was confirmed
    for factor in response.context["risk"].factor_explanations():
        assert factor.explanation in text
    assert "Changed state" in text  # the audit trail of the case


def test_a_case_without_documents_says_no_check_has_run(client, reviewer):
    case = case_in_review()

    text = page_text(client.get(case_url(case)))

    assert "No automatic checks have run on this case yet." in text


# -- decisions -----------------------------------------------------------------------------


def test_a_medium_risk_case_is_approved_after_its_documents_are_accepted(
    client, reviewer, storage_dir
):
    case = case_in_review(risk_level=RiskLevel.MEDIUM)
    front = case_document(case=case, kind=DocumentKind.ID_CARD_FRONT)
    back = case_document(case=case, kind=DocumentKind.ID_CARD_BACK)
    act(client, case, "claim")

    refused = act(client, case, "approve")
    assert refused.status_code == 409
    assert "Accept or reject every document of the case first." in page_text(refused)

    for document in (front, back):
        response = decide(client, case, document, "accept")
        assert response.status_code == 302
        assert response.url.endswith(f"#document-{document.pk}")
    response = act(client, case, "approve")

    assert response.url == QUEUE
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    number = case.customer.customer_number
    assert CUSTOMER_NUMBER.fullmatch(number)
    assert number in page_text(client.get(QUEUE))  # the success message names it


def test_a_high_risk_case_needs_a_senior_reviewer_for_the_second_approval(client):
    case = case_in_review(risk_level=RiskLevel.HIGH)
    as_user(client, Role.REVIEWER)
    first = act(client, case, "approve")
    assert first.url == QUEUE
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW
    assert case.approvals.count() == 1
    assert "waits for the second approval" in page_text(client.get(QUEUE))

    as_user(client, Role.REVIEWER)
    refused = act(client, case, "approve")
    assert refused.status_code == 403
    assert "must come from a senior reviewer or a compliance officer" in page_text(refused)
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW

    as_user(client, Role.SENIOR_REVIEWER)
    act(client, case, "approve")
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert CUSTOMER_NUMBER.fullmatch(case.customer.customer_number)


def test_rejecting_a_case_needs_a_reason(client, reviewer):
    case = case_in_review()

    response = act(client, case, "reject", reason="", note="看不清")

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert "看不清" in page_text(response)  # what was typed is kept
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW

    response = act(client, case, "reject", reason=RejectionReason.FORGED_DOCUMENT)
    assert response.url == QUEUE
    case.refresh_from_db()
    assert (case.state, case.decision_reason) == (
        CaseState.REJECTED,
        RejectionReason.FORGED_DOCUMENT,
    )


def test_a_domain_error_is_shown_and_the_form_keeps_what_was_typed(client, reviewer):
    case = case_in_review()

    response = act(client, case, "reject", reason=RejectionReason.OTHER, note="   ")

    assert response.status_code == 400
    assert "Explain the rejection in the note" in page_text(response)
    assert response.context["open_action"] == "reject"
    assert response.context["forms"]["reject"]["reason"].value() == RejectionReason.OTHER


def test_acting_on_a_case_someone_else_moved_gives_a_conflict_and_changes_nothing(client, reviewer):
    case = case_in_review()
    seen = case.state
    other = UserFactory(role=Role.REVIEWER)
    workflow.case_request_information(case_id=case.pk, actor=other, message="请补充身份证背面")

    response = act(
        client,
        case,
        "reject",
        expected_state=seen,
        reason=RejectionReason.DATA_MISMATCH,
        note="地址不一致",
    )

    assert response.status_code == 409
    text = page_text(response)
    assert "Someone else has just changed this case" in text
    assert "地址不一致" in text
    # The re-shown form carries the state now on screen, so sending it again is deliberate.
    assert response.context["forms"]["reject"]["expected_state"].value() == (
        CaseState.NEEDS_MORE_INFORMATION
    )
    case.refresh_from_db()
    assert case.state == CaseState.NEEDS_MORE_INFORMATION


def test_a_case_held_by_another_reviewer_cannot_be_taken_or_decided(client):
    case = case_in_review()
    as_user(client, Role.REVIEWER)
    act(client, case, "claim")
    as_user(client, Role.REVIEWER)

    page = client.get(case_url(case))
    assert "is working on this case" in page_text(page)
    assert not page.context["may_act"]
    refused = act(client, case, "claim")
    assert refused.status_code == 409
    assert "Another reviewer is working on this case." in page_text(refused)


def test_claim_and_release(client, reviewer):
    case = case_in_review()

    assert act(client, case, "claim").url == case_url(case)
    case.refresh_from_db()
    assert case.assigned_to == reviewer

    assert act(client, case, "release").url == QUEUE
    case.refresh_from_db()
    assert case.assigned_to is None


def test_a_stale_claim_is_refused(client, reviewer):
    case = case_in_review()

    response = act(client, case, "claim", expected_state=CaseState.AWAITING_CONFIRMATION)

    assert response.status_code == 409
    case.refresh_from_db()
    assert case.assigned_to is None


def test_request_more_information_sends_the_case_back_with_the_documents_asked_for(
    client, reviewer
):
    case = case_in_review()

    response = client.post(
        action_url(case, "request_information"),
        {
            "request_information-expected_state": case.state,
            "request_information-message": "请重新上传清晰的身份证背面照片。",
            "request_information-document_kinds": [DocumentKind.ID_CARD_BACK],
        },
    )

    assert response.url == QUEUE
    case.refresh_from_db()
    assert case.state == CaseState.NEEDS_MORE_INFORMATION
    request = InformationRequest.objects.get(case=case)
    assert request.document_kinds == [DocumentKind.ID_CARD_BACK]
    text = page_text(client.get(case_url(case)))
    assert "请重新上传清晰的身份证背面照片。" in text
    assert "Not answered yet" in text


def test_send_to_the_background_check(client, reviewer):
    case = case_in_review(risk_level=RiskLevel.HIGH)

    response = act(client, case, "send_to_check", check="background")

    assert response.url == case_url(case)
    case.refresh_from_db()
    assert case.state == CaseState.BACKGROUND_CHECK


def test_an_escalated_case_leaves_the_reviewers_queue_for_the_seniors(client, reviewer):
    case = case_in_review()

    missing_note = act(client, case, "escalate", note="")
    assert "This field is required." in page_text(missing_note)
    response = act(client, case, "escalate", note="证件照片疑似翻拍")

    assert response.url == QUEUE
    assert queue_ids(client.get(QUEUE)) == []
    assert not client.get(case_url(case)).context["may_act"]  # not theirs to decide now
    as_user(client, Role.SENIOR_REVIEWER)
    senior_queue = client.get(QUEUE)
    assert queue_ids(senior_queue) == [case.pk]
    assert "Escalated" in page_text(senior_queue)
    assert "证件照片疑似翻拍" in page_text(client.get(case_url(case)))


def test_a_team_lead_gives_a_case_to_a_reviewer(client):
    case = case_in_review()
    reviewer = UserFactory(role=Role.REVIEWER, first_name="芳", last_name="赵")
    as_user(client, Role.REVIEWER)
    assert "Give to a reviewer" not in page_text(client.get(case_url(case)))
    assert act(client, case, "assign", reviewer=reviewer.pk).status_code == 403

    as_user(client, Role.SENIOR_REVIEWER)
    response = act(client, case, "assign", reviewer=reviewer.pk)

    assert response.url == case_url(case)
    case.refresh_from_db()
    assert case.assigned_to == reviewer
    assert "The case is given to 赵芳." in page_text(client.get(case_url(case)))


def test_documents_are_accepted_or_rejected_with_a_reason(client, reviewer, storage_dir):
    case = case_in_review()
    document = case_document(case=case)

    no_reason = decide(client, case, document, "reject", reason="", note="")
    assert no_reason.status_code == 400
    assert "Choose why the document is rejected." in page_text(no_reason)
    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED

    decide(client, case, document, "reject", reason=DocumentRejectionReason.UNREADABLE, note="反光")
    document.refresh_from_db()
    assert (document.status, document.reason_code, document.review_note) == (
        DocumentStatus.REJECTED,
        DocumentRejectionReason.UNREADABLE,
        "反光",
    )
    assert "Rejected: Unreadable or blurred" in page_text(client.get(case_url(case)))


def test_a_document_of_another_case_is_not_found(client, reviewer, storage_dir):
    case = case_in_review()
    other_document = case_document(case=case_in_review())

    assert decide(client, case, other_document, "accept").status_code == 404


def test_a_case_waiting_for_the_customer_can_be_rejected_for_no_response(client, reviewer):
    case = case_in_review()
    workflow.case_request_information(case_id=case.pk, actor=reviewer, message="请补充材料")
    case.refresh_from_db()
    page = page_text(client.get(case_url(case)))
    assert "If they never do, you can reject it." in page
    assert "Approve" not in page

    act(client, case, "reject", reason=RejectionReason.NO_RESPONSE)

    case.refresh_from_db()
    assert (case.state, case.decision_reason) == (CaseState.REJECTED, RejectionReason.NO_RESPONSE)
