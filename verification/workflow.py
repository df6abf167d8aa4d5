"""The one way a case changes state: lock, check, transition, save, audit, follow up.

Nothing else sets ``Case.state`` (the field is protected, and a test forbids bulk updates
of it). ``case_transition`` is the single door; the ``case_*`` functions below are the
process's actions, each a check of who may do it plus one or more transitions. Work that
follows a transition (routing a confirmed case, registering an approved one, telling the
customer) happens in the same transaction; tasks are queued with ``transaction.on_commit``.
"""

import random
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from kyc_portal.accounts.roles import Role, user_has_role, user_role
from kyc_portal.audit.services import audit_record, audit_transition
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from risk.enums import RiskLevel
from verification.enums import CaseKind, CaseState, RejectionReason, ReviewRoute
from verification.models import (
    Case,
    CaseApproval,
    CaseAssignment,
    Document,
    DocumentStatus,
    InformationRequest,
)
from verification.models.case import SECOND_APPROVER_ROLES
from verification.models.review import ReviewOutcome
from verification.sla import sla_deadline
from verification.state_guard import allow_state_change

# The review path each risk level takes.
ROUTE_FOR_RISK = {
    RiskLevel.LOW: ReviewRoute.FAST_TRACK,
    RiskLevel.MEDIUM: ReviewRoute.STANDARD,
    RiskLevel.HIGH: ReviewRoute.ENHANCED,
}


def _authenticated(actor):
    return actor if actor is not None and actor.is_authenticated else None


def case_transition(
    *,
    case_id,
    transition: str,
    actor=None,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
    **arguments,
) -> Case:
    """Apply ``transition`` to the case, or raise a DomainError saying why not.

    ``expected_state`` is the state the actor saw; if someone else moved the case in the
    meantime, the actor gets a conflict instead of acting on a case they did not see.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("customer").get(pk=case_id)
        source = case.state
        if expected_state is not None and source != expected_state:
            raise ConflictError(
                _("Someone else has just changed this case. Reload it to see its current state."),
                code="case_changed",
            )
        method = getattr(case, transition, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise ValueError(f"{transition!r} is not a transition of Case")
        if not can_proceed(method, check_conditions=False):
            raise ConflictError(
                _("This action is not possible while the case is in the state “%(state)s”.")
                % {"state": case.get_state_display()},
                code="transition_not_allowed",
            )
        # django_fsm's has_transition_perm also tests the conditions; those come next, with
        # their own message.
        meta = method._django_fsm
        if actor is not None and not meta.has_transition_perm(case, source, actor):
            raise NotAllowedError(
                _("Your role does not allow this action on a case."), code="permission_denied"
            )
        if not can_proceed(method):
            raise ConflictError(_unmet_condition_message(case), code="conditions_not_met")
        method(at=timezone.now(), **arguments)
        case.last_changed_by = _authenticated(actor)
        allow_state_change(case.pk)
        case.save()
        audit_transition(
            actor=case.last_changed_by,
            request=request,
            target=case,
            source=source,
            target_state=case.state,
            transition=transition,
        )
        case = _follow_up(case, source=source, actor=actor, request=request)
    return case


def _unmet_condition_message(case: Case) -> str:
    if not case.documents_decided():
        return _("Accept or reject every document of the case first.")
    if not case.has_enough_approvals():
        return _("This case needs the approval of a second reviewer.")
    return _("This case does not meet the conditions for this action.")


def _follow_up(case: Case, *, source: str, actor, request) -> Case:
    """What entering a state sets off, inside the transition's transaction; returns the
    case as it is afterwards (an approved case is registered at once)."""
    from verification.notifications import case_notify_customer

    if case.state == CaseState.DOCUMENT_REVIEW:
        _enter_review(case, source=source)
    elif case.state == CaseState.APPROVED:
        return case_transition(case_id=case.pk, transition="register", request=request)
    elif case.state == CaseState.REGISTERED:
        _register(case)
        case_notify_customer(case=case, event="registered")
    elif case.state == CaseState.NEEDS_MORE_INFORMATION:
        case_notify_customer(case=case, event="information_requested")
    elif case.state == CaseState.REJECTED:
        case_notify_customer(case=case, event="rejected")
    return case


# -- opening a case ----------------------------------------------------------------------


def case_open(*, customer, actor=None, request: HttpRequest | None = None) -> Case:
    """A new application of ``customer``, submitted and waiting for their confirmation."""
    case = Case.objects.create(
        customer=customer,
        channel=customer.channel,
        customer_kind=customer.kind,
        store=customer.store,
    )
    case_editor_add(case=case, user=actor)
    return case_transition(case_id=case.pk, transition="submit", actor=actor, request=request)


def case_open_recheck(*, customer, request: HttpRequest | None = None) -> Case:
    """A periodic re-check of a registered customer (opened by the re-check scan)."""
    case = Case.objects.create(
        customer=customer,
        kind=CaseKind.RECHECK,
        channel=customer.channel,
        customer_kind=customer.kind,
        store=customer.store,
    )
    return case_transition(case_id=case.pk, transition="open_recheck", request=request)


def case_editor_add(*, case: Case, user) -> None:
    """Remember that a member of staff typed or corrected this case's data (four eyes)."""
    if _authenticated(user) is not None and not user_has_role(user, Role.CUSTOMER):
        case.editors.add(user)


