"""Writes of the review that do not change a case's state: who holds a case, escalation,
decisions on single documents. State changes are in ``verification.workflow``."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kyc_portal.accounts.roles import user_has_role
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from verification.enums import REVIEW_STATES, DocumentRejectionReason
from verification.models import Case, CaseAssignment, Document, DocumentStatus
from verification.models.case import REVIEWER_ROLES, SECOND_APPROVER_ROLES
from verification.models.review import ReviewOutcome
from verification.selectors import ANY, QueueFilters, review_queue_cases
from verification.workflow import case_assignment_close, case_check_reviewer, case_lock

# Team leads hand cases to reviewers.
TEAM_LEAD_ROLES = SECOND_APPROVER_ROLES


def _hold(*, case: Case, reviewer, assigned_by=None) -> None:
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(assigned_to=reviewer, assigned_at=now)
    case.assigned_to, case.assigned_at = reviewer, now
    CaseAssignment.objects.create(
        case=case, reviewer=reviewer, assigned_by=assigned_by, started_at=now
    )


def case_claim_next(
    *, reviewer, filters: QueueFilters = ANY, request: HttpRequest | None = None
) -> Case | None:
    """Give ``reviewer`` the unclaimed case with the soonest deadline, or None.

    Rows another reviewer is claiming at this moment are skipped (``SKIP LOCKED``), so two
    reviewers pressing "next" together get two different cases and nobody waits.
    """
    if not user_has_role(reviewer, *REVIEWER_ROLES):
        raise NotAllowedError(_("Only reviewers take cases from the queue."), code="not_reviewer")
    with transaction.atomic():
        case = (
            review_queue_cases(reviewer=reviewer, filters=filters)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if case is None:
            return None
        _hold(case=case, reviewer=reviewer)
        audit_record(action="case.claimed", actor=reviewer, request=request, target=case)
    return case


def case_claim(
    *,
    case_id,
    reviewer,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """``reviewer`` takes one particular case from the queue."""
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, reviewer)
        if case.state not in REVIEW_STATES:
            raise ConflictError(_("This case is not waiting for a review."), code="not_in_review")
        if case.assigned_to_id != reviewer.pk:
            _hold(case=case, reviewer=reviewer)
            audit_record(action="case.claimed", actor=reviewer, request=request, target=case)
    return case


def case_assign(
    *,
    case_id,
    reviewer,
    actor,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """A team lead gives a case to a reviewer (taking it from whoever held it)."""
    if not user_has_role(actor, *TEAM_LEAD_ROLES):
        raise NotAllowedError(
            _("Only a senior reviewer or compliance officer assigns cases."),
            code="permission_denied",
        )
    if not user_has_role(reviewer, *REVIEWER_ROLES):
        raise DomainError(_("Cases can only be given to reviewers."), code="not_reviewer")
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        if case.state not in REVIEW_STATES:
            raise ConflictError(_("This case is not waiting for a review."), code="not_in_review")
        if case.editors.filter(pk=reviewer.pk).exists():
            raise NotAllowedError(
                _("This reviewer entered or corrected the customer's data (four eyes)."),
                code="four_eyes_own_entry",
            )
        case_assignment_close(case=case, outcome=ReviewOutcome.REASSIGNED)
        _hold(case=case, reviewer=reviewer, assigned_by=actor)
        audit_record(
            action="case.assigned",
            actor=actor,
            request=request,
            target=case,
            details={"reviewer": str(reviewer.pk)},
        )
    return case


def case_release(
    *,
    case_id,
    actor,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """Put a case back in the queue (its holder, or a team lead)."""
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        if case.assigned_to_id is None:
            return case
        if case.assigned_to_id != actor.pk and not user_has_role(actor, *TEAM_LEAD_ROLES):
            raise ConflictError(
                _("Another reviewer is working on this case."), code="case_held_by_other"
            )
        case_assignment_close(case=case, outcome=ReviewOutcome.RELEASED)
        Case.objects.filter(pk=case.pk).update(assigned_to=None, assigned_at=None)
        case.assigned_to = None
        audit_record(action="case.released", actor=actor, request=request, target=case)
    return case


def case_escalate(
    *,
    case_id,
    actor,
    note: str,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """Hand a case to the senior reviewers and compliance officers, with the reason."""
    if not note.strip():
        raise DomainError(
            _("Say why you escalate the case, for the senior reviewer."), code="note_required"
        )
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, actor)
        if case.state not in REVIEW_STATES:
            raise ConflictError(_("This case is not waiting for a review."), code="not_in_review")
        case_assignment_close(case=case, outcome=ReviewOutcome.ESCALATED)
        # The note may quote the customer's data: it stays on the case, not in the trail.
        case.escalated, case.assigned_to, case.assigned_at = True, None, None
        case.decision_note = note.strip()
        case.save(
            update_fields=["escalated", "assigned_to", "assigned_at", "decision_note", "updated_at"]
        )
        audit_record(action="case.escalated", actor=actor, request=request, target=case)
    return case


def document_decide(
    *,
    document_id,
    actor,
    accepted: bool,
    reason: str = "",
    note: str = "",
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Document:
    """A reviewer accepts or rejects one document of a case under review."""
    if not accepted and reason not in DocumentRejectionReason.values:
        raise DomainError(_("Choose why the document is rejected."), code="reason_required")
    if not accepted and reason == DocumentRejectionReason.OTHER and not note.strip():
        raise DomainError(
            _("Explain the rejection in the note when the reason is “other”."),
            code="note_required",
        )
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.case_id is None:
            raise ConflictError(
                _("This document does not belong to a case under review."),
                code="not_in_review",
            )
        case = case_lock(document.case_id, expected_state)
        case_check_reviewer(case, actor)
        if case.state not in REVIEW_STATES:
            raise ConflictError(_("This case is not waiting for a review."), code="not_in_review")
        document.status = DocumentStatus.ACCEPTED if accepted else DocumentStatus.REJECTED
        document.reason_code = "" if accepted else reason
        document.review_note = note.strip()
        document.save(update_fields=["status", "reason_code", "review_note"])
        audit_record(
            action="document.accepted" if accepted else "document.rejected",
            actor=actor,
            request=request,
            target=document,
            details={"reason": document.reason_code} if not accepted else None,
        )
    return document
