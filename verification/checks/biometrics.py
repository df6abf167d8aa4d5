"""Biometrics around the checks: the customer's separate consent to the face match, their
selfie for it, and the in-store verification that store staff record.

The face match runs only while the customer's biometric consent is in force
(``verification.checks.services`` answers ``no_biometric_consent`` otherwise). Giving it
again runs a face match that stopped for lack of it; withdrawing it only sets
``withdrawn_at``: results already reached and documents stay, as evidence.
"""

import json
import re
from dataclasses import dataclass

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.consent_texts import CURRENT_VERSION, consent_text
from customers.models import Consent, ConsentPurpose, Customer
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.audit.personal_data import looks_personal
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from verification.checks.base import CheckResult
from verification.checks.services import (
    case_current_checks,
    check_answer,
    checks_document_added,
    checks_required,
)
from verification.documents import document_upload
from verification.enums import DOCUMENT_UPLOAD_STATES, CheckKind, CheckOutcome, CheckStatus
from verification.models import Case, Check, Document, DocumentKind, DocumentStatus
from verification.selectors import case_scope_to_user

NO_CONSENT = "no_biometric_consent"
DEVICE_REFERENCE_MAX_LENGTH = 40
_DEVICE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


class InStoreMethod(models.TextChoices):
    FINGERPRINT = "fingerprint", gettext_lazy("Fingerprint")
    FACE = "face", gettext_lazy("Face")


# -- consent -------------------------------------------------------------------------------


def biometric_consent_in_force(*, customer: Customer) -> Consent | None:
    return (
        Consent.objects.filter(
            customer=customer, purpose=ConsentPurpose.BIOMETRICS, withdrawn_at__isnull=True
        )
        .order_by("-given_at")
        .first()
    )


def _check_acts_for(actor, customer: Customer) -> None:
    """The customer themself, or staff of their store with the customer in front of them."""
    own = user_has_role(actor, Role.CUSTOMER) and customer.user_id == actor.pk
    store = (
        user_has_role(actor, Role.STORE_STAFF)
        and actor.store_id is not None
        and actor.store_id == customer.store_id
    )
    if not (own or store):
        raise NotAllowedError(
            _("Only the customer can give or withdraw this consent."), code="not_allowed"
        )


def biometric_consent_give(
    *, customer: Customer, actor, channel: str, request: HttpRequest | None = None
) -> Consent:
    """Record the customer's consent to the face comparison (the current wording).

    Giving it while it is in force changes nothing. A face match that ended for lack of
    consent runs again.
    """
    _check_acts_for(actor, customer)
    purpose = ConsentPurpose.BIOMETRICS
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        consent = biometric_consent_in_force(customer=customer)
        if consent is not None:
            return consent
        consent = Consent.objects.create(
            customer=customer,
            purpose=purpose,
            text_version=CURRENT_VERSION[purpose],
            channel=channel,
            recorded_by=actor,
            given_at=timezone.now(),
        )
        audit_record(
            action="consent.given",
            actor=actor,
            request=request,
            target=customer,
            details={"purpose": purpose, "text_version": consent.text_version, "channel": channel},
        )
        stopped = Check.objects.filter(
            case__customer=customer, kind=CheckKind.FACE_MATCH, superseded=False, summary=NO_CONSENT
        ).select_related("case")
        for check in stopped:
            # Runs the finished face match again, as a new selfie would.
            checks_document_added(case=check.case, document_kind=DocumentKind.SELFIE)
    return consent


def biometric_consent_withdraw(
    *, customer: Customer, actor, request: HttpRequest | None = None
) -> Consent:
    """End the consent in force. A face match that has not run yet will not run."""
    _check_acts_for(actor, customer)
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(customer=customer, purpose=ConsentPurpose.BIOMETRICS, withdrawn_at__isnull=True)
            .order_by("-given_at")
            .first()
        )
        if consent is None:
            raise ConflictError(
                _("There is no consent to the face comparison to withdraw."),
                code="consent_not_in_force",
            )
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            action="consent.withdrawn",
            actor=actor,
            request=request,
            target=customer,
            details={"purpose": consent.purpose, "text_version": consent.text_version},
        )
    return consent