# -- routing -----------------------------------------------------------------------------


def _enter_review(case: Case, *, source: str) -> None:
    """Score a newly confirmed case and set its path and deadline; a case coming back from
    the customer gets a new deadline. Fast-track candidates are decided by a task."""
    from risk.services import case_risk_assess
    from verification.checks.services import checks_request

    now = timezone.now()
    if not case.route:
        assessment = case_risk_assess(case=case)
        case.risk_level = assessment.level
        case.route = ROUTE_FOR_RISK[assessment.level]
        if case.route == ReviewRoute.FAST_TRACK:
            case.quality_sample = _picked_for_quality_control()
    case.sla_due_at = sla_deadline(route=case.route, channel=case.channel, start=now)
    case.sla_warned_at = None
    case.save(
        update_fields=[
            "risk_level",
            "route",
            "quality_sample",
            "sla_due_at",
            "sla_warned_at",
            "updated_at",
        ]
    )
    checks_request(case=case)
    if case.is_fast_track():
        case_fast_track_queue(case=case)


_LEVEL_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
_ROUTE_ORDER = [ReviewRoute.FAST_TRACK, ReviewRoute.STANDARD, ReviewRoute.ENHANCED]


def case_risk_reassess(*, case_id) -> Case:
    """Score the case again after a check found something. A higher level takes the
    stricter path (and, when high, the second approval); a level never goes down here."""
    from risk.services import case_risk_assess

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        assessment = case_risk_assess(case=case)
        if case.risk_level and _LEVEL_ORDER.index(assessment.level) <= _LEVEL_ORDER.index(
            case.risk_level
        ):
            return case
        before = case.risk_level
        case.risk_level = assessment.level
        stricter = ROUTE_FOR_RISK[assessment.level]
        if not case.route or _ROUTE_ORDER.index(stricter) > _ROUTE_ORDER.index(case.route):
            case.route = stricter
            case.quality_sample = False
        case.save(update_fields=["risk_level", "route", "quality_sample", "updated_at"])
        audit_record(
            action="risk.raised",
            target=case,
            details={"from": before, "to": case.risk_level, "route": case.route},
        )
    return case


def _picked_for_quality_control() -> bool:
    from verification.fast_track import fast_track_policy

    percent = fast_track_policy().quality_sample_percent
    # Not for security: a sample for quality control.
    return Decimal(random.random() * 100) < percent  # noqa: S311


def case_fast_track_queue(*, case: Case) -> None:
    """Ask a worker to try the fast track once the caller's transaction commits."""
    from verification.tasks import case_fast_track_task

    case_id = str(case.pk)
    transaction.on_commit(lambda: case_fast_track_task.delay(case_id))


