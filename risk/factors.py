"""The risk factors: each looks at what onboarding knows about a case and reports a finding.

A factor returns ``None`` (nothing found) or the parameters of its finding; the policy says
how many points the finding is worth. Parameters are stored on the assessment, so they
hold codes and counts only — a country code, an age band, a number of attempts — never a
name, identity number or date of birth. ``factor_explain`` turns them into the sentence a
reviewer reads, in the reader's language, when it is shown.
"""

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.enums import Channel, CustomerKind, DocumentType
from customers.identity import (
    validate_permanent_residence_id,
    validate_residence_permit,
    validate_resident_id,
)
from customers.models import Customer, DuplicateIdentityAttempt
from customers.validation import MAX_TOTAL_SHARE

from .enums import RiskFactor
from .rules import VALUE_WEIGHTED_FACTORS

Params = dict[str, Any]

# Hong Kong, Macau and Taiwan: the region codes of residence permits and the letters of
# travel permits.
_PERMIT_REGION_COUNTRY = {"81": "HK", "82": "MO", "83": "TW"}
_TRAVEL_PERMIT_LETTER_COUNTRY = {"H": "HK", "M": "MO"}
# Documents whose number encodes the holder's birth date and gender (GB 11643).
_NUMBER_DECODERS: dict[str, Callable] = {
    DocumentType.RESIDENT_ID: validate_resident_id,
    DocumentType.RESIDENCE_PERMIT: validate_residence_permit,
    DocumentType.PERMANENT_RESIDENCE_ID: validate_permanent_residence_id,
}


@dataclass(frozen=True)
class FactorContext:
    """What the factors read: the case's customer with their profile, and the policy."""

    customer: Customer
    channel: str
    rules: Mapping[str, Any]
    today: datetime.date
    case: Any = None

    @property
    def is_enterprise(self) -> bool:
        return self.customer.kind == CustomerKind.ENTERPRISE

    def people(self) -> Iterator[tuple[str, Any]]:
        """(role, person) for everyone identified by a document in the application."""
        if not self.is_enterprise:
            yield "customer", self.customer.individual
            return
        enterprise = self.customer.enterprise
        yield "legal_representative", enterprise.legal_representative
        for owner in enterprise.beneficial_owners.order_by("pk"):
            yield "beneficial_owner", owner


def _value_points(context: FactorContext, code: str, value: str) -> Params | None:
    points = context.rules["points"].get(code, {})
    return {"value": value} if points.get(value, 0) > 0 else None


def customer_type(context: FactorContext) -> Params | None:
    return _value_points(context, RiskFactor.CUSTOMER_TYPE, context.customer.kind)


def channel(context: FactorContext) -> Params | None:
    return _value_points(context, RiskFactor.CHANNEL, context.channel)


def high_risk_jurisdiction(context: FactorContext) -> Params | None:
    """An individual's nationality, or an enterprise's representative's or owners', is on
    the policy's list."""
    listed = set(context.rules["high_risk_jurisdictions"])
    found = sorted(
        {
            (role, person.nationality)
            for role, person in context.people()
            if person.nationality in listed
        }
    )
    if not found:
        return None
    return {"people": [{"role": role, "country": country} for role, country in found]}