def biometric_selfie_upload(
    *, case: Case, uploaded_file, actor, request: HttpRequest | None = None
) -> Document:
    """The customer's selfie for the face match; only with their consent in force."""
    if biometric_consent_in_force(customer=case.customer) is None:
        raise ConflictError(
            _("Give your consent to the face comparison before sending a selfie."),
            code=NO_CONSENT,
        )
    return document_upload(
        customer=case.customer,
        case=case,
        kind=DocumentKind.SELFIE,
        uploaded_file=uploaded_file,
        actor=actor,
        request=request,
    )


@dataclass(frozen=True)
class BiometricPanel:
    """What the customer's status page shows about the face match of their case."""

    consent: Consent | None
    consent_text: str
    selfie: Document | None
    check: Check | None
    accepts_selfie: bool


def biometric_panel(*, case: Case | None) -> BiometricPanel | None:
    """The face match section of ``case``, or None when its checks do not include one."""
    if case is None or CheckKind.FACE_MATCH not in checks_required(case=case):
        return None
    selfie = (
        case.documents.filter(kind=DocumentKind.SELFIE)
        .exclude(status=DocumentStatus.REJECTED)
        .order_by("-uploaded_at")
        .first()
    )
    return BiometricPanel(
        consent=biometric_consent_in_force(customer=case.customer),
        consent_text=str(consent_text(ConsentPurpose.BIOMETRICS)),
        selfie=selfie,
        check=case_current_checks(case=case).filter(kind=CheckKind.FACE_MATCH).first(),
        accepts_selfie=case.state in DOCUMENT_UPLOAD_STATES,
    )


# -- in store ------------------------------------------------------------------------------


def in_store_check_waiting(*, case: Case | None) -> Check | None:
    """The in-store biometric check of ``case`` that waits for staff, if there is one."""
    if case is None:
        return None
    return (
        case_current_checks(case=case)
        .filter(kind=CheckKind.IN_PERSON_BIOMETRIC, status=CheckStatus.WAITING)
        .first()
    )


def _clean_reference(device_reference: str) -> str:
    reference = (device_reference or "").strip()
    if (
        not reference
        or len(reference) > DEVICE_REFERENCE_MAX_LENGTH
        or not _DEVICE_REFERENCE.fullmatch(reference)
        or looks_personal(reference)
    ):
        raise DomainError(
            _(
                "Enter the device's number or the reference it printed (letters, digits, "
                "'-', '/', '.', at most %(length)s characters). Never the customer's ID or "
                "phone number."
            )
            % {"length": DEVICE_REFERENCE_MAX_LENGTH},
            code="bad_device_reference",
            field="device_reference",
        )
    return reference


def in_store_biometric_record(
    *,
    case: Case,
    staff,
    method: str,
    device_reference: str,
    matched: bool,
    request: HttpRequest | None = None,
) -> Check:
    """Store staff record that the customer's fingerprint or face was (or was not)
    verified in person: the waiting in-store check gets its answer (audited with the
    member of staff, their store and the time)."""
    if not user_has_role(staff, Role.STORE_STAFF) or not (
        case_scope_to_user(Case.objects.filter(pk=case.pk), staff).exists()
    ):
        raise NotAllowedError(
            _("Only staff of the store that took in this application can record this check."),
            code="not_your_store",
        )
    if method not in InStoreMethod.values:
        raise DomainError(
            _("Choose how the customer was verified."), code="unknown_method", field="method"
        )
    reference = _clean_reference(device_reference)
    store_code = staff.store.code
    params = {"method": method, "device_reference": reference, "store": store_code}
    result = CheckResult(
        outcome=CheckOutcome.PASS if matched else CheckOutcome.FAIL,
        summary="verified_in_person" if matched else "not_verified_in_person",
        params=params,
        raw=json.dumps({**params, "matched": matched}, sort_keys=True).encode(),
    )
    with transaction.atomic():
        # Locked first, so that two members of staff cannot both answer it.
        waiting = (
            Check.objects.select_for_update()
            .filter(
                case=case,
                kind=CheckKind.IN_PERSON_BIOMETRIC,
                superseded=False,
                status=CheckStatus.WAITING,
            )
            .first()
        )
        if waiting is None:
            raise ConflictError(
                _("This application has no in-store biometric check waiting for a result."),
                code="no_waiting_check",
            )
        check = check_answer(check=waiting, result=result)
        audit_record(
            action="biometric.in_store_recorded",
            actor=staff,
            request=request,
            target=case,
            details={**params, "matched": matched},
        )
    return check
