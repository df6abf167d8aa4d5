"""The shape of a scoring policy's rules, their defaults and their validation.

A policy is data (``RiskPolicy.rules``), so administrators change weights, thresholds and
lists without a release, and every assessment keeps the version it was computed with.

``points`` gives each factor its weight. ``customer_type`` and ``channel`` weigh each
value separately ({"enterprise": 30, ...}); the other factors add a fixed number of points
when they find something.
"""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel, CustomerKind

from .enums import RiskFactor, RiskLevel

# Factors whose points depend on a value of the case, and the values they know.
VALUE_WEIGHTED_FACTORS: dict[str, tuple[str, ...]] = {
    RiskFactor.CUSTOMER_TYPE: tuple(CustomerKind.values),
    RiskFactor.CHANNEL: tuple(Channel.values),
}
MAX_POINTS = 1000
MAX_AGE = 130
MAX_RECHECK_MONTHS = 120
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")

DEFAULT_RULES: dict[str, Any] = {
    "points": {
        "customer_type": {"individual": 0, "enterprise": 30},
        # Nobody saw the customer or the original documents.
        "channel": {"store": 0, "web": 10, "api": 10},
        "high_risk_jurisdiction": 60,
        "age": 10,
        "duplicate_identity_attempts": 30,
        "ownership_incomplete": 20,
        "identity_inconsistent": 40,
        # What the document reading found: a value that differs, an expired document, a
        # passport zone whose check digits fail.
        "document_check_failed": 40,
    },
    # A score at or above a threshold has that level; below "medium" it is low.
    "thresholds": {"medium": 30, "high": 60},
    # FATF "high-risk jurisdictions subject to a call for action" and "jurisdictions under
    # increased monitoring", as published in June 2025. Administrators keep the list current.
    "high_risk_jurisdictions": [
        "KP",
        "IR",
        "MM",
        "DZ",
        "AO",
        "BO",
        "BG",
        "BF",
        "CM",
        "CI",
        "CD",
        "HT",
        "KE",
        "LA",
        "LB",
        "MC",
        "MZ",
        "NA",
        "NP",
        "NG",
        "ZA",
        "SS",
        "SY",
        "VE",
        "VN",
        "YE",
        "VG",
    ],
    # Individuals younger than "young_below" or at least "elderly_from" years old.
    "age_bands": {"young_below": 21, "elderly_from": 80},
    # Months from registration to the next periodic re-check.
    "recheck_months": {"low": 36, "medium": 24, "high": 12},
}

RULE_SECTIONS = ("points", "thresholds", "high_risk_jurisdictions", "age_bands", "recheck_months")


def _is_count(value: Any) -> bool:
    # bool is an int in Python, but `true` is not a number of points.
    return isinstance(value, int) and not isinstance(value, bool)


class _Errors:
    def __init__(self):
        self.messages: list[ValidationError] = []

    def add(self, message, code: str, /, **params) -> None:
        self.messages.append(ValidationError(message, code=code, params=params or None))


def _check_points_value(errors: _Errors, where: str, value: Any) -> None:
    if not _is_count(value):
        errors.add(_("The points of %(where)s must be a whole number."), "points_type", where=where)
    elif value < 0:
        errors.add(
            _("The points of %(where)s are negative (%(value)s); use 0 or more."),
            "points_negative",
            where=where,
            value=value,
        )
    elif value > MAX_POINTS:
        errors.add(
            _("The points of %(where)s (%(value)s) are more than %(maximum)s."),
            "points_too_high",
            where=where,
            value=value,
            maximum=MAX_POINTS,
        )


def _check_points(errors: _Errors, points: Any) -> None:
    if not isinstance(points, Mapping):
        errors.add(_("“points” must map each factor to its points."), "points_shape")
        return
    for code, value in points.items():
        if code not in RiskFactor.values:
            errors.add(
                _("Unknown factor “%(code)s”. Known factors: %(known)s."),
                "unknown_factor",
                code=code,
                known=", ".join(RiskFactor.values),
            )
        elif code in VALUE_WEIGHTED_FACTORS:
            known = VALUE_WEIGHTED_FACTORS[code]
            if not isinstance(value, Mapping):
                errors.add(
                    _("The points of “%(code)s” are given per value: {%(example)s}."),
                    "points_shape",
                    code=code,
                    example=", ".join(f'"{key}": 0' for key in known),
                )
                continue
            for key, item in value.items():
                if key not in known:
                    errors.add(
                        _("“%(code)s” has no value “%(key)s”. Known values: %(known)s."),
                        "unknown_factor_value",
                        code=code,
                        key=key,
                        known=", ".join(known),
                    )
                else:
                    _check_points_value(errors, f"{code}.{key}", item)
        else:
            _check_points_value(errors, code, value)


