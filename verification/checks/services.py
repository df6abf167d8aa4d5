"""Running checks on cases: which ones a case needs, running them (retried, never charged
twice), recording the answer, and the reviewer's re-run and override.

A check runs in a Celery task queued after the commit that requested it. The provider is
called outside any transaction (OCR or a vendor may take seconds); the claim before and the
answer after are each one short transaction on the check's row. A check that is still
pending, running, waiting or failed keeps the case out of the fast track and shows on the
case screen; nothing is lost, and a reviewer can run it again or decide it (audited).
"""

import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Consent, ConsentPurpose
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError
from verification.checks.base import (
    CheckRequest,
    CheckResult,
    ProviderError,
    ProviderTimeout,
    check_provider,
)
from verification.enums import (
    FINAL_STATES,
    OPEN_CHECK_STATUSES,
    CaseState,
    CheckKind,
    CheckOutcome,
    CheckStatus,
)
from verification.models import Case, Check, CheckRequirement, DocumentKind
from verification.workflow import case_check_reviewer, case_fast_track_queue, case_risk_reassess

logger = logging.getLogger(__name__)

# Images a document-reading provider can read.
READABLE_KINDS = frozenset(
    {
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.ID_CARD_BACK,
        DocumentKind.PASSPORT_PAGE,
        DocumentKind.BUSINESS_LICENCE,
    }
)
# Checks that compare the customer's body and so need their separate biometric consent.
BIOMETRIC_KINDS = frozenset({CheckKind.FACE_MATCH})


def checks_required(*, case: Case) -> list[str]:
    """The check kinds the policy asks for this case (document reading only when there is
    an image to read)."""
    requirement = CheckRequirement.objects.filter(
        risk_level=case.risk_level, customer_kind=case.customer_kind, channel=case.channel
    ).first()
    kinds = requirement.kinds() if requirement else [CheckKind.DOCUMENT_READING]
    if (
        CheckKind.DOCUMENT_READING in kinds
        and not case.documents.filter(kind__in=READABLE_KINDS).exists()
    ):
        kinds.remove(CheckKind.DOCUMENT_READING)
    return kinds


def case_current_checks(*, case: Case) -> QuerySet[Check]:
    """The latest run of each check of the case (re-runs replace earlier ones)."""
    return Check.objects.filter(case=case, superseded=False).order_by("kind")


