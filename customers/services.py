"""Writes for customers: registration through every channel, consent, duplicates."""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import DomainError
from kyc_portal.core.net import client_ip
from kyc_portal.crypto.blind_index import blind_index
from verification.models import Case
from verification.workflow import case_transition

from .consent_texts import CURRENT_VERSION
from .enums import Channel, CustomerKind
from .models import (
    BeneficialOwner,
    Consent,
    ConsentPurpose,
    Customer,
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
            source_ip=client_ip(request) or None if request else None,
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
    case = Case.objects.create(customer=customer)
    return case_transition(case_id=case.pk, transition="submit", actor=actor, request=request)


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
    store,
    language: str,
    request: HttpRequest | None,
) -> Customer:
    """What every registration does: refuse duplicates, save it all or nothing, open a case."""
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
            customer = _new_customer(
                kind=kind, channel=channel, actor=actor, store=store, user=user, language=language
            )
            create_profile(customer)
            _record_consent(customer=customer, channel=channel, actor=actor)
            _open_case(customer=customer, actor=actor, request=request)
    except IntegrityError:
        # Someone registered the same identity between our check and our insert.
        _refuse_duplicate(**refuse)
        raise
    return customer


def individual_register(
    *,
    details: Mapping[str, Any],
    channel: str,
    consent_given: bool,
    actor=None,
    user=None,
    store=None,
    language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> Customer:
    """Register an individual and open their case, waiting for the customer's confirmation.

    ``details`` is what the customer (or store staff from the paper form) typed; it is
    validated here again, whatever the channel did before.
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
