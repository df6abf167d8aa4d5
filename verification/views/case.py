"""The case screen: declared data (masked, each full value behind an audited reveal) beside
the documents, the risk assessment, the fast-track rules, the automatic checks (with their
re-run and override), the customer's history, and the reviewer's actions.

Every action is a POST carrying the state the reviewer saw. A DomainError (a conflict,
four eyes, a missing reason) re-renders the screen with the message and with what the
reviewer typed still in the form.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from customers.enums import CustomerKind
from kyc_portal.accounts.roles import role_required, user_has_role
from kyc_portal.audit.enums import AuditAction
from kyc_portal.audit.selectors import audit_entries_for
from kyc_portal.audit.services import SYSTEM_LABEL, audit_reveal
from kyc_portal.core.errors import ConflictError, DomainError
from kyc_portal.crypto.masking import (
    mask_address,
    mask_date,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from risk.selectors import case_risk_assessment
from verification import services, workflow
from verification.checks.explanations import list_text
from verification.checks.selectors import (
    CheckShown,
    case_checks_actionable,
    case_checks_shown,
    check_get,
    check_reveal_label,
    check_reveal_value,
)
from verification.checks.services import case_checks_state, check_override, check_rerun
from verification.enums import (
    FINAL_STATES,
    REVIEW_STATES,
    CaseState,
    CheckKind,
    CheckStatus,
    DocumentRejectionReason,
)
from verification.fast_track import fast_track_rules_shown
from verification.forms import (
    AssignForm,
    CaseActionForm,
    CheckOverrideForm,
    CheckRerunForm,
    DocumentDecisionForm,
    EscalateForm,
    RejectForm,
    RequestInformationForm,
    RevealForm,
    SendToCheckForm,
)
from verification.models import Case, Check, Document, DocumentKind, InformationRequest
from verification.selectors import case_get, document_get, document_list
from verification.services import TEAM_LEAD_ROLES

from .review import REVIEW_PAGE_ROLES, countdown_formats, customer_display_name, deadline_for

AUDIT_TRAIL_LIMIT = 100
OTHER_CASES_LIMIT = 20

# Audit actions recorded on a case, in a reviewer's words.
AUDIT_ACTION_LABELS: dict[str, Promise] = {
    AuditAction.CASE_TRANSITION: gettext_lazy("Changed state"),
    AuditAction.DATA_REVEAL: gettext_lazy("Revealed a masked value"),
    "case.claimed": gettext_lazy("Took the case"),
    "case.assigned": gettext_lazy("Gave the case to a reviewer"),
    "case.released": gettext_lazy("Put the case back in the queue"),
    "case.escalated": gettext_lazy("Escalated the case"),
    "case.first_approval": gettext_lazy("Gave the first of two approvals"),
    "case.fast_track_refused": gettext_lazy("Fast track refused"),
    "risk.assessed": gettext_lazy("Risk assessed"),
    "check.finished": gettext_lazy("Check finished"),
    "check.rerun": gettext_lazy("Ran a check again"),
    "check.overridden": gettext_lazy("Decided a check"),
    "biometric.in_store_recorded": gettext_lazy("Recorded the biometric verification in store"),
}


# -- declared data -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredField:
    label: str
    shown: str
    # The reveal key of a masked value; empty for a value that is shown in full anyway.
    key: str = ""
    revealed: bool = False


@dataclass(frozen=True)
class DeclaredSection:
    title: str
    fields: list[DeclaredField]


def _plain(label, value) -> tuple:
    return ("", label, value, None)


def _individual_specs(individual) -> list[tuple[str, list[tuple]]]:
    return [
        (
            "",
            [
                ("individual.full_name", _("Full name"), individual.full_name, mask_name),
                _plain(_("Identity document"), individual.get_document_type_display()),
                (
                    "individual.document_number",
                    _("Document number"),
                    individual.document_number,
                    mask_id_number,
                ),
                ("individual.birth_date", _("Date of birth"), individual.birth_date, mask_date),
                _plain(_("Gender"), individual.get_gender_display()),
                _plain(_("Nationality"), individual.nationality),
                ("individual.mobile", _("Mobile phone"), individual.mobile, mask_phone),
                ("individual.email", _("E-mail"), individual.email, mask_email),
                ("individual.address", _("Address"), individual.full_address, mask_address),
                _plain(_("Occupation"), individual.occupation),
            ],
        )
    ]


def _person_specs(prefix: str, person) -> list[tuple]:
    return [
        (f"{prefix}.full_name", _("Full name"), person.full_name, mask_name),
        _plain(_("Identity document"), person.get_document_type_display()),
        (
            f"{prefix}.document_number",
            _("Document number"),
            person.document_number,
            mask_id_number,
        ),
        _plain(_("Nationality"), person.nationality),
    ]


def _enterprise_specs(enterprise) -> list[tuple[str, list[tuple]]]:
    sections = [
        (
            "",
            [
                _plain(_("Legal name"), enterprise.legal_name),
                (
                    "enterprise.credit_code",
                    _("Unified social credit code"),
                    enterprise.credit_code,
                    mask_id_number,
                ),
                (
                    "enterprise.address",
                    _("Registered address"),
                    enterprise.full_address,
                    mask_address,
                ),
                _plain(_("Business scope"), enterprise.business_scope),
            ],
        ),
        (
            _("Legal representative"),
            _person_specs("representative", enterprise.legal_representative),
        ),
        (
            _("Authorised contact"),
            [
                ("contact.name", _("Name"), enterprise.contact_name, mask_name),
                ("contact.mobile", _("Mobile phone"), enterprise.contact_mobile, mask_phone),
                ("contact.email", _("E-mail"), enterprise.contact_email, mask_email),
            ],
        ),
    ]
    owners = enterprise.beneficial_owners.order_by("-share", "pk")
    for number, owner in enumerate(owners, start=1):
        title = _("Beneficial owner %(number)d · %(share)s%%") % {
            "number": number,
            "share": f"{owner.share.normalize():f}",
        }
        sections.append((title, _person_specs(f"owner.{owner.pk}", owner)))
    return sections


def _declared_specs(case: Case) -> list[tuple[str, list[tuple]]]:
    customer = case.customer
    if customer.kind == CustomerKind.ENTERPRISE:
        return _enterprise_specs(customer.enterprise)
    return _individual_specs(customer.individual)


def _full_text(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def declared_sections(declared: list, *, revealed: str = "") -> list[DeclaredSection]:
    """What the customer declared, masked; only the ``revealed`` key is shown in full."""
    sections = []
    for title, specs in declared:
        fields = []
        for key, label, value, mask in specs:
            if value in (None, ""):
                fields.append(DeclaredField(label=label, shown="—"))
            elif mask is None:
                fields.append(DeclaredField(label=label, shown=str(value)))
            elif key == revealed:
                fields.append(
                    DeclaredField(label=label, shown=_full_text(value), key=key, revealed=True)
                )
            else:
                fields.append(DeclaredField(label=label, shown=mask(value), key=key))
        sections.append(DeclaredSection(title=title, fields=fields))
    return sections


def _revealable(declared: list) -> dict[str, str]:
    """The keys of the masked values that may be shown in full, with what they are."""
    return {
        key: f"{title} · {label}" if title else str(label)
        for title, specs in declared
        for key, label, value, mask in specs
        if mask is not None and value not in (None, "")
    }


# -- documents and their automatic checks ------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    text: str


@dataclass
class DocumentPanel:
    document: Document
    form: DocumentDecisionForm
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        reasons = dict(DocumentRejectionReason.choices)
        return str(reasons.get(self.document.reason_code, self.document.reason_code))


def document_checks(document: Document, *, today: datetime.date) -> list[CheckResult]:
    """What the upload checked and recorded about ``document`` (nothing made up here)."""
    checks = [
        CheckResult(
            name=_("File fingerprint"),
            passed=True,
            text=_("SHA-256 of the uploaded file recorded: %(hash)s…")
            % {"hash": document.original_sha256[:16]},
        )
    ]
    if document.is_pdf:
        checks.append(
            CheckResult(
                name=_("PDF checks"),
                passed=True,
                text=_(
                    "Complete, without scripts, attachments or a password; kept as uploaded "
                    "and only offered as a download."
                ),
            )
        )
    else:
        checks.append(
            CheckResult(
                name=_("Re-encoded"),
                passed=True,
                text=_(
                    "Rebuilt from its pixels at upload (%(width)s × %(height)s): metadata such "
                    "as EXIF, GPS and comments removed."
                )
                % {"width": document.width, "height": document.height},
            )
        )
    if document.expiry_date is not None:
        valid = document.expiry_date >= today
        date_text = document.expiry_date.isoformat()
        checks.append(
            CheckResult(
                name=_("Expiry"),
                passed=valid,
                text=(_("Valid until %(date)s.") if valid else _("Expired on %(date)s."))
                % {"date": date_text},
            )
        )
    return checks


# -- checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckPanel:
    """A check on the case screen with the reviewer's decision form for it."""

    shown: CheckShown
    override_form: CheckOverrideForm
    override_prefix: str
    may_act: bool


