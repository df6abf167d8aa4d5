"""The customer's own application: its state in plain words, what they declared (masked),
and what happened so far."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from customers.confirmation import confirmation_destinations, confirmation_status_for
from customers.selectors import ApplicationStatus, case_next_step, customer_application_status
from kyc_portal.accounts.roles import Role, role_required


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
        "next_step": case_next_step(case),
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
