"""Documents from the customer's side: the customer uploads to their own case, store staff
to their store's walk-in customers' cases, and either says the reviewer's request is
answered. The pages that show all this are the status page and the store's detail page.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.forms.documents import DocumentUploadForm
from customers.selectors import (
    ApplicationStatus,
    CaseDocuments,
    application_documents,
    customer_application_status,
    store_application_detail,
)
from kyc_portal.accounts.roles import Role, role_required
from kyc_portal.core.errors import DomainError
from verification.documents import document_upload
from verification.workflow import case_provide_information

from .status import status_context, upload_form_for
from .store import store_detail_context


def _upload(
    request: HttpRequest, status: ApplicationStatus, documents: CaseDocuments
) -> DocumentUploadForm | None:
    """Store the posted file; None when it is stored, else the form with the reason."""
    form = upload_form_for(documents, request.POST, request.FILES)
    if not form.is_valid():
        return form
    try:
        document = document_upload(
            customer=status.customer,
            case=status.case,
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
            expiry_date=form.cleaned_data["expiry_date"],
            actor=request.user,
            request=request,
        )
    except DomainError as error:
        # Nothing was stored; the message says what is wrong with the file.
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return form
    label = dict(documents.upload_kinds).get(document.kind, document.get_kind_display())
    messages.success(request, _("%(document)s uploaded. Thank you.") % {"document": label})
    return None


def _uploads_closed(request: HttpRequest) -> None:
    messages.error(
        request,
        _("This application takes no more documents now. If something is missing, contact us."),
    )


def _provide_information(request: HttpRequest, status: ApplicationStatus) -> None:
    try:
        case_provide_information(case_id=status.case.pk, actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Thank you. The application goes back to the reviewer, who continues the check."),
        )


def _document_upload(request: HttpRequest, status: ApplicationStatus, *, back: str, page):
    """The upload of the customer's side: closed or refused → back to ``back`` with a
    message; a form with errors → ``page(form, documents)`` re-rendered with them."""
    documents = application_documents(status=status, user=request.user)
    if not documents.accepts_uploads:
        _uploads_closed(request)
        return redirect(back)
    form = _upload(request, status, documents)
    if form is None:
        return redirect(back)
    return page(form, documents)


# -- the customer --------------------------------------------------------------------------


def _own_status(request: HttpRequest, case_id: uuid.UUID) -> ApplicationStatus:
    status = customer_application_status(user=request.user, case_id=case_id)
    if status is None:
        raise Http404
    return status


def _status_page(case_id: uuid.UUID) -> str:
    return reverse("customers:status_case", args=[case_id]) + "#documents"


@require_POST
@role_required(Role.CUSTOMER)
def case_document_upload(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    status = _own_status(request, case_id)

    def page(form, documents) -> HttpResponse:
        context = status_context(request, status, upload_form=form, documents=documents)
        return render(request, "customers/status.html", context)

    return _document_upload(request, status, back=_status_page(case_id), page=page)


@require_POST
@role_required(Role.CUSTOMER)
def case_information_provided(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    _provide_information(request, _own_status(request, case_id))
    return redirect(_status_page(case_id))


# -- store staff for a walk-in customer ----------------------------------------------------


def _store_status(request: HttpRequest, customer_id: uuid.UUID) -> ApplicationStatus:
    status = store_application_detail(actor=request.user, customer_id=customer_id)
    if status is None or status.case is None:
        raise Http404
    return status


def _store_page(customer_id: uuid.UUID) -> str:
    return reverse("customers:store_application", args=[customer_id]) + "#documents"


@require_POST
@role_required(Role.STORE_STAFF)
def store_document_upload(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    status = _store_status(request, customer_id)

    def page(form, documents) -> HttpResponse:
        context = store_detail_context(request, status, upload_form=form, documents=documents)
        return render(request, "customers/store/detail.html", context)

    return _document_upload(request, status, back=_store_page(customer_id), page=page)


@require_POST
@role_required(Role.STORE_STAFF)
def store_information_provided(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    _provide_information(request, _store_status(request, customer_id))
    return redirect(_store_page(customer_id))