def _check_thresholds(errors: _Errors, thresholds: Any) -> None:
    levels = (RiskLevel.MEDIUM, RiskLevel.HIGH)
    if not isinstance(thresholds, Mapping) or set(thresholds) != set(levels):
        errors.add(
            _("“thresholds” must give exactly the scores for “medium” and “high”."),
            "thresholds_shape",
        )
        return
    if not all(_is_count(thresholds[level]) and thresholds[level] >= 0 for level in levels):
        errors.add(_("Thresholds must be whole numbers of 0 or more."), "thresholds_type")
    elif thresholds[RiskLevel.MEDIUM] >= thresholds[RiskLevel.HIGH]:
        errors.add(
            _(
                "Thresholds must increase: the score for high risk (%(high)s) must be above "
                "the score for medium risk (%(medium)s)."
            ),
            "thresholds_order",
            high=thresholds[RiskLevel.HIGH],
            medium=thresholds[RiskLevel.MEDIUM],
        )


def _check_jurisdictions(errors: _Errors, countries: Any) -> None:
    if not isinstance(countries, list):
        errors.add(
            _("“high_risk_jurisdictions” must be a list of country codes such as “KP”."),
            "jurisdictions_shape",
        )
        return
    for country in countries:
        if not isinstance(country, str) or not _COUNTRY_CODE.match(country):
            errors.add(
                _(
                    "“%(value)s” is not a country code: use the two capital letters of "
                    "ISO 3166 (for example “KP”)."
                ),
                "country_code",
                value=country,
            )
    if len(set(map(str, countries))) != len(countries):
        errors.add(_("A country appears twice in “high_risk_jurisdictions”."), "country_twice")


def _check_age_bands(errors: _Errors, bands: Any) -> None:
    keys = ("young_below", "elderly_from")
    if not isinstance(bands, Mapping) or set(bands) != set(keys):
        errors.add(
            _("“age_bands” must give exactly “young_below” and “elderly_from” (in years)."),
            "age_bands_shape",
        )
        return
    if not all(_is_count(bands[key]) and 0 <= bands[key] <= MAX_AGE for key in keys):
        errors.add(
            _("Ages must be whole numbers of years between 0 and %(maximum)s."),
            "age_bands_type",
            maximum=MAX_AGE,
        )
    elif bands["young_below"] >= bands["elderly_from"]:
        errors.add(
            _("“young_below” (%(young)s) must be less than “elderly_from” (%(elderly)s)."),
            "age_bands_order",
            young=bands["young_below"],
            elderly=bands["elderly_from"],
        )


def _check_recheck_months(errors: _Errors, months: Any) -> None:
    levels = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
    if not isinstance(months, Mapping) or set(months) != set(levels):
        errors.add(
            _("“recheck_months” must give the months for “low”, “medium” and “high”."),
            "recheck_shape",
        )
        return
    if not all(
        _is_count(months[level]) and 1 <= months[level] <= MAX_RECHECK_MONTHS for level in levels
    ):
        errors.add(
            _("Re-check intervals must be whole numbers of months from 1 to %(maximum)s."),
            "recheck_type",
            maximum=MAX_RECHECK_MONTHS,
        )
    elif not months[RiskLevel.LOW] >= months[RiskLevel.MEDIUM] >= months[RiskLevel.HIGH]:
        errors.add(
            _("Riskier customers must be re-checked at least as often: low ≥ medium ≥ high."),
            "recheck_order",
        )


def rules_validate(rules: Any) -> None:
    """Raise a ValidationError listing everything wrong with ``rules``, or return."""
    errors = _Errors()
    if not isinstance(rules, Mapping):
        errors.add(_("The rules must be a JSON object."), "rules_shape")
        raise ValidationError(errors.messages)
    missing = [section for section in RULE_SECTIONS if section not in rules]
    if missing:
        errors.add(
            _("Missing sections: %(sections)s."), "rules_missing", sections=", ".join(missing)
        )
    unknown = [section for section in rules if section not in RULE_SECTIONS]
    if unknown:
        errors.add(
            _("Unknown sections: %(sections)s."), "rules_unknown", sections=", ".join(unknown)
        )
    checks = {
        "points": _check_points,
        "thresholds": _check_thresholds,
        "high_risk_jurisdictions": _check_jurisdictions,
        "age_bands": _check_age_bands,
        "recheck_months": _check_recheck_months,
    }
    for section, check in checks.items():
        if section in rules:
            check(errors, rules[section])
    if errors.messages:
        raise ValidationError(errors.messages)


def rules_level(rules: Mapping[str, Any], score: int) -> str:
    """The risk level of ``score`` under ``rules``' thresholds."""
    thresholds = rules["thresholds"]
    if score >= thresholds[RiskLevel.HIGH]:
        return RiskLevel.HIGH
    if score >= thresholds[RiskLevel.MEDIUM]:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW
