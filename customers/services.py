"""Writes for customers: registration through every channel, consent, duplicates."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_create
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError
from kyc_portal.core.net import client_ip
from kyc_portal.crypto.blind_index import blind_index
from verification.models import Case
from verification.workflow import case_editor_add, case_open

from .consent_texts import CURRENT_VERSION
from .enums import Channel, CustomerKind
from .models import (
    BeneficialOwner,
    Consent,
    ConsentPurpose,
    Customer,
    CustomerNumberSequence,
    DuplicateIdentityAttempt,
    Enterprise,
    Individual,
    LegalRepresentative,
)
from .validation import enterprise_clean, individual_clean

_IDENTITY_FIELDS = ("full_name", "nationality", "document_type", "document_number")
_ADDRESS_FIELDS = ("province", "city", "district", "street")
_INDIVIDUAL_FIELDS = ("birth_date", "gender", "mobile", "email", "occupation", *_ADDRESS_FIELDS)
_ENTERPRISE_FIELDS = (
    "legal_name",
    "credit_code",
    "business_scope",
    "contact_name",
    "contact_mobile",
    "contact_email",
    *_ADDRESS_FIELDS,
)


class DuplicateIdentityError(DomainError):
    status_code = 409


def _duplicate_error(field: str) -> DuplicateIdentityError:
    # Says nothing about the existing customer: not who, not when, not how.
    return DuplicateIdentityError(
        _(
            "This identity number is already registered with us. If it is yours, log in to "
            "your account or ask a store for help; you cannot register it twice."
        ),
        code="duplicate_identity",
        field=field,
    )


def _record_duplicate_attempt(
    *, index: str, existing: Customer, channel: str, actor, request: HttpRequest | None
) -> None:
    with transaction.atomic():
        DuplicateIdentityAttempt.objects.create(
            identity_index=index,
            existing_customer=existing,
            channel=channel,
            attempted_by=actor if actor is not None and actor.is_authenticated else None,
            source_ip=(client_ip(request) or None) if request else None,
        )
        audit_record(
            action="customer.duplicate_identity",
            actor=actor,
            request=request,
            target=existing,
            details={"channel": channel},
        )


def _refuse_duplicate(
    *, model, index_field: str, value: str, field: str, channel: str, actor, request
) -> None:
    index = blind_index(value, kind="id_number")
    existing = model.objects.filter(**{index_field: index}).select_related("customer").first()
    if existing is not None:
        _record_duplicate_attempt(
            index=index, existing=existing.customer, channel=channel, actor=actor, request=request
        )
        raise _duplicate_error(field)


def _open_case(*, customer: Customer, actor, request: HttpRequest | None) -> Case:
    from .confirmation import confirmation_issue

    case = case_open(customer=customer, actor=actor, request=request)
    # In the registration's transaction: the message exists exactly when the customer does.
    confirmation_issue(case=case, reason="submitted", actor=actor)
    return case


def _record_consent(*, customer: Customer, channel: str, actor) -> Consent:
    purpose = ConsentPurpose.IDENTITY_PROCESSING
    return Consent.objects.create(
        customer=customer,
        purpose=purpose,
        text_version=CURRENT_VERSION[purpose],
        channel=channel,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        given_at=timezone.now(),
    )


def _new_customer(*, kind: str, channel: str, actor, store, user, language: str) -> Customer:
    if channel == Channel.STORE and store is None:
        raise DomainError(
            _("An in-store application must name the store that took it in."), code="store_required"
        )
    return Customer.objects.create(
        kind=kind,
        channel=channel,
        store=store,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
        user=user,
        language=language,
    )


@dataclass(frozen=True)
class NewLogin:
    """The login a customer chooses while registering online (web or app)."""

    username: str
    password: str


def _register(
    *,
    kind: str,
    identity_model,
    identity_index_field: str,
    identity_field: str,
    cleaned: Mapping[str, Any],
    create_profile: Callable[[Customer], None],
    channel: str,
    consent_given: bool,
    actor,
    user,
    new_login: NewLogin | None,
    paper_form,
    store,
    language: str,
    request: HttpRequest | None,
) -> Customer:
    """What every registration does: refuse duplicates, save it all or nothing, open a case.

    The login (online) and the scanned paper form (in store) are saved in the same
    transaction, so a refusal leaves neither behind. Callers must not wrap this in a
    transaction of their own: the record of a refused duplicate would be rolled back.
    """
    _require_consent(consent_given)
    refuse = {
        "model": identity_model,
        "index_field": identity_index_field,
        "value": cleaned[identity_field],
        "field": identity_field,
        "channel": channel,
        "actor": actor,
        "request": request,
    }
    _refuse_duplicate(**refuse)
    try:
        with transaction.atomic():
            if new_login is not None:
                user = user_create(
                    username=new_login.username, password=new_login.password, role=Role.CUSTOMER
                )
                actor = actor or user
            customer = _new_customer(
                kind=kind, channel=channel, actor=actor, store=store, user=user, language=language
            )
            create_profile(customer)
            _record_consent(customer=customer, channel=channel, actor=actor)
            case = _open_case(customer=customer, actor=actor, request=request)
            if paper_form is not None:
                _attach_paper_form(
                    customer=customer,
                    case=case,
                    paper_form=paper_form,
                    actor=actor,
                    request=request,
                )
    except IntegrityError:
        # Someone registered the same identity between our check and our insert.
        _refuse_duplicate(**refuse)
        raise
    return customer


def _attach_paper_form(*, customer, case, paper_form, actor, request) -> None:
    from verification.documents import document_upload
    from verification.models import DocumentKind

    document_upload(
        customer=customer,
        kind=DocumentKind.PAPER_FORM,
        uploaded_file=paper_form,
        actor=actor,
        request=request,
        case=case,
    )


def individual_register(
    *,
    details: Mapping[str, Any],
    channel: str,
    consent_given: bool,
    actor=None,
    user=None,
    new_login: NewLogin | None = None,
    paper_form=None,
    store=None,
    language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> Customer:
    """Register an individual and open their case, waiting for the customer's confirmation.

    ``details`` is what the customer (or store staff from the paper form) typed; it is
    validated here again, whatever the channel did before. ``new_login`` creates the
    customer's login with the registration; ``paper_form`` is the scan of an in-store form.
    """
    cleaned = individual_clean(details)

    def create_profile(customer: Customer) -> None:
        Individual.objects.create(
            customer=customer,
            **{key: cleaned[key] for key in (*_IDENTITY_FIELDS, *_INDIVIDUAL_FIELDS)},
        )

    return _register(
        kind=CustomerKind.INDIVIDUAL,
        identity_model=Individual,
        identity_index_field="document_number_index",
        identity_field="document_number",
        cleaned=cleaned,
        create_profile=create_profile,
        channel=channel,
        consent_given=consent_given,
        actor=actor,
        user=user,
        new_login=new_login,
        paper_form=paper_form,
        store=store,
        language=language,
        request=request,
    )


def enterprise_register(
    *,
    details: Mapping[str, Any],
    channel: str,
    consent_given: bool,
    actor=None,
    user=None,
    new_login: NewLogin | None = None,
    paper_form=None,
    store=None,
    language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> Customer:
    """Register an enterprise with its legal representative and beneficial owners."""
    cleaned = enterprise_clean(details)

    def create_profile(customer: Customer) -> None:
        enterprise = Enterprise.objects.create(
            customer=customer, **{key: cleaned[key] for key in _ENTERPRISE_FIELDS}
        )
        representative = cleaned["representative"]
        LegalRepresentative.objects.create(
            enterprise=enterprise, **{key: representative[key] for key in _IDENTITY_FIELDS}
        )
        for owner in cleaned["beneficial_owners"]:
            BeneficialOwner.objects.create(
                enterprise=enterprise,
                share=owner["share"],
                **{key: owner[key] for key in _IDENTITY_FIELDS},
            )

    return _register(
        kind=CustomerKind.ENTERPRISE,
        identity_model=Enterprise,
        identity_index_field="credit_code_index",
        identity_field="credit_code",
        cleaned=cleaned,
        create_profile=create_profile,
        channel=channel,
        consent_given=consent_given,
        actor=actor,
        user=user,
        new_login=new_login,
        paper_form=paper_form,
        store=store,
        language=language,
        request=request,
    )


def _require_consent(consent_given: bool) -> None:
    if not consent_given:
        raise DomainError(
            _("We can only process your application with your consent: tick the consent box."),
            code="consent_required",
            field="consent",
        )


# -- correction before confirmation ---------------------------------------------------------


def _mobile_region(number: str) -> str:
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, "CN")) or "CN"
    except phonenumbers.NumberParseException:
        return "CN"


def _person_values(person, prefix: str = "") -> dict[str, Any]:
    return {prefix + key: getattr(person, key) for key in _IDENTITY_FIELDS}


def _owner_key(owner: Mapping[str, Any]) -> tuple:
    from decimal import Decimal

    return (*(str(owner.get(key) or "") for key in _IDENTITY_FIELDS), Decimal(str(owner["share"])))


def _changed(before: Mapping[str, Any], after: Mapping[str, Any], keys) -> list[str]:
    return [key for key in keys if str(before.get(key) or "") != str(after.get(key) or "")]


def _correct_individual(*, individual: Individual, details: Mapping[str, Any]):
    keys = (*_IDENTITY_FIELDS, *_INDIVIDUAL_FIELDS)
    before = {key: getattr(individual, key) for key in keys}
    merged = {**before, "mobile_region": _mobile_region(individual.mobile), **details}
    cleaned = individual_clean(merged)
    changed = _changed(before, cleaned, keys)

    def apply() -> None:
        for key in changed:
            setattr(individual, key, cleaned[key])
        individual.save()

    return cleaned["document_number"], changed, apply


def _correct_enterprise(*, enterprise: Enterprise, details: Mapping[str, Any]):
    representative = enterprise.legal_representative
    owners = list(enterprise.beneficial_owners.order_by("pk"))
    before = {key: getattr(enterprise, key) for key in _ENTERPRISE_FIELDS}
    before.update(_person_values(representative, prefix="representative_"))
    before["beneficial_owners"] = [
        {**_person_values(owner), "share": str(owner.share)} for owner in owners
    ]
    merged = {
        **before,
        "contact_mobile_region": _mobile_region(enterprise.contact_mobile),
        **details,
    }
    cleaned = enterprise_clean(merged)
    changed = _changed(before, cleaned, _ENTERPRISE_FIELDS)
    representative_changed = [
        key
        for key in _IDENTITY_FIELDS
        if str(getattr(representative, key) or "") != str(cleaned["representative"][key] or "")
    ]
    changed += ["representative_" + key for key in representative_changed]
    owners_changed = sorted(map(_owner_key, before["beneficial_owners"])) != sorted(
        map(_owner_key, cleaned["beneficial_owners"])
    )
    if owners_changed:
        changed.append("beneficial_owners")

    def apply() -> None:
        for key in _ENTERPRISE_FIELDS:
            if key in changed:
                setattr(enterprise, key, cleaned[key])
        enterprise.save()
        if representative_changed:
            for key in representative_changed:
                setattr(representative, key, cleaned["representative"][key])
            representative.save()
        if owners_changed:
            enterprise.beneficial_owners.all().delete()
            for owner in cleaned["beneficial_owners"]:
                BeneficialOwner.objects.create(
                    enterprise=enterprise,
                    share=owner["share"],
                    **{key: owner[key] for key in _IDENTITY_FIELDS},
                )

    return cleaned["credit_code"], changed, apply


def _correctable_case(customer: Customer, *, lock: bool = False) -> Case:
    from verification.enums import CaseState

    cases = Case.objects.filter(customer=customer).order_by("-created_at")
    case = (cases.select_for_update() if lock else cases).first()
    if case is None or case.state != CaseState.AWAITING_CONFIRMATION:
        raise ConflictError(
            _(
                "These details can no longer be changed here: the application has moved on "
                "from confirmation. Ask us to correct them instead."
            ),
            code="not_correctable",
        )
    return case


def customer_details_correct(
    *,
    customer: Customer,
    details: Mapping[str, Any],
    actor,
    request: HttpRequest | None = None,
) -> Customer:
    """Correct what the customer declared, while their case waits for confirmation.

    ``details`` holds the fields to change (the rest keeps its value), named as in
    registration; everything is validated again as a whole. A changed identity number is
    checked against other customers. The audit trail lists the names of the changed fields
    (never their values), and a fresh confirmation message replaces the old one. Nothing
    changed: nothing happens.
    """
    from .confirmation import confirmation_issue

    _correctable_case(customer)
    if customer.kind == CustomerKind.ENTERPRISE:
        profile = Enterprise.objects.get(customer=customer)
        identity, changed, apply = _correct_enterprise(enterprise=profile, details=details)
        refuse = {
            "model": Enterprise,
            "index_field": "credit_code_index",
            "field": "credit_code",
        }
        identity_changed = "credit_code" in changed
    else:
        profile = Individual.objects.get(customer=customer)
        identity, changed, apply = _correct_individual(individual=profile, details=details)
        refuse = {
            "model": Individual,
            "index_field": "document_number_index",
            "field": "document_number",
        }
        identity_changed = "document_number" in changed
    if not changed:
        return customer
    refuse.update(value=identity, channel=customer.channel, actor=actor, request=request)
    if identity_changed:
        _refuse_duplicate(**refuse)
    try:
        with transaction.atomic():
            case = _correctable_case(customer, lock=True)
            apply()
            case_editor_add(case=case, user=actor)
            audit_record(
                action="customer.corrected",
                actor=actor,
                request=request,
                target=customer,
                details={"fields": sorted(changed)},
            )
            confirmation_issue(case=case, reason="corrected", actor=actor)
    except IntegrityError:
        if identity_changed:
            _refuse_duplicate(**refuse)
        raise
    # A fresh instance: the caller's one may hold the old profile in its cache.
    return Customer.objects.get(pk=customer.pk)


def customer_login_create(*, customer: Customer, username: str, password: str, request=None):
    """Give a customer entered in a store the login they chose; once only."""
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.user_id is not None:
            raise DomainError(
                _("A login already exists for this application: log in with it."),
                code="login_exists",
            )
        user = user_create(username=username, password=password, role=Role.CUSTOMER)
        locked.user = user
        locked.save(update_fields=["user", "updated_at"])
        audit_record(action="customer.login_created", actor=user, request=request, target=locked)
    return user


def customer_register(*, kind: str, **arguments) -> Customer:
    """Register an individual or an enterprise, as ``kind`` says (see the two functions)."""
    register = individual_register if kind == CustomerKind.INDIVIDUAL else enterprise_register
    return register(**arguments)


def _customer_number_next(*, year: int) -> str:
    """``C`` + year + a six-digit sequence, unique: the year's row is locked while counting."""
    CustomerNumberSequence.objects.get_or_create(year=year)
    sequence = CustomerNumberSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"C{year}{sequence.last:06d}"


def customer_register_approved(*, customer: Customer, risk_level: str) -> Customer:
    """Enter an approved customer in the register (a re-checked one keeps their number) and
    set their next periodic re-check from the risk level. Called by the case workflow."""
    from risk.selectors import recheck_due_on

    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if not customer.customer_number:
            customer.customer_number = _customer_number_next(year=timezone.localdate(now).year)
            customer.registered_at = now
        customer.risk_level = risk_level
        customer.next_recheck_on = recheck_due_on(
            risk_level=risk_level, registered_on=timezone.localdate(now)
        )
        customer.save(
            update_fields=[
                "customer_number",
                "registered_at",
                "risk_level",
                "next_recheck_on",
                "updated_at",
            ]
        )
        audit_record(
            action="customer.registered",
            target=customer,
            details={"risk_level": risk_level},
        )
    return customer