def case_fast_track(*, case_id) -> Case:
    """Approve a fast-track case automatically when every rule of the policy holds.

    Otherwise the case joins the standard queue with the rules that failed recorded, so the
    reviewer sees why. Running it twice, or on a case a reviewer has taken, changes nothing.
    """
    from verification.fast_track import fast_track_evaluate

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if not case.is_fast_track() or case.state != CaseState.DOCUMENT_REVIEW:
            return case
        if case.assigned_to_id is not None:
            return case
        decision = fast_track_evaluate(case=case)
        if decision.passed:
            # The checks that passed stand for the reviewer: the documents are accepted.
            accepted = Document.objects.filter(case=case, status=DocumentStatus.RECEIVED).update(
                status=DocumentStatus.ACCEPTED
            )
            audit_record(
                action="case.fast_track_documents_accepted",
                target=case,
                details={"documents": accepted},
            )
            return case_transition(
                case_id=case.pk, transition="fast_track_approve", rules=decision.as_record()
            )
        case.fast_track_rules = decision.as_record()
        if decision.waiting:
            # Stays a fast-track candidate: the next upload or check answer tries again.
            case.save(update_fields=["fast_track_rules", "updated_at"])
            return case
        case.route = ReviewRoute.STANDARD
        case.sla_due_at = sla_deadline(
            route=case.route, channel=case.channel, start=case.confirmed_at or timezone.now()
        )
        case.save(update_fields=["fast_track_rules", "route", "sla_due_at", "updated_at"])
        audit_record(
            action="case.fast_track_refused",
            target=case,
            details={"failed": decision.failed_rules},
        )
    return case


# -- registration ------------------------------------------------------------------------


def _register(case: Case) -> None:
    from customers.services import customer_register_approved

    customer_register_approved(customer=case.customer, risk_level=case.risk_level)


# -- reviewers' actions ------------------------------------------------------------------


def _held_by_someone_else(case: Case, actor) -> bool:
    return case.assigned_to_id is not None and case.assigned_to_id != actor.pk


def case_check_reviewer(case: Case, actor) -> None:
    if not user_has_role(actor, Role.REVIEWER, Role.COMPLIANCE_OFFICER):
        raise NotAllowedError(
            _("Your role does not allow this action on a case."), code="permission_denied"
        )
    if _held_by_someone_else(case, actor):
        raise ConflictError(
            _("Another reviewer is working on this case."), code="case_held_by_other"
        )
    if case.escalated and not user_has_role(actor, *SECOND_APPROVER_ROLES):
        raise NotAllowedError(
            _("This case was escalated: a senior reviewer or compliance officer decides it."),
            code="escalated",
        )


def case_lock(case_id, expected_state: str | None) -> Case:
    case = Case.objects.select_for_update().select_related("customer").get(pk=case_id)
    if expected_state is not None and case.state != expected_state:
        raise ConflictError(
            _("Someone else has just changed this case. Reload it to see its current state."),
            code="case_changed",
        )
    return case


