"""The customer's own application: its state in plain words, what they declared (masked),
their documents, what the reviewer asks for, and what happened so far."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from customers.confirmation import confirmation_destinations, confirmation_status_for
from customers.forms.documents import DocumentUploadForm
from customers.selectors import (
    ApplicationStatus,
    CaseDocuments,
    application_documents,
    application_next_step,
    case_state_changes,
    customer_application_status,
)
from kyc_portal.accounts.roles import Role, role_required
from verification.enums import CaseState

# What entering each state means, in the customer's words (the timeline's lines).
STATE_EVENTS = {
    CaseState.AWAITING_CONFIRMATION: _("Summary sent for confirmation"),
    CaseState.DOCUMENT_REVIEW: _("Details confirmed by the customer"),
    CaseState.BIOMETRIC_CHECK: _("Face comparison with the identity document started"),
    CaseState.BACKGROUND_CHECK: _("Further checks started"),
    CaseState.NEEDS_MORE_INFORMATION: _("The reviewer asked for more information"),
    CaseState.APPROVED: _("Identity confirmed"),
    CaseState.WITHDRAWN: _("Application withdrawn"),
    CaseState.EXPIRED: _("Closed: the details were not confirmed in time"),
    CaseState.RECHECK: _("Periodic re-check of the details started"),
}


def _state_event(status: ApplicationStatus, source: str, target: str) -> str:
    case, customer = status.case, status.customer
    if target == CaseState.DOCUMENT_REVIEW and source == CaseState.NEEDS_MORE_INFORMATION:
        return str(_("The information asked for was provided; the review continues"))
    if target == CaseState.REGISTERED:
        if customer.customer_number:
            return str(
                _("Registered with customer number %(number)s")
                % {"number": customer.customer_number}
            )
        return str(_("Registered"))
    if target == CaseState.REJECTED:
        if case.decision_reason:
            return str(
                _("Not accepted: %(reason)s") % {"reason": case.get_decision_reason_display()}
            )
        return str(_("Not accepted"))
    return str(STATE_EVENTS.get(target, ""))


def timeline(status: ApplicationStatus, documents: CaseDocuments | None = None) -> list[dict]:
    """What happened to the application, oldest first: each state the case entered (from the
    audit trail) and each document uploaded."""
    customer, case, consent = status.customer, status.case, status.consent
    events = [
        {
            "at": customer.created_at,
            "text": _("Application received (%(channel)s)")
            % {"channel": customer.get_channel_display()},
        }
    ]
    if consent is not None:
        events.append(
            {
                "at": consent.given_at,
                "text": _(
                    "Consent to the processing of identity data given (text version %(version)s)"
                )
                % {"version": consent.text_version},
            }
        )
    if case is not None:
        for change in case_state_changes(case=case):
            text = _state_event(status, change.source, change.target)
            if text:
                events.append({"at": change.at, "text": text})
    for row in documents.uploaded if documents is not None else ():
        events.append(
            {
                "at": row.document.uploaded_at,
                "text": _("%(document)s uploaded") % {"document": row.label},
            }
        )
    return sorted(events, key=lambda event: event["at"])


def upload_form_for(documents: CaseDocuments | None, data=None, files=None):
    """The upload form for the case, or None when it takes no documents now."""
    if documents is None or not documents.accepts_uploads:
        return None
    # The first document still to do is the likeliest next upload.
    todo = next((need.kind for need in documents.needs if need.asked and not need.answered), "")
    todo = todo or next((need.kind for need in documents.missing), "")
    return DocumentUploadForm(data, files, kinds=documents.upload_kinds, initial={"kind": todo})


def status_context(
    request: HttpRequest, status: ApplicationStatus, *, upload_form=None, documents=None
) -> dict:
    case = status.case
    confirmation = confirmation_status_for(case) if case is not None else None
    if documents is None:
        documents = application_documents(status=status, user=request.user)
    return {
        "confirmation_status": confirmation,
        "destinations": confirmation_destinations(status.customer) if confirmation else {},
        "status": status,
        "customer": status.customer,
        "profile": status.customer.profile,
        "case": case,
        "next_step": application_next_step(case=case, documents=documents),
        "timeline": timeline(status, documents),
        "is_enterprise": status.customer.kind == "enterprise",
        "documents": documents,
        "upload_form": upload_form or upload_form_for(documents),
        "upload_url": case and reverse("customers:document_upload", args=[case.pk]),
        "provide_url": case and reverse("customers:information_provided", args=[case.pk]),
    }


@require_GET
@role_required(Role.CUSTOMER)
def application_status(request: HttpRequest, case_id: uuid.UUID | None = None) -> HttpResponse:
    status = customer_application_status(user=request.user, case_id=case_id)
    if status is None:
        if case_id is not None:
            raise Http404
        return render(request, "customers/status.html", {"status": None})
    return render(request, "customers/status.html", status_context(request, status))