def _new_check(*, case: Case, kind: str, actor=None) -> Check:
    provider = check_provider(kind)
    runs = Check.objects.filter(case=case, kind=kind).count()
    check = Check.objects.create(
        case=case,
        kind=kind,
        provider=provider.name,
        provider_version=provider.version,
        idempotency_key=f"{case.pk.hex}:{kind}:{runs + 1}",
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    check_id = str(check.pk)

    def queue() -> None:
        from verification.tasks import check_run_task

        check_run_task.delay(check_id)

    transaction.on_commit(queue, robust=True)
    return check


def checks_request(*, case: Case, actor=None) -> list[Check]:
    """Request every required check the case does not have yet (in the caller's
    transaction); each runs after commit."""
    present = set(case_current_checks(case=case).values_list("kind", flat=True))
    return [
        _new_check(case=case, kind=kind, actor=actor)
        for kind in checks_required(case=case)
        if kind not in present
    ]


# Checks that look at a document of this kind, and run again when a new one arrives.
CHECKS_OF_DOCUMENT = {
    **{kind: (CheckKind.DOCUMENT_READING,) for kind in READABLE_KINDS},
    DocumentKind.SELFIE: (CheckKind.FACE_MATCH,),
}


def checks_document_added(*, case: Case, document_kind: str) -> None:
    """A document arrived during review: request the checks it makes possible, and run
    again (as the system) the finished ones that looked at the earlier documents."""
    if case.state not in (CaseState.DOCUMENT_REVIEW, CaseState.NEEDS_MORE_INFORMATION):
        return
    required = set(checks_required(case=case))
    current = {check.kind: check for check in case_current_checks(case=case)}
    for kind in CHECKS_OF_DOCUMENT.get(document_kind, ()):
        if kind not in required:
            continue
        existing = current.get(kind)
        if existing is not None:
            if existing.status in OPEN_CHECK_STATUSES:
                continue  # it will read the case as it is when it runs
            Check.objects.filter(pk=existing.pk).update(superseded=True)
        _new_check(case=case, kind=kind)


@dataclass(frozen=True)
class CaseChecks:
    """Where the required checks of a case stand, for the fast track and the screens."""

    passed: bool
    open: list[str]
    not_passed: list[str]


def case_checks_state(*, case: Case) -> CaseChecks:
    current = {check.kind: check for check in case_current_checks(case=case)}
    open_kinds, not_passed = [], []
    for kind in checks_required(case=case):
        check = current.get(kind)
        if check is None or check.status in OPEN_CHECK_STATUSES:
            open_kinds.append(kind)
        elif check.final_outcome != CheckOutcome.PASS:
            not_passed.append(kind)
    return CaseChecks(
        passed=not open_kinds and not not_passed, open=open_kinds, not_passed=not_passed
    )


# -- running -------------------------------------------------------------------------------


def _claim(check_id) -> Check | None:
    """Mark the check running (one more attempt), or None when there is nothing to do."""
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("case").get(pk=check_id)
        if check.superseded or check.status not in (CheckStatus.PENDING, CheckStatus.RUNNING):
            return None
        check.status = CheckStatus.RUNNING
        check.attempts += 1
        check.started_at = check.started_at or timezone.now()
        check.save(update_fields=["status", "attempts", "started_at"])
    return check


def _missing_consent(check: Check) -> CheckResult | None:
    """Biometric checks run only with the customer's separate consent, still in force."""
    if check.kind not in BIOMETRIC_KINDS:
        return None
    consented = Consent.objects.filter(
        customer=check.case.customer_id,
        purpose=ConsentPurpose.BIOMETRICS,
        withdrawn_at__isnull=True,
    ).exists()
    if consented:
        return None
    return CheckResult(outcome=CheckOutcome.REVIEW, summary="no_biometric_consent")


def _record(check_id, result: CheckResult) -> Check:
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("case").get(pk=check_id)
        if check.superseded or check.status in (CheckStatus.DONE, CheckStatus.FAILED):
            return check  # a re-run replaced it, or a duplicate answer: keep the first
        check.summary = result.summary
        check.params = result.params
        check.findings = result.findings
        check.score = result.score
        check.response_sha256 = result.response_sha256 or check.response_sha256
        check.vendor_reference = result.vendor_reference or check.vendor_reference
        if result.is_waiting:
            check.status = CheckStatus.WAITING
        else:
            check.status = CheckStatus.DONE
            check.outcome = result.outcome
            check.finished_at = timezone.now()
        check.save()
        if not result.is_waiting:
            _finished(check)
    return check


def _fail(check_id, *, code: str, message: str) -> Check:
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("case").get(pk=check_id)
        if check.superseded or check.status in (CheckStatus.DONE, CheckStatus.FAILED):
            return check
        check.status = CheckStatus.FAILED
        check.outcome = CheckOutcome.ERROR
        check.summary = code
        check.last_error = message[:200]
        check.finished_at = timezone.now()
        check.save()
        _finished(check)
    return check


def _finished(check: Check) -> None:
    audit_record(
        action="check.finished",
        target=check.case,
        details={"kind": check.kind, "outcome": check.outcome, "result": check.summary},
    )
    _after_answer(check)


def _after_answer(check: Check) -> None:
    """A failed document reading is a risk signal: the case is scored again. A fast-track
    candidate waits for its checks: each answer lets it try again."""
    if check.kind == CheckKind.DOCUMENT_READING and check.final_outcome == CheckOutcome.FAIL:
        case_risk_reassess(case_id=check.case_id)
    case = Case.objects.get(pk=check.case_id)
    if case.state == CaseState.DOCUMENT_REVIEW and case.is_fast_track():
        case_fast_track_queue(case=case)


@dataclass(frozen=True)
class RunOutcome:
    check: Check | None
    retry_in: float | None = None


def check_run(*, check_id) -> RunOutcome:
    """One attempt at a check. A temporary failure asks for another attempt (``retry_in``)
    until ``KYC_CHECK_ATTEMPTS``; then, or on a permanent failure, the check has failed."""
    check = _claim(check_id)
    if check is None:
        return RunOutcome(check=None)
    result = _missing_consent(check)
    if result is None:
        request = CheckRequest(
            check_id=check.pk, case=check.case, idempotency_key=check.idempotency_key
        )
        try:
            result = check_provider(check.kind).run(request)
        except (ProviderTimeout, SoftTimeLimitExceeded) as error:
            return _retry_or_fail(check, code="timeout", message=str(error) or "time limit")
        except ProviderError as error:
            if error.temporary:
                return _retry_or_fail(check, code=error.code, message=str(error))
            return RunOutcome(check=_fail(check.pk, code=error.code, message=str(error)))
        except Exception as error:
            # A bug in a provider must not lose the case: the check fails visibly.
            logger.exception("Check %s (%s) crashed", check.pk, check.kind)
            failed = _fail(check.pk, code="provider_crashed", message=type(error).__name__)
            return RunOutcome(check=failed)
    return RunOutcome(check=_record(check.pk, result))


def _retry_or_fail(check: Check, *, code: str, message: str) -> RunOutcome:
    if check.attempts >= settings.KYC_CHECK_ATTEMPTS:
        return RunOutcome(check=_fail(check.pk, code=code, message=message))
    Check.objects.filter(pk=check.pk, status=CheckStatus.RUNNING).update(
        status=CheckStatus.PENDING, last_error=message[:200]
    )
    return RunOutcome(check=check, retry_in=float(2**check.attempts))


def check_answer(*, check: Check, result: CheckResult) -> Check:
    """A provider's late answer (a vendor's webhook) for a waiting check."""
    if check.status != CheckStatus.WAITING:
        raise ConflictError(_("This check is not waiting for an answer."), code="check_not_waiting")
    return _record(check.pk, result)


# -- reviewers -----------------------------------------------------------------------------


def _reviewable_check(check_id, actor) -> Check:
    check = Check.objects.select_for_update().select_related("case").get(pk=check_id)
    case_check_reviewer(check.case, actor)
    if check.case.state in FINAL_STATES:
        raise ConflictError(
            _("This case is closed: its checks can no longer change."), code="case_closed"
        )
    if check.superseded:
        raise ConflictError(
            _("A newer run of this check exists: act on that one."), code="check_superseded"
        )
    return check


def check_rerun(*, check_id, actor, request: HttpRequest | None = None) -> Check:
    """Run a check again (a new run; the old one stays in the history)."""
    with transaction.atomic():
        check = _reviewable_check(check_id, actor)
        # A check waiting for a vendor's answer that never came may be run again.
        if check.status in (CheckStatus.PENDING, CheckStatus.RUNNING):
            raise ConflictError(_("This check is still running."), code="check_running")
        check.superseded = True
        check.save(update_fields=["superseded"])
        fresh = _new_check(case=check.case, kind=check.kind, actor=actor)
        audit_record(
            action="check.rerun",
            actor=actor,
            request=request,
            target=check.case,
            details={"kind": check.kind},
        )
    return fresh


def check_override(
    *,
    check_id,
    actor,
    outcome: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Check:
    """A reviewer decides a check themself, with the reason (kept and audited)."""
    if outcome not in (CheckOutcome.PASS, CheckOutcome.FAIL):
        raise DomainError(_("Choose whether the check passed or failed."), code="outcome_required")
    if not reason.strip():
        raise DomainError(
            _("Give the reason for deciding this check yourself."), code="reason_required"
        )
    with transaction.atomic():
        check = _reviewable_check(check_id, actor)
        check.override_outcome = outcome
        check.override_reason = reason.strip()
        check.overridden_by = actor
        check.overridden_at = timezone.now()
        check.save(
            update_fields=["override_outcome", "override_reason", "overridden_by", "overridden_at"]
        )
        audit_record(
            action="check.overridden",
            actor=actor,
            request=request,
            target=check.case,
            details={"kind": check.kind, "outcome": outcome, "was": check.outcome},
        )
        _after_answer(check)
    return check