def case_assignment_close(*, case: Case, outcome: str) -> None:
    """End the open review assignment of ``case`` and add its time to the case."""
    now = timezone.now()
    assignment = (
        CaseAssignment.objects.select_for_update()
        .filter(case=case, ended_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if assignment is None:
        return
    seconds = int((now - assignment.started_at).total_seconds())
    assignment.ended_at = now
    assignment.outcome = outcome
    assignment.seconds = seconds
    assignment.save(update_fields=["ended_at", "outcome", "seconds"])
    Case.objects.filter(pk=case.pk).update(review_seconds=case.review_seconds + seconds)
    case.review_seconds += seconds


def case_approve(
    *, case_id, actor, request: HttpRequest | None = None, expected_state: str | None = None
) -> Case:
    """A reviewer approves. Four eyes, enforced here: nobody approves a case they entered or
    corrected; a high-risk case needs two approvals by different people, the second by a
    senior reviewer or a compliance officer. The last approval registers the customer."""
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, actor)
        if case.state not in (
            CaseState.DOCUMENT_REVIEW,
            CaseState.BIOMETRIC_CHECK,
            CaseState.BACKGROUND_CHECK,
        ):
            raise ConflictError(
                _("This action is not possible while the case is in the state “%(state)s”.")
                % {"state": case.get_state_display()},
                code="transition_not_allowed",
            )
        if not case.documents_decided():
            raise ConflictError(
                _("Accept or reject every document of the case first."),
                code="documents_undecided",
            )
        if case.editors.filter(pk=actor.pk).exists() or case.customer.entered_by_id == actor.pk:
            raise NotAllowedError(
                _(
                    "You entered or corrected this customer's data, so another reviewer must "
                    "approve the case."
                ),
                code="four_eyes_own_entry",
            )
        approvals = list(case.approvals.all())
        if any(approval.approver_id == actor.pk for approval in approvals):
            raise NotAllowedError(
                _("You have already approved this case: a second reviewer must approve it too."),
                code="four_eyes_same_reviewer",
            )
        is_last = len(approvals) + 1 >= case.approvals_needed()
        if is_last and approvals and not user_has_role(actor, *SECOND_APPROVER_ROLES):
            raise NotAllowedError(
                _(
                    "The second approval of a high-risk case must come from a senior reviewer "
                    "or a compliance officer."
                ),
                code="four_eyes_senior_required",
            )
        CaseApproval.objects.create(case=case, approver=actor, role=user_role(actor) or "")
        if not is_last:
            case_assignment_close(case=case, outcome=ReviewOutcome.FIRST_APPROVAL)
            Case.objects.filter(pk=case.pk).update(assigned_to=None, assigned_at=None)
            audit_record(action="case.first_approval", actor=actor, request=request, target=case)
            # A fresh instance: the state field is protected against refresh_from_db.
            return Case.objects.get(pk=case.pk)
        case_assignment_close(case=case, outcome=ReviewOutcome.APPROVED)
        return case_transition(case_id=case.pk, transition="approve", actor=actor, request=request)


def case_reject(
    *,
    case_id,
    actor,
    reason: str,
    note: str = "",
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    if reason not in RejectionReason.values:
        raise DomainError(_("Choose the reason for the rejection."), code="reason_required")
    if reason == RejectionReason.OTHER and not note.strip():
        raise DomainError(
            _("Explain the rejection in the note when the reason is “other”."),
            code="note_required",
        )
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, actor)
        case_assignment_close(case=case, outcome=ReviewOutcome.REJECTED)
        return case_transition(
            case_id=case.pk,
            transition="reject",
            actor=actor,
            request=request,
            reason=reason,
            note=note.strip(),
        )


def case_request_information(
    *,
    case_id,
    actor,
    message: str,
    document_kinds: list[str] | None = None,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """Send the case back to the customer with what they must provide."""
    if not message.strip():
        raise DomainError(
            _("Tell the customer what they must provide or correct."), code="message_required"
        )
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, actor)
        InformationRequest.objects.create(
            case=case,
            requested_by=actor,
            message=message.strip(),
            document_kinds=list(document_kinds or []),
        )
        case_assignment_close(case=case, outcome=ReviewOutcome.INFORMATION_REQUESTED)
        return case_transition(
            case_id=case.pk, transition="request_information", actor=actor, request=request
        )


def case_provide_information(*, case_id, actor, request: HttpRequest | None = None) -> Case:
    """The customer (or their store) has answered: back to review with a new deadline."""
    with transaction.atomic():
        case = case_transition(
            case_id=case_id,
            transition="provide_information",
            actor=actor,
            request=request,
            expected_state=CaseState.NEEDS_MORE_INFORMATION,
        )
        InformationRequest.objects.filter(case=case, answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=_authenticated(actor)
        )
    return case


def case_send_to_check(
    *,
    case_id,
    actor,
    check: str,
    request: HttpRequest | None = None,
    expected_state: str | None = None,
) -> Case:
    """Documents are reviewed: send the case on to the biometric or background check."""
    transitions = {"biometric": "start_biometric_check", "background": "start_background_check"}
    if check not in transitions:
        raise DomainError(_("Choose which check comes next."), code="check_unknown")
    with transaction.atomic():
        case = case_lock(case_id, expected_state)
        case_check_reviewer(case, actor)
        return case_transition(
            case_id=case.pk, transition=transitions[check], actor=actor, request=request
        )


def case_withdraw(*, case_id, actor, request: HttpRequest | None = None) -> Case:
    with transaction.atomic():
        case = case_lock(case_id, None)
        case_assignment_close(case=case, outcome=ReviewOutcome.RELEASED)
        return case_transition(case_id=case.pk, transition="withdraw", actor=actor, request=request)
