"""The Django admin shows cases read-only with their history; its action buttons run the
workflow (same checks as the review screen); policies are edited, and fast-track policies
are versioned rather than changed."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_sync_admin_access
from kyc_portal.audit.models import AuditEntry
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from verification.enums import CaseState, RejectionReason
from verification.models import (
    Case,
    CaseApproval,
    FastTrackPolicy,
    InformationRequest,
    SlaTarget,
)

pytestmark = pytest.mark.django_db

# What administrators hold through ROLE_PERMISSIONS; granted directly here so that these
# tests do not depend on the role table.
ADMIN_PERMISSIONS = (
    "view_case",
    "view_caseapproval",
    "view_caseassignment",
    "view_informationrequest",
    "view_slabreach",
    "view_slatarget",
    "change_slatarget",
    "add_slatarget",
    "view_fasttrackpolicy",
    "change_fasttrackpolicy",
    "add_fasttrackpolicy",
)


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="verification", codename__in=codenames)
    )
    # Permissions are cached on the user object.
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


@pytest.fixture
def administrator():
    return grant(UserFactory(role=Role.ADMINISTRATOR), *ADMIN_PERMISSIONS)


def also(user, role: Role):
    user.groups.add(Group.objects.get(name=role))
    return user_sync_admin_access(user=user)


@pytest.fixture
def reviewing_administrator():
    """Someone in both groups: the only kind of user who both enters the admin and decides."""
    user = also(UserFactory(role=Role.SENIOR_REVIEWER), Role.ADMINISTRATOR)
    return grant(user, *ADMIN_PERMISSIONS)


def change_url(case) -> str:
    return reverse("admin:verification_case_change", args=[case.pk])


def transition_url(case, name) -> str:
    return reverse(
        "admin:verification_case_transition", kwargs={"object_id": case.pk, "transition_name": name}
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def state_of(case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


# -- reading -----------------------------------------------------------------------------


def test_the_case_list_shows_state_and_routing_and_filters_by_state(client, administrator):
    in_review = case_in_review(risk_level=RiskLevel.HIGH)
    client.force_login(administrator)

    page = client.get(reverse("admin:verification_case_changelist")).content.decode()
    filtered = client.get(
        reverse("admin:verification_case_changelist"), {"state": CaseState.REGISTERED}
    ).content.decode()

    assert str(in_review.pk)[:8] in page
    assert "Document review" in page
    assert "Enhanced review" in page
    assert str(in_review.pk)[:8] not in filtered


def test_a_case_page_is_read_only_with_its_next_steps_and_audit_trail(client, administrator):
    case = case_in_review()
    client.force_login(administrator)

    response = client.get(change_url(case))
    page = response.content.decode()

    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert "Steps possible from this state" in page
    assert "Request information → More information needed" in page
    # The audit trail: the customer's confirmation moved the case into review.
    assert "Waiting for the customer&#x27;s confirmation → Document review" in page
    assert "Changed state" in page
    assert reverse("verification:review-case", kwargs={"case_id": case.pk}) in page


# -- actions -----------------------------------------------------------------------------


def test_an_administrator_who_is_not_a_reviewer_gets_no_decision_buttons(client, administrator):
    case = case_in_review()
    client.force_login(administrator)

    page = client.get(change_url(case)).content.decode()
    response = client.post(
        transition_url(case, "approve"), {"expected_state": case.state}, follow=True
    )

    assert transition_url(case, "approve") not in page
    assert "Your role does not allow this action on a case." in messages_of(response)
    assert state_of(case) == CaseState.DOCUMENT_REVIEW
    assert not CaseApproval.objects.filter(case=case).exists()


def test_a_reviewer_in_the_admin_sees_the_actions_the_state_allows(client, reviewing_administrator):
    case = case_in_review()
    client.force_login(reviewing_administrator)

    page = client.get(change_url(case)).content.decode()

    for name in (
        "approve",
        "reject",
        "request_information",
        "start_biometric_check",
        "start_background_check",
    ):
        assert transition_url(case, name) in page
    # The customer's and the portal's own steps are not offered.
    assert transition_url(case, "withdraw") not in page
    assert transition_url(case, "fast_track_approve") not in page


def test_approving_in_the_admin_runs_the_workflow(client, reviewing_administrator):
    case = case_in_review(risk_level=RiskLevel.MEDIUM)
    client.force_login(reviewing_administrator)

    response = client.post(
        transition_url(case, "approve"), {"expected_state": case.state}, follow=True
    )

    assert response.redirect_chain[-1][0] == change_url(case)
    # Approval registers the customer straight away (the workflow's follow-up).
    assert state_of(case) == CaseState.REGISTERED
    assert "Approve (four eyes): done. The case is now “Registered”." in messages_of(response)
    assert AuditEntry.objects.filter(
        action="case.transition", target_id=str(case.pk), actor=reviewing_administrator
    ).exists()


def test_a_high_risk_case_needs_a_second_approver_in_the_admin_too(client, reviewing_administrator):
    case = case_in_review(risk_level=RiskLevel.HIGH)
    client.force_login(reviewing_administrator)

    first = client.post(
        transition_url(case, "approve"), {"expected_state": case.state}, follow=True
    )
    again = client.post(
        transition_url(case, "approve"), {"expected_state": case.state}, follow=True
    )

    assert "Approve (four eyes): recorded. The case is still “Document review”." in messages_of(
        first
    )
    assert (
        "You have already approved this case: a second reviewer must approve it too."
        in messages_of(again)
    )
    assert state_of(case) == CaseState.DOCUMENT_REVIEW
    assert CaseApproval.objects.filter(case=case).count() == 1


def test_an_action_on_a_case_someone_else_just_moved_is_refused(client, reviewing_administrator):
    case = case_in_review()
    client.force_login(reviewing_administrator)

    response = client.post(
        transition_url(case, "start_background_check"),
        {"expected_state": CaseState.BIOMETRIC_CHECK},
        follow=True,
    )

    assert (
        "Someone else has just changed this case. Reload it to see its current state."
        in messages_of(response)
    )
    assert state_of(case) == CaseState.DOCUMENT_REVIEW


def test_rejecting_asks_for_the_reason_and_keeps_the_workflow_rules(
    client, reviewing_administrator
):
    case = case_in_review()
    client.force_login(reviewing_administrator)
    url = transition_url(case, "reject")

    form = client.get(url, {"expected_state": case.state})
    missing_note = client.post(
        url, {"reason": RejectionReason.OTHER, "note": " ", "expected_state": case.state}
    )
    assert state_of(case) == CaseState.DOCUMENT_REVIEW
    done = client.post(
        url,
        {"reason": RejectionReason.DATA_MISMATCH, "note": "", "expected_state": case.state},
    )

    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()
    assert (
        "Explain the rejection in the note when the reason is “other”."
        in missing_note.content.decode()
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.decision_reason) == (CaseState.REJECTED, RejectionReason.DATA_MISMATCH)


def test_requesting_information_sends_the_case_back_to_the_customer(
    client, reviewing_administrator
):
    case = case_in_review()
    client.force_login(reviewing_administrator)

    response = client.post(
        transition_url(case, "request_information"),
        {
            "message": "Please upload a sharper photo of the back of your ID card.",
            "document_kinds": ["id_card_back"],
            "expected_state": case.state,
        },
    )

    assert response.status_code == 302
    assert state_of(case) == CaseState.NEEDS_MORE_INFORMATION
    request = InformationRequest.objects.get(case=case)
    assert request.document_kinds == ["id_card_back"]
    assert request.requested_by == reviewing_administrator


def test_the_admin_has_no_back_door_around_the_workflow(client, reviewing_administrator):
    case = case_in_review()
    client.force_login(reviewing_administrator)

    # django-fsm's own button posts to the change page, which is read-only here.
    direct = client.post(change_url(case), {"_fsm_transition_to": "approve"})
    # Steps that are the customer's or the portal's are not actions of the admin.
    system_step = client.post(transition_url(case, "fast_track_approve"))
    # A button without a form acts on POST only.
    get = client.get(transition_url(case, "approve"))

    assert direct.status_code == 403
    assert system_step.status_code == 404
    assert get.status_code == 302
    assert state_of(case) == CaseState.DOCUMENT_REVIEW


# -- policies ----------------------------------------------------------------------------


def test_saving_a_fast_track_policy_adds_a_version_and_keeps_the_old_one(client, administrator):
    first = FastTrackPolicy.objects.order_by("version").first() or FastTrackPolicy.objects.create(
        version=1
    )
    client.force_login(administrator)
    url = reverse("admin:verification_fasttrackpolicy_change", args=[first.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["quality_sample_percent"] = "12.5"

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    newest = FastTrackPolicy.objects.order_by("-version").first()
    assert newest.pk != first.pk
    assert newest.version == first.version + 1
    assert newest.quality_sample_percent == Decimal("12.5")
    assert newest.created_by == administrator
    first.refresh_from_db()
    assert first.quality_sample_percent != Decimal("12.5")
    assert any("Saved as version" in message for message in messages_of(response))


def test_fast_track_policies_cannot_be_deleted(client, administrator):
    policy = FastTrackPolicy.objects.order_by("version").first() or FastTrackPolicy.objects.create(
        version=1
    )
    client.force_login(administrator)

    response = client.post(
        reverse("admin:verification_fasttrackpolicy_delete", args=[policy.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert FastTrackPolicy.objects.filter(pk=policy.pk).exists()


def test_administrators_edit_review_deadlines(client, administrator):
    target, _created = SlaTarget.objects.get_or_create(
        route="standard", channel="", defaults={"working_hours": Decimal("24")}
    )
    client.force_login(administrator)

    response = client.post(
        reverse("admin:verification_slatarget_change", args=[target.pk]),
        {"route": "standard", "channel": "", "working_hours": "16", "warn_before_hours": "2"},
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.working_hours, target.warn_before_hours) == (Decimal("16"), Decimal("2"))


@pytest.mark.parametrize(
    "model", ["slabreach", "caseassignment", "caseapproval", "informationrequest"]
)
def test_review_records_are_read_only(client, administrator, model):
    client.force_login(administrator)

    listing = client.get(reverse(f"admin:verification_{model}_changelist"))
    add = client.get(reverse(f"admin:verification_{model}_add"))

    assert listing.status_code == 200
    assert add.status_code == 403
