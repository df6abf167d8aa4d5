"""Whole-application validation shared by every channel (web form, API, in store).

Each function takes what the customer typed and returns the cleaned values, or raises a
ValidationError keyed by field name so each message lands beside the field it is about.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .identity import (
    validate_birth_date,
    validate_credit_code,
    validate_identity_document,
    validate_mobile,
)

MAX_TOTAL_SHARE = Decimal("100")
BENEFICIAL_OWNER_THRESHOLD = Decimal("25")
MAX_BENEFICIAL_OWNERS = 4  # 4 × 25% is everything there is to own
# Limits of what may be typed, for every channel. Longer than any real document number or
# phone, so spaces and full-width digits still fit; validation then checks the exact form.
DOCUMENT_NUMBER_MAX_LENGTH = 40
PHONE_MAX_LENGTH = 30


def _collect(errors: dict, field: str, check, *args, **kwargs):
    """Run one check; file its error under ``field`` (or its own keys) and carry on."""
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for key, messages in error.error_dict.items():
                errors.setdefault(key, []).extend(messages)
        else:
            errors.setdefault(field, []).extend(error.error_list)
        return None


def person_clean(data: Mapping[str, Any], *, prefix: str = "") -> tuple[dict, dict]:
    """A person's identity document; returns (cleaned, errors) with prefixed field names."""
    errors: dict[str, list] = {}
    cleaned = {key: data.get(prefix + key) for key in ("full_name", "nationality", "document_type")}
    cleaned["full_name"] = (cleaned["full_name"] or "").strip()
    if not cleaned["full_name"]:
        errors[prefix + "full_name"] = [
            ValidationError(_("Enter the full name as written on the document."), code="required")
        ]
    cleaned["nationality"] = (cleaned["nationality"] or "CN").upper()
    number = _collect(
        errors,
        prefix + "document_number",
        validate_identity_document,
        document_type=cleaned["document_type"],
        number=data.get(prefix + "document_number") or "",
        nationality=cleaned["nationality"],
        birth_date=data.get(prefix + "birth_date"),
        gender=data.get(prefix + "gender"),
    )
    cleaned["document_number"] = number
    if prefix:
        errors = {
            (key if key.startswith(prefix) else prefix + key): value
            for key, value in errors.items()
        }
    return cleaned, errors


def individual_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned, errors = person_clean(data)
    cleaned.update(
        birth_date=data.get("birth_date"),
        gender=data.get("gender"),
        mobile_region=(data.get("mobile_region") or "CN").upper(),
        email=(data.get("email") or "").strip(),
        occupation=(data.get("occupation") or "").strip(),
        **address_clean(data, errors),
    )
    if cleaned["birth_date"]:
        _collect(
            errors,
            "birth_date",
            validate_birth_date,
            cleaned["birth_date"],
            minimum_age=settings.KYC_MINIMUM_AGE,
        )
    cleaned["mobile"] = _collect(
        errors, "mobile", validate_mobile, data.get("mobile") or "", region=cleaned["mobile_region"]
    )
    if cleaned["email"]:
        _collect(errors, "email", validate_email, cleaned["email"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def address_clean(data: Mapping[str, Any], errors: dict) -> dict[str, str]:
    address = {
        key: (data.get(key) or "").strip() for key in ("province", "city", "district", "street")
    }
    for key in ("province", "city", "street"):
        if not address[key]:
            errors.setdefault(key, []).append(
                ValidationError(_("This part of the address is needed."), code="required")
            )
    return address


def enterprise_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {
        "legal_name": (data.get("legal_name") or "").strip(),
        "business_scope": (data.get("business_scope") or "").strip(),
        "contact_name": (data.get("contact_name") or "").strip(),
        "contact_email": (data.get("contact_email") or "").strip(),
        **address_clean(data, errors),
    }
    if not cleaned["legal_name"]:
        errors["legal_name"] = [
            ValidationError(
                _("Enter the name exactly as on the business licence."), code="required"
            )
        ]
    if not cleaned["contact_name"]:
        errors["contact_name"] = [
            ValidationError(_("Enter the name of the person we may contact."), code="required")
        ]
    cleaned["credit_code"] = _collect(
        errors, "credit_code", validate_credit_code, data.get("credit_code") or ""
    )
    cleaned["contact_mobile"] = _collect(
        errors,
        "contact_mobile",
        validate_mobile,
        data.get("contact_mobile") or "",
        region=(data.get("contact_mobile_region") or "CN").upper(),
    )
    if cleaned["contact_email"]:
        _collect(errors, "contact_email", validate_email, cleaned["contact_email"])

    representative, representative_errors = person_clean(data, prefix="representative_")
    cleaned["representative"] = representative
    errors.update(representative_errors)

    owners = []
    total = Decimal(0)
    for position, owner in enumerate(data.get("beneficial_owners") or []):
        prefix = f"beneficial_owners.{position}."
        owner_cleaned, owner_errors = person_clean(owner)
        errors.update({prefix + key: value for key, value in owner_errors.items()})
        share = owner.get("share")
        if share is None or not (BENEFICIAL_OWNER_THRESHOLD <= Decimal(share) <= MAX_TOTAL_SHARE):
            errors[prefix + "share"] = [
                ValidationError(
                    _(
                        "A beneficial owner holds between %(minimum)s%% and %(maximum)s%% "
                        "of the enterprise."
                    ),
                    code="share_range",
                    params={"minimum": BENEFICIAL_OWNER_THRESHOLD, "maximum": MAX_TOTAL_SHARE},
                )
            ]
        else:
            total += Decimal(share)
        owner_cleaned["share"] = share
        owners.append(owner_cleaned)
    if total > MAX_TOTAL_SHARE:
        errors["beneficial_owners"] = [
            ValidationError(
                _("The owners' shares add up to %(total)s%%, more than 100%%."),
                code="share_total",
                params={"total": total},
            )
        ]
    cleaned["beneficial_owners"] = owners
    if errors:
        raise ValidationError(errors)
    return cleaned