# A check still queued or running answers by itself; one waiting for a vendor that never
# answers may be run again or decided.
STILL_RUNNING = (CheckStatus.PENDING, CheckStatus.RUNNING)


def check_form_prefix(check: Check, action: str) -> str:
    return f"check-{check.pk}-{action}"


def _check_panels(
    case: Case, *, may_act: bool, failed_prefix: str, failed_form, revealed: str
) -> list[CheckPanel]:
    def override_form(check: Check) -> CheckOverrideForm:
        prefix = check_form_prefix(check, "override")
        return failed_form if prefix == failed_prefix else CheckOverrideForm(prefix=prefix)

    return [
        CheckPanel(
            shown=shown,
            override_form=override_form(shown.check),
            override_prefix=check_form_prefix(shown.check, "override"),
            may_act=may_act and shown.check.status not in STILL_RUNNING,
        )
        for shown in case_checks_shown(case=case, revealed=revealed)
    ]


def _kind_labels(kinds: list[str]) -> str:
    labels = dict(CheckKind.choices)
    return list_text(labels.get(kind, kind) for kind in kinds)


# -- the customer's history --------------------------------------------------------------


@dataclass(frozen=True)
class InformationRequestRow:
    request: InformationRequest
    document_kinds: list[str]


@dataclass(frozen=True)
class AuditRow:
    at: datetime.datetime
    who: str
    what: str


