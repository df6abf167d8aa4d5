"""The customer's own application: its state in plain words, what they declared (masked),
and what happened so far."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from customers.confirmation import confirmation_destinations, confirmation_status_for
from customers.selectors import ApplicationStatus, customer_application_status
from kyc_portal.accounts.roles import Role, role_required
from verification.enums import CaseState

# What happens next, in the customer's words, for each state of their case.
NEXT_STEP = {
    CaseState.COLLECTING: _("We are still collecting your details."),
    CaseState.AWAITING_CONFIRMATION: _(
        "We are sending you a summary of your details by e-mail or SMS. Open the link in it "
        "(or enter its 6-digit code) to confirm them or correct them; we can check your "
        "identity only after that."
    ),
    CaseState.DOCUMENT_REVIEW: _(
        "A reviewer is checking your details and documents. You get a message as soon as "
        "they have decided."
    ),
    CaseState.BIOMETRIC_CHECK: _(
        "We need to compare your face with the photo on your identity document; we tell you "
        "how in a message."
    ),
    CaseState.BACKGROUND_CHECK: _(
        "We are making a few more checks. There is nothing to do for you."
    ),
    CaseState.NEEDS_MORE_INFORMATION: _(
        "The reviewer needs more information from you: the message we sent you says what."
    ),
    CaseState.APPROVED: _("Your identity is confirmed. Your customer number follows shortly."),
    CaseState.REGISTERED: _("You are registered as our customer."),
    CaseState.REJECTED: _(
        "We could not confirm your identity. The message we sent you explains why and what "
        "you can do."
    ),
    CaseState.WITHDRAWN: _("This application was withdrawn."),
    CaseState.EXPIRED: _(
        "You did not confirm your details in time. Apply again, or ask one of our stores for help."
    ),
    CaseState.RECHECK: _("It is time to check that your details are still up to date."),
}


def timeline(status: ApplicationStatus) -> list[dict]:
    """What happened to the application, oldest first."""
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
        if case.submitted_at:
            events.append({"at": case.submitted_at, "text": _("Summary sent for confirmation")})
        if case.confirmed_at:
            events.append({"at": case.confirmed_at, "text": _("Details confirmed by the customer")})
        if case.closed_at:
            events.append(
                {
                    "at": case.closed_at,
                    "text": _("Closed: %(state)s") % {"state": case.get_state_display()},
                }
            )
    return sorted(events, key=lambda event: event["at"])


def status_context(status: ApplicationStatus) -> dict:
    case = status.case
    confirmation = confirmation_status_for(case) if case is not None else None
    return {
        "confirmation_status": confirmation,
        "destinations": confirmation_destinations(status.customer) if confirmation else {},
        "status": status,
        "customer": status.customer,
        "profile": status.customer.profile,
        "case": case,
        "next_step": NEXT_STEP.get(case.state, "") if case is not None else "",
        "timeline": timeline(status),
        "is_enterprise": status.customer.kind == "enterprise",
    }


@require_GET
@role_required(Role.CUSTOMER)
def application_status(request: HttpRequest, case_id: uuid.UUID | None = None) -> HttpResponse:
    status = customer_application_status(user=request.user, case_id=case_id)
    if status is None:
        if case_id is not None:
            raise Http404
        return render(request, "customers/status.html", {"status": None})
    return render(request, "customers/status.html", status_context(status))
