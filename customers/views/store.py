"""Store staff: enter a walk-in customer's paper application, see their store's applications.

The paper form is entered on one page with the same forms (and so the same validation) as
the web registration. The registration and the scanned form are saved together or not at
all: a refused scan leaves no customer, a refused registration leaves no file.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from customers import services
from customers.enums import Channel, CustomerKind
from customers.forms.registration import (
    OWNERS_PREFIX,
    BeneficialOwnerFormSet,
    EnterpriseContactForm,
    EnterpriseIdentityForm,
    EnterprisePartiesForm,
    IndividualContactForm,
    IndividualIdentityForm,
    add_owner_row,
    form_without_errors,
    inline_check_messages,
)
from customers.forms.store import PaperFormForm
from customers.selectors import (
    ApplicationStatus,
    application_documents,
    application_next_step,
    store_application_detail,
    store_applications,
)
from kyc_portal.accounts.roles import Role, role_required
from kyc_portal.core.errors import DomainError
from verification.enums import CaseState
from verification.models import DocumentKind
from verification.selectors import document_list

from .status import timeline, upload_form_for

_FORMS = {
    CustomerKind.INDIVIDUAL: (IndividualIdentityForm, IndividualContactForm),
    CustomerKind.ENTERPRISE: (EnterpriseIdentityForm, EnterpriseContactForm, EnterprisePartiesForm),
}
LIST_LIMIT = 200


class PaperApplication:
    """The forms of one paper application page, bound together."""

    def __init__(self, kind: str, data=None, files=None, *, add_owner: bool = False) -> None:
        self.kind = kind
        if add_owner and data is not None:
            data = add_owner_row(data)
        self.parts = [form_class(data) for form_class in _FORMS[kind]]
        self.owners = (
            BeneficialOwnerFormSet(data, prefix=OWNERS_PREFIX)
            if kind == CustomerKind.ENTERPRISE
            else None
        )
        self.paper = PaperFormForm(data, files)

    @property
    def forms(self) -> list:
        return [*self.parts, self.paper]

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in self.forms]
        if self.owners is not None:
            valid.append(self.owners.is_valid())
        return all(valid)

    def details(self) -> dict:
        details: dict = {}
        for form in self.parts:
            details.update(form.cleaned_data)
        if self.owners is not None:
            details["beneficial_owners"] = self.owners.owners()
        return details

    def show_without_errors(self) -> None:
        for form in self.forms:
            form_without_errors(form)
        if self.owners is not None:
            self.owners.show_without_errors()

    def add_errors(self, error_dict: dict) -> None:
        """File the service's errors beside their fields (on the form, if no field fits)."""
        for field, errors in error_dict.items():
            form = next((form for form in self.forms if field in form.fields), None)
            if form is None:
                self.paper.add_error(None, errors)
            else:
                form.add_error(field, errors)

    def ask_for_scan_again(self) -> None:
        # Browsers cannot put a file back into a file input on the re-displayed page.
        if self.paper.files.get("scan") and "scan" not in self.paper.errors:
            self.paper.add_error(
                "scan",
                _(
                    "The scan was not saved because other fields need correcting: choose the "
                    "scanned form again before sending."
                ),
            )


@role_required(Role.STORE_STAFF)
@require_GET
def paper_application_start(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/store/new.html", {"store": request.user.store})


@role_required(Role.STORE_STAFF)
@require_http_methods(["GET", "POST"])
def paper_application(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in _FORMS:
        raise Http404
    store = request.user.store
    if request.method != "POST" or store is None:
        application = PaperApplication(kind)
        return paper_form_render(request, application, store)

    add_owner = request.POST.get("action") == "add_owner" and kind == CustomerKind.ENTERPRISE
    application = PaperApplication(kind, request.POST, request.FILES, add_owner=add_owner)
    if add_owner:
        application.show_without_errors()
        if request.FILES.get("scan"):
            application.ask_for_scan_again()
        return paper_form_render(request, application, store)
    if application.is_valid():
        try:
            customer = _register_with_scan(request, application, kind)
        except services.DuplicateIdentityError as error:
            application.add_errors({error.field: [str(error.message)]})
        except ValidationError as error:
            application.add_errors(error.error_dict)
        except DomainError as error:
            field = "scan" if error.field == "file" else error.field
            application.add_errors({field or "__all__": [str(error.message)]})
        else:
            messages.success(
                request,
                _(
                    "The application is saved. The customer receives a message to confirm "
                    "the details and to set up their login."
                ),
            )
            return redirect("customers:store_application", customer_id=customer.pk)
    application.ask_for_scan_again()
    return paper_form_render(request, application, store)


def _register_with_scan(request: HttpRequest, application: PaperApplication, kind: str):
    paper = application.paper.cleaned_data
    return services.customer_register(
        kind=kind,
        details=application.details(),
        channel=Channel.STORE,
        consent_given=paper["consent_signed"],
        actor=request.user,
        store=request.user.store,
        paper_form=paper["scan"],
        language=paper["language"],
        request=request,
    )


def paper_form_render(request: HttpRequest, application: PaperApplication, store) -> HttpResponse:
    context = {
        "application": application,
        "kind": application.kind,
        "store": store,
        "parts": application.parts,
        "owners": application.owners,
        "paper": application.paper,
        "inline_messages": inline_check_messages(),
        "has_errors": any(form.errors for form in application.forms)
        or (
            application.owners is not None
            and (any(application.owners.errors) or application.owners.non_form_errors())
        ),
    }
    return render(request, "customers/store/paper_form.html", context)


@role_required(Role.STORE_STAFF)
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    applications = list(store_applications(actor=request.user)[:LIST_LIMIT])
    for customer in applications:
        state = customer.latest_case_state
        customer.latest_case_state_label = CaseState(state).label if state else ""
    return render(
        request,
        "customers/store/list.html",
        {"applications": applications, "store": request.user.store},
    )


def store_detail_context(
    request: HttpRequest, status: ApplicationStatus, *, upload_form=None, documents=None
) -> dict:
    case, customer_id = status.case, status.customer.pk
    if documents is None:
        documents = application_documents(status=status, user=request.user)
    return {
        "status": status,
        "customer": status.customer,
        "profile": status.customer.profile,
        "case": case,
        "next_step": application_next_step(case=case, documents=documents),
        "timeline": timeline(status, documents),
        "paper_forms": document_list(user=request.user, customer=status.customer).filter(
            kind=DocumentKind.PAPER_FORM
        ),
        "documents": documents,
        "upload_form": upload_form or upload_form_for(documents),
        "upload_url": case and reverse("customers:store_document_upload", args=[customer_id]),
        "provide_url": case and reverse("customers:store_information_provided", args=[customer_id]),
        "is_enterprise": status.customer.kind == CustomerKind.ENTERPRISE,
    }


@role_required(Role.STORE_STAFF)
@require_GET
def application_detail(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    status = store_application_detail(actor=request.user, customer_id=customer_id)
    if status is None:
        raise Http404
    return render(request, "customers/store/detail.html", store_detail_context(request, status))