def _audit_text(entry, revealable: dict[str, str]) -> str:
    label = str(AUDIT_ACTION_LABELS.get(entry.action, entry.action))
    details = entry.details or {}
    if entry.action == AuditAction.CASE_TRANSITION:
        states = dict(CaseState.choices)
        return _("%(label)s: %(source)s → %(target)s") % {
            "label": label,
            "source": states.get(details.get("from"), details.get("from", "")),
            "target": states.get(details.get("to"), details.get("to", "")),
        }
    if entry.action.startswith("check.") and details.get("kind"):
        kinds = dict(CheckKind.choices)
        return f"{label}: {kinds.get(details['kind'], details['kind'])}"
    if entry.action == AuditAction.DATA_REVEAL and details.get("field"):
        key = details["field"]
        return f"{label}: {revealable.get(key) or check_reveal_label(key) or key}"
    return label


def _audit_actor(entry, case: Case) -> str:
    if entry.actor is None:
        return _("system") if entry.actor_label == SYSTEM_LABEL else entry.actor_label
    # A customer's account may carry their real name: the screen says who, not the name.
    if entry.actor_id == case.customer.user_id:
        return _("the customer")
    return entry.actor.display_name


def _audit_rows(case: Case, revealable: dict[str, str]) -> list[AuditRow]:
    entries = audit_entries_for(target=case).select_related("actor")[:AUDIT_TRAIL_LIMIT]
    return [
        AuditRow(
            at=entry.timestamp,
            who=_audit_actor(entry, case),
            what=_audit_text(entry, revealable),
        )
        for entry in entries
    ]