def _age(birth_date: datetime.date, today: datetime.date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def age(context: FactorContext) -> Params | None:
    """An individual younger than the young band's limit or at least the elderly band's."""
    if context.is_enterprise:
        return None
    bands = context.rules["age_bands"]
    years = _age(context.customer.individual.birth_date, context.today)
    if years < bands["young_below"]:
        return {"band": "young", "limit": bands["young_below"]}
    if years >= bands["elderly_from"]:
        return {"band": "elderly", "limit": bands["elderly_from"]}
    return None


def duplicate_identity_attempts(context: FactorContext) -> Params | None:
    """Someone else tried to register this customer's identity, or this customer's login
    tried to register an identity that belongs to another customer."""
    customer = context.customer
    on_identity = DuplicateIdentityAttempt.objects.filter(existing_customer=customer).count()
    by_login = 0
    if customer.user_id is not None:
        by_login = (
            DuplicateIdentityAttempt.objects.filter(attempted_by_id=customer.user_id)
            .filter(~Q(existing_customer=customer))
            .count()
        )
    if not on_identity and not by_login:
        return None
    return {"on_identity": on_identity, "by_login": by_login}


def ownership_incomplete(context: FactorContext) -> Params | None:
    """An enterprise declared no beneficial owner, or its owners' shares leave part of it
    unaccounted for (owners are those holding 25% or more, so the rest is held by people
    the application does not name)."""
    if not context.is_enterprise:
        return None
    owners = context.customer.enterprise.beneficial_owners.aggregate(
        total=Sum("share"), count=Count("pk")
    )
    if not owners["count"]:
        return {"owners": 0, "declared_share": "0"}
    total = owners["total"] or Decimal(0)
    if total >= MAX_TOTAL_SHARE:
        return None
    return {"owners": owners["count"], "declared_share": f"{total.normalize():f}"}


def _document_country(document_type: str, number: str) -> str | None:
    """Hong Kong, Macau or Taiwan, for the permits issued to their residents."""
    if document_type == DocumentType.RESIDENCE_PERMIT:
        return _PERMIT_REGION_COUNTRY.get(number[:2])
    if document_type == DocumentType.TRAVEL_PERMIT:
        return _TRAVEL_PERMIT_LETTER_COUNTRY.get(number[:1], "TW")
    return None


def _nationality_fits(document_type: str, nationality: str, number: str) -> bool:
    if document_type == DocumentType.RESIDENT_ID:
        return nationality == "CN"
    if document_type == DocumentType.PERMANENT_RESIDENCE_ID:
        return nationality != "CN"
    if document_type in (DocumentType.RESIDENCE_PERMIT, DocumentType.TRAVEL_PERMIT):
        # Their holders are Chinese nationals; some declare their region instead.
        return nationality in ("CN", _document_country(document_type, number))
    return True


def _person_issues(role: str, person, *, declared: Any = None) -> list[Params]:
    issues = []
    number = person.document_number or ""
    if not _nationality_fits(person.document_type, person.nationality, number):
        issues.append(
            {
                "role": role,
                "issue": "nationality_document",
                "nationality": person.nationality,
                "document_type": person.document_type,
            }
        )
    decode = _NUMBER_DECODERS.get(person.document_type)
    if decode is None or declared is None:
        return issues
    try:
        _number, encoded_birth_date, encoded_gender = decode(number)
    except ValidationError:
        issues.append({"role": role, "issue": "number_invalid"})
        return issues
    if encoded_birth_date is not None and encoded_birth_date != declared.birth_date:
        issues.append({"role": role, "issue": "birth_date"})
    if encoded_gender is not None and encoded_gender != declared.gender:
        issues.append({"role": role, "issue": "gender"})
    return issues


def identity_inconsistent(context: FactorContext) -> Params | None:
    """The identity document disagrees with what else was declared.

    Checked, for every person in the application:

    - nationality against the document type: a mainland resident ID card is issued only to
      Chinese nationals, a foreign permanent residence ID card never to them, and the
      permits for Hong Kong, Macau and Taiwan residents to Chinese nationals of that region
      (declared as CN or as the region). Registration does not check this.
    - for an individual, the birth date and gender encoded in a GB 11643 number (resident
      ID, residence permit, new permanent residence ID) against the declared ones, and the
      number's own validity. Registration and corrections check these when data is typed;
      they are checked again because data can change afterwards by other ways (the admin).

    Not checked: the region code of a resident ID against the declared address — people
    move, and the code records where the card was first issued, so a difference means
    nothing by itself.
    """
    issues = []
    for role, person in context.people():
        declared = person if role == "customer" else None
        issues.extend(_person_issues(role, person, declared=declared))
    return {"issues": issues} if issues else None


def document_check_failed(context: FactorContext) -> Params | None:
    """The latest document reading of the case failed (or a reviewer decided it failed)."""
    from verification.checks.selectors import case_document_reading_failure

    if context.case is None:
        return None
    result = case_document_reading_failure(case=context.case)
    return None if result is None else {"result": result}


FACTORS: dict[str, Callable[[FactorContext], Params | None]] = {
    RiskFactor.CUSTOMER_TYPE: customer_type,
    RiskFactor.CHANNEL: channel,
    RiskFactor.HIGH_RISK_JURISDICTION: high_risk_jurisdiction,
    RiskFactor.AGE: age,
    RiskFactor.DUPLICATE_IDENTITY_ATTEMPTS: duplicate_identity_attempts,
    RiskFactor.OWNERSHIP_INCOMPLETE: ownership_incomplete,
    RiskFactor.IDENTITY_INCONSISTENT: identity_inconsistent,
    RiskFactor.DOCUMENT_CHECK_FAILED: document_check_failed,
}


def factor_points(rules: Mapping[str, Any], code: str, params: Params) -> int:
    points = rules["points"][code]
    if code in VALUE_WEIGHTED_FACTORS:
        return points.get(params["value"], 0)
    return points


def factors_find(context: FactorContext) -> list[dict[str, Any]]:
    """Every finding of the factors the policy weighs, as stored on an assessment."""
    findings = []
    for code, factor in FACTORS.items():
        # A factor the policy gives no points to is switched off.
        if code not in context.rules["points"]:
            continue
        params = factor(context)
        if params is not None:
            findings.append(
                {
                    "code": code,
                    "points": factor_points(context.rules, code, params),
                    "params": params,
                }
            )
    return findings


# -- explanations -------------------------------------------------------------------------


def _role_label(role: str) -> str:
    return {
        "customer": _("the customer"),
        "legal_representative": _("the legal representative"),
        "beneficial_owner": _("a beneficial owner"),
    }.get(role, role)


def _explain_customer_type(params: Params) -> str:
    if params["value"] == CustomerKind.ENTERPRISE:
        return _(
            "The customer is an enterprise: ownership and control are harder to verify "
            "than a person's identity."
        )
    return _("The customer is of type “%(type)s”.") % {"type": CustomerKind(params["value"]).label}


def _explain_channel(params: Params) -> str:
    label = Channel(params["value"]).label
    if params["value"] == Channel.STORE:
        return _("The application came in through the channel “%(channel)s”.") % {"channel": label}
    return _(
        "The application came in through the channel “%(channel)s”: nobody saw the customer "
        "or the original documents."
    ) % {"channel": label}


def _explain_jurisdiction(params: Params) -> str:
    people = "; ".join(
        _("%(person)s has nationality %(country)s")
        % {"person": _role_label(person["role"]), "country": person["country"]}
        for person in params["people"]
    )
    return _("Nationality on the list of high-risk jurisdictions: %(people)s.") % {"people": people}


def _explain_age(params: Params) -> str:
    if params["band"] == "young":
        return _(
            "The customer is younger than %(limit)s: young customers are more often used "
            "to open accounts for others."
        ) % {"limit": params["limit"]}
    return _(
        "The customer is %(limit)s or older: elderly customers are more often the victims "
        "of fraud in their name."
    ) % {"limit": params["limit"]}


def _explain_duplicates(params: Params) -> str:
    parts = []
    if params["on_identity"]:
        parts.append(
            ngettext(
                "Someone else tried once to register this customer's identity.",
                "Someone else tried %(count)d times to register this customer's identity.",
                params["on_identity"],
            )
            % {"count": params["on_identity"]}
        )
    if params["by_login"]:
        parts.append(
            ngettext(
                "This customer's login tried once to register an identity that belongs to "
                "another customer.",
                "This customer's login tried %(count)d times to register identities that "
                "belong to other customers.",
                params["by_login"],
            )
            % {"count": params["by_login"]}
        )
    return " ".join(parts)


def _explain_ownership(params: Params) -> str:
    if not params["owners"]:
        # xgettext:no-python-format
        return _("The enterprise declared no beneficial owner holding 25% or more.")
    return _(
        "The declared beneficial owners hold %(share)s%% of the enterprise together: "
        "who controls the rest is not known."
    ) % {"share": params["declared_share"]}


def _explain_issue(issue: Params) -> str:
    person = _role_label(issue["role"])
    if issue["issue"] == "nationality_document":
        return _(
            "the nationality of %(person)s (%(country)s) does not fit the identity document "
            "(%(document)s)"
        ) % {
            "person": person,
            "country": issue["nationality"],
            "document": DocumentType(issue["document_type"]).label,
        }
    if issue["issue"] == "birth_date":
        return _("the date of birth of %(person)s differs from the one in the ID number") % {
            "person": person
        }
    if issue["issue"] == "gender":
        return _("the gender of %(person)s differs from the one in the ID number") % {
            "person": person
        }
    return _("the identity number of %(person)s is no longer valid") % {"person": person}


def _explain_identity(params: Params) -> str:
    issues = "; ".join(_explain_issue(issue) for issue in params["issues"])
    return _("The identity document disagrees with the declared data: %(issues)s.") % {
        "issues": issues
    }


def _explain_document_check(params: Params) -> str:
    result = params.get("result")
    if result == "document_expired":
        return _("Reading the identity documents showed an expired document.")
    if result == "mrz_check_failed":
        return _("The check digits of the passport's machine-readable zone do not verify.")
    if result == "mismatch":
        return _("A value read from the identity documents differs from the declared one.")
    return _("The identity documents failed the automatic reading.")


_EXPLAINERS: dict[str, Callable[[Params], str]] = {
    RiskFactor.CUSTOMER_TYPE: _explain_customer_type,
    RiskFactor.CHANNEL: _explain_channel,
    RiskFactor.HIGH_RISK_JURISDICTION: _explain_jurisdiction,
    RiskFactor.AGE: _explain_age,
    RiskFactor.DUPLICATE_IDENTITY_ATTEMPTS: _explain_duplicates,
    RiskFactor.OWNERSHIP_INCOMPLETE: _explain_ownership,
    RiskFactor.IDENTITY_INCONSISTENT: _explain_identity,
    RiskFactor.DOCUMENT_CHECK_FAILED: _explain_document_check,
}


def factor_explain(code: str, params: Params) -> str:
    """The sentence a reviewer reads about one finding, in the active language."""
    return _EXPLAINERS[code](params)
