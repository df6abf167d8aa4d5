"""Web self-registration: type → identity → contact → (enterprise parties) → review.

What the visitor types is kept in their (server-side) session, step by step and exactly as
typed, so a rejected step, the browser's Back button and the "change" links never lose
anything. Each step validates its own fields on POST; the review step rebuilds every step
from the session, validates all of it again and registers the customer with a new login.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from customers import services
from customers.confirmation import confirmation_from_token
from customers.consent_texts import CURRENT_VERSION, consent_text
from customers.enums import Channel, CustomerKind
from customers.forms.registration import (
    OWNERS_PREFIX,
    AccountForm,
    BeneficialOwnerFormSet,
    CustomerTypeForm,
    EnterpriseContactForm,
    EnterpriseIdentityForm,
    EnterprisePartiesForm,
    IndividualContactForm,
    IndividualIdentityForm,
    LoginCreationForm,
    add_owner_row,
    form_without_errors,
    inline_check_messages,
)
from customers.models import ConfirmationState, ConsentPurpose
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.core.errors import DomainError
from kyc_portal.crypto.envelope import Binding, decrypt, encrypt
from kyc_portal.crypto.errors import DecryptionError

SESSION_KEY = "customers.registration"
# POST keys that are buttons or tokens, never the customer's data.
_NOT_DATA = {"csrfmiddlewaretoken", "action", "password1", "password2"}


@dataclass(frozen=True)
class Step:
    slug: str
    title: str | Promise
    form_class: type[forms.Form] | None = None  # None: the review step
    with_owners: bool = False


TYPE = Step("type", _("Type"), CustomerTypeForm)
REVIEW = Step("review", _("Review and submit"))
STEPS: dict[str, tuple[Step, ...]] = {
    CustomerKind.INDIVIDUAL: (
        TYPE,
        Step("identity", _("Identity"), IndividualIdentityForm),
        Step("contact", _("Contact and address"), IndividualContactForm),
        REVIEW,
    ),
    CustomerKind.ENTERPRISE: (
        TYPE,
        Step("identity", _("Enterprise"), EnterpriseIdentityForm),
        Step("contact", _("Address and contact"), EnterpriseContactForm),
        Step("parties", _("Representative and owners"), EnterprisePartiesForm, with_owners=True),
        REVIEW,
    ),
}
# Where the service's duplicate refusal is shown.


class RegistrationDraft:
    """The registration in progress, in the session: typed values per kind and step,
    which steps passed their checks, and refusals to show when a step is next displayed.

    Sessions live in the database, so the draft is sealed with the field-encryption keys
    like every other personal value at rest.
    """

    def __init__(self, session) -> None:
        self.session = session
        sealed = session.get(SESSION_KEY)
        self.draft_id = sealed["id"] if sealed else str(uuid.uuid4())
        self.state = self._open(sealed) or {"kind": None, "data": {}, "valid": {}, "errors": {}}

    def _binding(self) -> Binding:
        return Binding.of(label="customers.registrationdraft", field="state", pk=self.draft_id)

    def _open(self, sealed: dict | None) -> dict | None:
        if not sealed:
            return None
        try:
            return json.loads(decrypt(sealed["state"], binding=self._binding()))
        except DecryptionError:
            # Sealed under a key that has been retired since: start again.
            return None

    @property
    def kind(self) -> str:
        return self.state["kind"] or CustomerKind.INDIVIDUAL

    def steps(self) -> tuple[Step, ...]:
        return STEPS[self.kind]

    def data(self, step: Step) -> MultiValueDict | None:
        if step is TYPE:
            stored = self.state["data"].get("type")
        else:
            stored = self.state["data"].get(self.kind, {}).get(step.slug)
        return MultiValueDict(stored) if stored is not None else None

    def store(self, step: Step, post: MultiValueDict, *, valid: bool) -> None:
        typed = {key: values for key, values in post.lists() if key not in _NOT_DATA}
        if step is TYPE:
            self.state["data"]["type"] = typed
            if valid:
                self.state["kind"] = typed["kind"][0]
        else:
            self.state["data"].setdefault(self.kind, {})[step.slug] = typed
        self.state["valid"][self._key(step)] = valid
        self.state["errors"].pop(self._key(step), None)
        self._save()

    def is_valid(self, step: Step) -> bool:
        return bool(self.state["valid"].get(self._key(step)))

    def refuse(self, step: Step, errors: dict[str, list[str]]) -> None:
        """Errors found after the step passed (at submission): shown on the step."""
        self.state["valid"][self._key(step)] = False
        self.state["errors"][self._key(step)] = errors
        self._save()

    def refusals(self, step: Step) -> dict[str, list[str]]:
        return self.state["errors"].get(self._key(step), {})

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def _key(self, step: Step) -> str:
        return step.slug if step is TYPE else f"{self.kind}:{step.slug}"

    def _save(self) -> None:
        state = encrypt(json.dumps(self.state), binding=self._binding())
        self.session[SESSION_KEY] = {"id": self.draft_id, "state": state}


def form_rows(form: forms.Form) -> list[tuple[str, object]]:
    """(label, value) of each visible field, choices shown by their label, for a summary."""
    rows = []
    for name, field in form.fields.items():
        if name == "DELETE" or field.widget.is_hidden:
            continue
        value = form.cleaned_data.get(name)
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)
        rows.append((field.label, value))
    return rows


def _step_url(step: Step, **query) -> str:
    url = reverse("customers:register_step", args=[step.slug])
    return f"{url}?{urlencode(query)}" if query else url


def _build_forms(step: Step, data: MultiValueDict | None):
    form = step.form_class(data)
    owners = BeneficialOwnerFormSet(data, prefix=OWNERS_PREFIX) if step.with_owners else None
    return form, owners


def _forms_valid(form, owners) -> bool:
    form_valid = form.is_valid()
    return (owners.is_valid() if owners is not None else True) and form_valid


def _anonymous_only(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        messages.info(request, _("You are logged in already: here is your application."))
        return redirect("customers:status" if _is_customer(request.user) else "core:home")
    return None


def _is_customer(user) -> bool:
    return user_has_role(user, Role.CUSTOMER)


def _first_unfinished(draft: RegistrationDraft, steps: Iterable[Step], before: Step) -> Step | None:
    for step in steps:
        if step is before:
            return None
        if not draft.is_valid(step):
            return step
    return None


@never_cache
def register_start(request: HttpRequest) -> HttpResponse:
    if (response := _anonymous_only(request)) is not None:
        return response
    draft = RegistrationDraft(request.session)
    return redirect(_step_url(_first_unfinished(draft, draft.steps(), REVIEW) or REVIEW))


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_step(request: HttpRequest, slug: str) -> HttpResponse:
    if (response := _anonymous_only(request)) is not None:
        return response
    draft = RegistrationDraft(request.session)
    steps = draft.steps()
    step = next((candidate for candidate in steps if candidate.slug == slug), None)
    if step is None:
        raise Http404
    unfinished = _first_unfinished(draft, steps, step)
    if unfinished is not None:
        return redirect(_step_url(unfinished))
    if step is REVIEW:
        return _review(request, draft)
    return _form_step(request, draft, step)


def _form_step(request: HttpRequest, draft: RegistrationDraft, step: Step) -> HttpResponse:
    action = request.POST.get("action", "next")
    if request.method == "POST":
        data = request.POST
        if action == "add_owner" and step.with_owners:
            data = add_owner_row(request.POST)
            draft.store(step, data, valid=False)
            form, owners = _build_forms(step, data)
            owners.show_without_errors()
            form_without_errors(form)
            return _render_step(request, draft, step, form, owners)
        form, owners = _build_forms(step, data)
        valid = _forms_valid(form, owners)
        draft.store(step, data, valid=valid)
        if action == "back":
            return redirect(_step_url(_previous(draft.steps(), step)))
        if valid:
            if step is TYPE:
                return redirect(_step_url(draft.steps()[1]))
            steps = draft.steps()
            if request.GET.get("return") == "review" and not _first_unfinished(
                draft, steps, REVIEW
            ):
                return redirect(_step_url(REVIEW))
            return redirect(_step_url(steps[steps.index(step) + 1]))
        return _render_step(request, draft, step, form, owners)

    stored = draft.data(step)
    if stored is None:
        form = step.form_class(initial={"kind": draft.state["kind"]} if step is TYPE else None)
        owners = BeneficialOwnerFormSet(prefix=OWNERS_PREFIX) if step.with_owners else None
    else:
        form, owners = _build_forms(step, stored)
        _forms_valid(form, owners)
        for field, errors in draft.refusals(step).items():
            form.add_error(field if field in form.fields else None, errors)
    return _render_step(request, draft, step, form, owners)


def _previous(steps: tuple[Step, ...], step: Step) -> Step:
    return steps[max(steps.index(step) - 1, 0)]


def _progress(draft: RegistrationDraft, current: Step) -> list[dict]:
    steps = draft.steps()
    reachable = True
    progress = []
    for number, step in enumerate(steps, start=1):
        progress.append(
            {
                "number": number,
                "title": step.title,
                "url": _step_url(step) if reachable and step is not current else "",
                "is_current": step is current,
                "is_done": draft.is_valid(step) and step is not current,
            }
        )
        reachable = reachable and draft.is_valid(step)
    return progress


def _step_context(draft: RegistrationDraft, step: Step) -> dict:
    steps = draft.steps()
    return {
        "step": step,
        "step_number": steps.index(step) + 1,
        "step_count": len(steps),
        "progress": _progress(draft, step),
        "kind": draft.kind,
        "is_first": step is steps[0],
        "inline_messages": inline_check_messages(),
    }


def _render_step(request, draft, step, form, owners) -> HttpResponse:
    context = {
        **_step_context(draft, step),
        "form": form,
        "owners": owners,
        "return_to_review": request.GET.get("return") == "review",
    }
    return render(request, f"customers/registration/step_{step.slug}.html", context)


# --- review and submission ---------------------------------------------------------------


def _validated_steps(
    draft: RegistrationDraft,
) -> tuple[list[tuple[Step, forms.Form, object]], Step | None]:
    """Every step rebuilt from the session and validated again; the first that fails."""
    validated = []
    for step in draft.steps():
        if step in (TYPE, REVIEW):
            continue
        form, owners = _build_forms(step, draft.data(step))
        if not _forms_valid(form, owners):
            draft.refuse(step, {})
            return validated, step
        validated.append((step, form, owners))
    return validated, None


def _details(validated) -> dict:
    details: dict = {}
    for _step, form, owners in validated:
        details.update(form.cleaned_data)
        if owners is not None:
            details["beneficial_owners"] = owners.owners()
    return details


def _summary(validated) -> list[dict]:
    sections = []
    for step, form, owners in validated:
        sections.append(
            {
                "title": step.title,
                "rows": form_rows(form),
                "change_url": _step_url(step, **{"return": "review"}),
            }
        )
        if owners is not None:
            for number, owner_form in enumerate(owners._included_forms(), start=1):
                sections.append(
                    {
                        "title": _("Beneficial owner %(number)d") % {"number": number},
                        "rows": form_rows(owner_form),
                        "change_url": _step_url(step, **{"return": "review"}),
                    }
                )
    return sections


def _review(request: HttpRequest, draft: RegistrationDraft) -> HttpResponse:
    validated, failed = _validated_steps(draft)
    if failed is not None:
        return redirect(_step_url(failed))
    form = AccountForm(request.POST or None, initial=None)
    if request.method == "POST":
        draft.store(REVIEW, request.POST, valid=False)
        if request.POST.get("action") == "back":
            return redirect(_step_url(_previous(draft.steps(), REVIEW)))
        if form.is_valid():
            response = _submit(request, draft, validated, form)
            if response is not None:
                return response
    elif (stored := draft.data(REVIEW)) is not None:
        form = AccountForm(
            initial={"username": stored.get("username", ""), "consent": bool(stored.get("consent"))}
        )
    purpose = ConsentPurpose.IDENTITY_PROCESSING
    context = {
        **_step_context(draft, REVIEW),
        "form": form,
        "sections": _summary(validated),
        "consent_text": consent_text(purpose),
        "consent_version": CURRENT_VERSION[purpose],
    }
    return render(request, "customers/registration/step_review.html", context)


def _submit(request, draft: RegistrationDraft, validated, form: AccountForm) -> HttpResponse | None:
    """Register; on success log the customer in. None: ``form`` now carries the refusal."""
    kind = draft.kind
    details = _details(validated)
    try:
        customer = services.customer_register(
            kind=kind,
            details=details,
            channel=Channel.WEB,
            consent_given=True,
            new_login=services.NewLogin(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            ),
            language=get_language(),
            request=request,
        )
    except services.DuplicateIdentityError as error:
        identity = next(step for step, _form, _owners in validated if step.slug == "identity")
        draft.refuse(identity, {error.field: [str(error.message)]})
        return redirect(_step_url(identity))
    except ValidationError as error:
        # The steps passed; the service found more (rules that changed since): show each
        # message on its step.
        for step, step_form, _owners in validated:
            mine = {
                field: [str(message) for message in ValidationError(errors).messages]
                for field, errors in error.error_dict.items()
                if field in step_form.fields
            }
            if mine:
                draft.refuse(step, mine)
                return redirect(_step_url(step))
        form.add_error(None, error)
        return None
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return None
    draft.clear()
    login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request,
        _(
            "Thank you: your application has been received. We are sending you a summary to "
            "confirm."
        ),
    )
    return redirect("customers:status")


# --- an in-store customer sets their login from the confirmation message ------------------


def _login_refusal(confirmation) -> str | None:
    """Why this message's link cannot create a login (any more), or None."""
    if confirmation.case.customer.user_id is not None:
        return _("A login already exists for this application: log in with it.")
    if confirmation.state == ConfirmationState.SUPERSEDED:
        return _(
            "We have sent you a newer message since this one: use the link in the latest message."
        )
    if confirmation.is_expired:
        return _("This link has expired. Ask the store for a new message.")
    return None


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def confirmation_set_login(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation message of an in-store application: choose a login."""
    try:
        confirmation = confirmation_from_token(token=token, usable=False)
    except DomainError as error:
        return render(
            request, "customers/registration/set_login.html", {"refusal": error.message}, status=400
        )
    refusal = _login_refusal(confirmation)
    if refusal is not None:
        return render(
            request, "customers/registration/set_login.html", {"refusal": refusal}, status=409
        )
    customer = confirmation.case.customer
    form = LoginCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.customer_login_create(
                customer=customer,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your login is ready. This is your application."))
            return redirect("customers:status")
    context = {"form": form, "token": token, "confirmed": confirmation.used_at is not None}
    return render(request, "customers/registration/set_login.html", context)