def _information_requests(case: Case) -> list[InformationRequestRow]:
    kinds = dict(DocumentKind.choices)
    requests = (
        InformationRequest.objects.filter(case__customer_id=case.customer_id)
        .select_related("requested_by")
        .order_by("-requested_at")
    )
    return [
        InformationRequestRow(
            request=request,
            document_kinds=[str(kinds.get(kind, kind)) for kind in request.document_kinds],
        )
        for request in requests
    ]


# -- actions -----------------------------------------------------------------------------


def _claim(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_claim(
        case_id=case.pk,
        reviewer=request.user,
        request=request,
        expected_state=data["expected_state"],
    )
    return _("This case is yours now. Nobody else can take it.")


def _release(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_release(
        case_id=case.pk,
        actor=request.user,
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is back in the queue.")


def _approve(request: HttpRequest, case: Case, data: dict) -> str:
    case = workflow.case_approve(
        case_id=case.pk,
        actor=request.user,
        request=request,
        expected_state=data["expected_state"],
    )
    if case.state == CaseState.REGISTERED:
        case.customer.refresh_from_db(fields=["customer_number"])
        return _(
            "The case is approved. The customer is registered with the customer number "
            "%(number)s and receives a message."
        ) % {"number": case.customer.customer_number}
    return _(
        "Your approval is recorded. This high-risk case now waits for the second approval "
        "of a senior reviewer or compliance officer."
    )


def _reject(request: HttpRequest, case: Case, data: dict) -> str:
    workflow.case_reject(
        case_id=case.pk,
        actor=request.user,
        reason=data["reason"],
        note=data["note"],
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is rejected. The customer receives a message with the reason.")


def _request_information(request: HttpRequest, case: Case, data: dict) -> str:
    workflow.case_request_information(
        case_id=case.pk,
        actor=request.user,
        message=data["message"],
        document_kinds=data["document_kinds"],
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is back with the customer, who receives your message.")


def _send_to_check(request: HttpRequest, case: Case, data: dict) -> str:
    case = workflow.case_send_to_check(
        case_id=case.pk,
        actor=request.user,
        check=data["check"],
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is now in the state “%(state)s”.") % {"state": case.get_state_display()}


def _escalate(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_escalate(
        case_id=case.pk,
        actor=request.user,
        note=data["note"],
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is escalated: a senior reviewer or compliance officer decides it.")


def _assign(request: HttpRequest, case: Case, data: dict) -> str:
    reviewer = data["reviewer"]
    services.case_assign(
        case_id=case.pk,
        reviewer=reviewer,
        actor=request.user,
        request=request,
        expected_state=data["expected_state"],
    )
    return _("The case is given to %(name)s.") % {"name": reviewer.display_name}


@dataclass(frozen=True)
class CaseAction:
    form_class: type[CaseActionForm]
    run: Callable[[HttpRequest, Case, dict], str]
    # Where the reviewer goes once it is done: back to the case, or on to the queue.
    stays_on_case: bool


ACTIONS: dict[str, CaseAction] = {
    "claim": CaseAction(CaseActionForm, _claim, stays_on_case=True),
    "release": CaseAction(CaseActionForm, _release, stays_on_case=False),
    "approve": CaseAction(CaseActionForm, _approve, stays_on_case=False),
    "reject": CaseAction(RejectForm, _reject, stays_on_case=False),
    "request_information": CaseAction(
        RequestInformationForm, _request_information, stays_on_case=False
    ),
    "send_to_check": CaseAction(SendToCheckForm, _send_to_check, stays_on_case=True),
    "escalate": CaseAction(EscalateForm, _escalate, stays_on_case=False),
    "assign": CaseAction(AssignForm, _assign, stays_on_case=True),
}


# -- rendering ---------------------------------------------------------------------------


def _case_or_404(request: HttpRequest, case_id: uuid.UUID) -> Case:
    case = case_get(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def _seen_now(data, prefix: str, state: str):
    """A failed form's data, with the state the re-rendered page shows as the one seen."""
    data = data.copy()
    data[f"{prefix}-expected_state"] = state
    return data


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    failed: tuple[str, object] | None = None,
    revealed: str = "",
    status: int = 200,
) -> HttpResponse:
    """The case screen. ``failed`` is (form prefix, bound form) of an action that did not
    go through: it is shown open, with what the reviewer typed."""
    user = request.user
    failed_prefix, failed_form = failed or ("", None)
    initial = {"expected_state": case.state}

    def form_for(prefix: str, form_class):
        if prefix == failed_prefix:
            return failed_form
        return form_class(initial=initial, prefix=prefix)

    today = timezone.localdate()
    declared = _declared_specs(case)
    kind_order = {kind: index for index, kind in enumerate(DocumentKind.values)}
    documents = sorted(
        document_list(user=user, case=case).order_by("uploaded_at"),
        key=lambda document: kind_order.get(document.kind, len(kind_order)),
    )
    panels = [
        DocumentPanel(
            document=document,
            form=form_for(f"doc-{document.pk}", DocumentDecisionForm),
            checks=document_checks(document, today=today),
        )
        for document in documents
    ]
    approvals = list(case.approvals.select_related("approver"))
    in_review = case.state in REVIEW_STATES
    # A closed case's checks no longer hold anything up.
    checks_state = case_checks_state(case=case) if case.state not in FINAL_STATES else None
    held_by_other = case.assigned_to_id is not None and case.assigned_to_id != user.pk
    is_team_lead = user_has_role(user, *TEAM_LEAD_ROLES)
    context = {
        "case": case,
        "customer": case.customer,
        "customer_name": customer_display_name(case),
        "deadline": deadline_for(case.sla_due_at, now=timezone.now()) if in_review else None,
        "countdown_formats": countdown_formats(),
        "declared_sections": declared_sections(declared, revealed=revealed),
        "document_panels": panels,
        "risk": case_risk_assessment(case=case),
        "fast_track_rules": fast_track_rules_shown(case.fast_track_rules),
        "check_panels": _check_panels(
            case,
            may_act=case_checks_actionable(case=case, user=user),
            failed_prefix=failed_prefix,
            failed_form=failed_form,
            revealed=revealed,
        ),
        "checks_open": _kind_labels(checks_state.open) if checks_state else "",
        "checks_not_passed": _kind_labels(checks_state.not_passed) if checks_state else "",
        "other_cases": case.customer.cases.exclude(pk=case.pk).order_by("-created_at")[
            :OTHER_CASES_LIMIT
        ],
        "information_requests": _information_requests(case),
        "approvals": approvals,
        "approvals_needed": case.approvals_needed(),
        "waiting_for_second_approval": 0 < len(approvals) < case.approvals_needed(),
        "audit_rows": _audit_rows(case, _revealable(declared)),
        "in_review": in_review,
        "held_by_me": case.assigned_to_id == user.pk,
        "held_by_other": held_by_other,
        # Escalated cases are decided by the team leads (senior reviewers, compliance).
        "may_act": in_review and not held_by_other and (is_team_lead or not case.escalated),
        # A customer who never answers a request for information is rejected from there.
        "may_reject": case.state == CaseState.NEEDS_MORE_INFORMATION and not held_by_other,
        "is_team_lead": is_team_lead,
        "may_send_to_check": case.state in (CaseState.DOCUMENT_REVIEW, CaseState.BIOMETRIC_CHECK),
        "forms": {
            prefix: form_for(prefix, action.form_class) for prefix, action in ACTIONS.items()
        },
        "open_action": failed_prefix,
    }
    return render(request, "verification/review/case.html", context, status=status)


def _after_error(request: HttpRequest, case_id, prefix: str, form_class, error) -> HttpResponse:
    messages.error(request, error.message)
    case = _case_or_404(request, case_id)
    form = form_class(_seen_now(request.POST, prefix, case.state), prefix=prefix)
    return _render_case(request, case, failed=(prefix, form), status=error.status_code)


# -- views -------------------------------------------------------------------------------


@role_required(*REVIEW_PAGE_ROLES)
@require_GET
def review_case(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


@role_required(*REVIEW_PAGE_ROLES)
@require_POST
def review_case_reveal(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The case screen with one masked value shown in full, recorded in the audit trail:
    a declared value, or one a check read off a document."""
    case = _case_or_404(request, case_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        raise Http404
    key = form.cleaned_data["field"]
    if key not in _revealable(_declared_specs(case)) and not check_reveal_value(case=case, key=key):
        raise Http404
    audit_reveal(actor=request.user, request=request, target=case, field=key)
    return _render_case(request, case, revealed=key)


@role_required(*REVIEW_PAGE_ROLES)
@require_POST
def review_case_action(request: HttpRequest, case_id: uuid.UUID, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _case_or_404(request, case_id)
    form = spec.form_class(request.POST, prefix=action)
    if not form.is_valid():
        return _render_case(request, case, failed=(action, form))
    try:
        message = spec.run(request, case, form.cleaned_data)
    except DomainError as error:
        return _after_error(request, case.pk, action, spec.form_class, error)
    messages.success(request, message)
    if spec.stays_on_case:
        return redirect("verification:review-case", case_id=case.pk)
    return redirect("verification:review-queue")


@role_required(*REVIEW_PAGE_ROLES)
@require_POST
def review_document_decide(
    request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponse:
    """Accept or reject one document of the case."""
    case = _case_or_404(request, case_id)
    document = document_get(user=request.user, document_id=document_id)
    if document is None or document.case_id != case.pk:
        raise Http404
    prefix = f"doc-{document.pk}"
    form = DocumentDecisionForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _render_case(request, case, failed=(prefix, form))
    data = form.cleaned_data
    try:
        services.document_decide(
            document_id=document.pk,
            actor=request.user,
            accepted=form.accepted,
            reason=data["reason"],
            note=data["note"],
            request=request,
            expected_state=data["expected_state"],
        )
    except DomainError as error:
        return _after_error(request, case.pk, prefix, DocumentDecisionForm, error)
    if form.accepted:
        messages.success(request, _("Document accepted."))
    else:
        messages.success(request, _("Document rejected."))
    url = reverse("verification:review-case", kwargs={"case_id": case.pk})
    return redirect(f"{url}#document-{document.pk}")


def _check_rerun(request: HttpRequest, check: Check, data: dict) -> str:
    check_rerun(check_id=check.pk, actor=request.user, request=request)
    return _("The check runs again. Its earlier result stays in the history.")


def _check_override(request: HttpRequest, check: Check, data: dict) -> str:
    check_override(
        check_id=check.pk,
        actor=request.user,
        outcome=data["outcome"],
        reason=data["reason"],
        request=request,
    )
    return _("Your decision on the check is recorded.")


@dataclass(frozen=True)
class CheckAction:
    form_class: type[CheckRerunForm] | type[CheckOverrideForm]
    run: Callable[[HttpRequest, Check, dict], str]


CHECK_ACTIONS: dict[str, CheckAction] = {
    "rerun": CheckAction(CheckRerunForm, _check_rerun),
    "override": CheckAction(CheckOverrideForm, _check_override),
}


@role_required(*REVIEW_PAGE_ROLES)
@require_POST
def review_check_action(
    request: HttpRequest, case_id: uuid.UUID, check_id: uuid.UUID, action: str
) -> HttpResponse:
    """Run one check of the case again, or decide it (the check services say who may)."""
    spec = CHECK_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _case_or_404(request, case_id)
    check = check_get(user=request.user, check_id=check_id)
    if check is None or check.case_id != case.pk:
        raise Http404
    prefix = check_form_prefix(check, action)
    form = spec.form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        return _render_case(request, case, failed=(prefix, form))
    try:
        if check.superseded:
            raise ConflictError(
                _("This check has been run again meanwhile: the screen now shows the new run."),
                code="check_superseded",
            )
        message = spec.run(request, check, form.cleaned_data)
    except DomainError as error:
        return _after_error(request, case.pk, prefix, spec.form_class, error)
    messages.success(request, message)
    url = reverse("verification:review-case", kwargs={"case_id": case.pk})
    return redirect(f"{url}#check-{check.kind}")
