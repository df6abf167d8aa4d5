"""Pages where the customer confirms (or corrects) the details we collected.

Thin: every decision is in customers.confirmation and customers.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kyc_portal.core.errors import DomainError
from verification.enums import CaseState

from ..confirmation import (
    ConfirmationError,
    confirmation_confirm,
    confirmation_destinations,
    confirmation_from_token,
    confirmation_status_for,
    confirmation_summary,
)
from ..confirmation import confirmation_resend as send_confirmation_again
from ..confirmation_forms import ConfirmationCodeForm, IndividualCorrectionForm
from ..enums import CustomerKind
from ..models import Customer
from ..services import customer_details_correct

# Problems after which a new message helps; for the others there is nothing to confirm.
_RESENDABLE = {"link_expired", "link_superseded", "code_expired", "code_locked"}


def _actor(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _problem(request: HttpRequest, error: DomainError, *, token: str | None = None):
    confirmation = getattr(error, "confirmation", None)
    context = {
        "error": error,
        "token": token,
        "can_resend": confirmation is not None and error.code in _RESENDABLE,
        "rate_limited": error.code == "resend_rate_limited",
    }
    return render(request, "customers/confirmation/problem.html", context, status=error.status_code)


def _sent_notice(request: HttpRequest, customer: Customer) -> None:
    where = confirmation_destinations(customer)
    places = " / ".join(value for value in (where["email"], where["mobile"]) if value)
    messages.success(
        request,
        _("We have sent a new confirmation message to %(places)s. It replaces the older ones.")
        % {"places": places},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirmation_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmation = confirmation_from_token(token=token)
    except ConfirmationError as error:
        return _problem(request, error, token=token)
    customer = confirmation.case.customer
    if request.method == "POST":
        try:
            confirmation_confirm(
                case=confirmation.case, token=token, actor=_actor(request), request=request
            )
        except DomainError as error:
            return _problem(request, error, token=token)
        if customer.user_id is None:
            # Entered in a store: the customer has no login yet; offer to make one now.
            messages.success(request, _("Thank you: your details are confirmed."))
            return redirect("customers:confirmation_set_login", token=token)
        return redirect("customers:confirmation_done")
    return render(
        request,
        "customers/confirmation/link.html",
        {
            "token": token,
            "customer": customer,
            "summary": confirmation_summary(customer),
            "expires_at": confirmation.expires_at,
            "can_correct": customer.kind == CustomerKind.INDIVIDUAL,
        },
    )


@require_POST
def confirmation_link_resend(request: HttpRequest, token: str) -> HttpResponse:
    """A new message for the case of an expired or replaced link (the signature is good)."""
    try:
        confirmation = confirmation_from_token(token=token, usable=False)
        send_confirmation_again(case=confirmation.case, actor=_actor(request), request=request)
    except DomainError as error:
        return _problem(request, error, token=token)
    _sent_notice(request, confirmation.case.customer)
    return redirect("customers:confirmation_sent")


@require_http_methods(["GET", "HEAD", "POST"])
def confirmation_correct(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmation = confirmation_from_token(token=token)
    except ConfirmationError as error:
        return _problem(request, error, token=token)
    customer = confirmation.case.customer
    if customer.kind != CustomerKind.INDIVIDUAL:
        return render(request, "customers/confirmation/correct_enterprise.html", {"token": token})
    form = IndividualCorrectionForm(
        request.POST if request.method == "POST" else None, individual=customer.individual
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_details_correct(
                customer=customer,
                details=form.changed_details(),
                actor=_actor(request),
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            _sent_notice(request, customer)
            return redirect("customers:confirmation_sent")
    return render(
        request,
        "customers/confirmation/correct.html",
        {"form": form, "token": token, "summary": confirmation_summary(customer)},
    )


def _own_case(request: HttpRequest):
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        raise Http404(_("There is no application for this login."))
    case = customer.cases.order_by("-created_at").first()
    if case is None:
        raise Http404(_("There is no application for this login."))
    return customer, case


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirmation_code(request: HttpRequest) -> HttpResponse:
    """The logged-in customer types the code from the message (from their status page)."""
    customer, case = _own_case(request)
    form = ConfirmationCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmation_confirm(
                case=case, code=form.cleaned_data["code"], actor=request.user, request=request
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return redirect("customers:confirmation_done")
    return render(
        request,
        "customers/confirmation/code.html",
        {
            "form": form,
            "case": case,
            "awaiting": case.state == CaseState.AWAITING_CONFIRMATION,
            "confirmation_status": confirmation_status_for(case),
            "destinations": confirmation_destinations(customer),
        },
    )


@login_required
@require_POST
def confirmation_resend(request: HttpRequest) -> HttpResponse:
    customer, case = _own_case(request)
    try:
        send_confirmation_again(case=case, actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _sent_notice(request, customer)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("customers:confirmation_code")


def confirmation_done(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/confirmation/done.html")


def confirmation_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/confirmation/sent.html")
