"""Biometrics from the customer's side and the store's.

The customer gives or withdraws their consent to the face comparison and sends their
selfie from the section of their status page (``customers/biometrics/_section.html``);
each action is a POST that comes back to that page with a message. Store staff record
an in-store fingerprint or face verification on a page of its own, reached from the
application's page while the check waits for them.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers.enums import Channel
from customers.forms.biometrics import BiometricConsentForm, InStoreBiometricForm, SelfieForm
from customers.selectors import ApplicationStatus, store_application_detail
from kyc_portal.accounts.roles import Role, role_required
from kyc_portal.core.errors import DomainError
from verification.checks import biometrics

from .documents import _own_status


def _section(case_id: uuid.UUID) -> str:
    return reverse("customers:status_case", args=[case_id]) + "#biometrics"


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_POST
@role_required(Role.CUSTOMER)
def biometric_consent(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    status = _own_status(request, case_id)
    form = BiometricConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_section(case_id))
    biometrics.biometric_consent_give(
        customer=status.customer, actor=request.user, channel=Channel.WEB, request=request
    )
    messages.success(request, _("Thank you. You can now send your selfie."))
    return redirect(_section(case_id))


@require_POST
@role_required(Role.CUSTOMER)
def biometric_consent_withdraw(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    status = _own_status(request, case_id)
    try:
        biometrics.biometric_consent_withdraw(
            customer=status.customer, actor=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _(
                "Your consent is withdrawn: no face comparison will be made. A reviewer "
                "checks your identity in another way, which may take longer."
            ),
        )
    return redirect(_section(case_id))


@require_POST
@role_required(Role.CUSTOMER)
def biometric_selfie(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    status = _own_status(request, case_id)
    form = SelfieForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_section(case_id))
    try:
        biometrics.biometric_selfie_upload(
            case=status.case,
            uploaded_file=form.cleaned_data["file"],
            actor=request.user,
            request=request,
        )
    except DomainError as error:
        # Nothing was stored; the message says what is wrong.
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Selfie received. It is compared with the photo on your document.")
        )
    return redirect(_section(case_id))


# -- store staff ---------------------------------------------------------------------------


def _store_case(request: HttpRequest, customer_id: uuid.UUID) -> ApplicationStatus:
    status = store_application_detail(actor=request.user, customer_id=customer_id)
    if status is None or status.case is None:
        raise Http404
    return status


@require_http_methods(["GET", "POST"])
@role_required(Role.STORE_STAFF)
def store_biometric(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    status = _store_case(request, customer_id)
    waiting = biometrics.in_store_check_waiting(case=status.case)
    form = InStoreBiometricForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if waiting is None:
            messages.error(
                request,
                _("This application has no in-store biometric check waiting for a result."),
            )
            return redirect("customers:store_application", customer_id=customer_id)
        if form.is_valid():
            try:
                biometrics.in_store_biometric_record(
                    case=status.case,
                    staff=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, str(error.message))
            else:
                messages.success(request, _("The in-store verification is recorded."))
                return redirect("customers:store_application", customer_id=customer_id)
    context = {
        "status": status,
        "customer": status.customer,
        "profile": status.customer.profile,
        "case": status.case,
        "waiting": waiting,
        "form": form,
    }
    return render(request, "customers/store/biometric.html", context)
