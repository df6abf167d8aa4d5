"""Reads for the checks of a case as reviewers see them, on the case screen and in the API.

A check is found only through a case the user may see. Each run comes with its
explanation (``verification.checks.explanations``); document reading also with each value
read beside the declared one, both masked as on the rest of the screen. A value read is
shown in full only through the audited reveal, under the key
``check:<check id>:<document>.<field>``.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from customers.enums import CustomerKind
from kyc_portal.core.errors import DomainError
from kyc_portal.crypto.masking import mask_address, mask_date, mask_id_number, mask_name
from verification.checks.explanations import (
    check_explanation,
    check_override_line,
    document_label,
    field_label,
)
from verification.checks.services import case_current_checks
from verification.enums import FINAL_STATES, OPEN_CHECK_STATUSES, CheckKind, CheckOutcome
from verification.models import Case, Check, DocumentKind
from verification.selectors import case_scope_to_user
from verification.workflow import case_check_reviewer

REVEAL_PREFIX = "check:"
KIND_ORDER = {kind: index for index, kind in enumerate(CheckKind.values)}
DOCUMENT_ORDER = {kind: index for index, kind in enumerate(DocumentKind.values)}
# Values in the order the document prints them.
FIELD_ORDER = {
    name: index
    for index, name in enumerate(
        (
            "name",
            "id_number",
            "document_number",
            "credit_code",
            "birth_date",
            "address",
            "issuing_authority",
            "valid_until",
        )
    )
}

# How a value read is masked, as the same declared value is; None: shown in full (the
# enterprise's name is, everywhere). A field not listed is not personal (a validity date).
_MASKS: dict[str, Callable[[object], str]] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "document_number": mask_id_number,
    "credit_code": mask_id_number,
    "birth_date": mask_date,
    "address": mask_address,
    # The police office that issued the card tells where the holder lives.
    "issuing_authority": mask_address,
}
_SHOWN_IN_FULL = {("business_licence", "name")}


def _mask_for(document: str, name: str) -> Callable[[object], str] | None:
    if (document, name) in _SHOWN_IN_FULL:
        return None
    return _MASKS.get(name)


@dataclass(frozen=True)
class ReadValue:
    """One value document reading read, beside the declared one."""

    document: str
    field: str
    declared: str  # masked; empty when nothing declared compares with it
    read: str  # masked unless revealed; empty when it could not be read
    match: bool | None  # None: not compared (not read, or nothing declared)
    similarity: float | None
    key: str  # the reveal key; empty when the value is shown in full anyway
    revealed: bool = False

    @property
    def document_label(self) -> str:
        return document_label(self.document)

    @property
    def field_label(self) -> str:
        return field_label(self.document, self.field)


@dataclass(frozen=True)
class CheckShown:
    """A run of a check with what a reviewer reads about it."""

    check: Check
    explanation: str
    override_line: str
    read_values: list[ReadValue] = field(default_factory=list)
    history: list["CheckShown"] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.check.status in OPEN_CHECK_STATUSES

    @property
    def tone(self) -> str:
        """``pending``, or the outcome that counts: ``pass``, ``fail``, ``review``, ``error``."""
        if self.is_open and not self.check.override_outcome:
            return "pending"
        return self.check.final_outcome or CheckOutcome.ERROR

    @property
    def badge(self) -> str:
        if self.tone == "pending":
            # The explanation says what it waits for.
            return pgettext("check badge", "Pending")
        labels = dict(CheckOutcome.choices)
        return str(labels.get(self.tone, self.tone))

    @property
    def score_label(self) -> str:
        """What the score means for this kind; empty when there is none to show."""
        if self.check.score is None:
            return ""
        if self.check.kind == CheckKind.FACE_MATCH:
            return _("Distance (lower is closer)")
        if self.check.kind == CheckKind.BACKGROUND:
            return _("Match score")
        return _("Score")


def check_get(*, user, check_id) -> Check | None:
    """The check, or None when it does not exist or belongs to a case ``user`` may not see
    (callers answer both with the same 404)."""
    cases = case_scope_to_user(Case.objects.all(), user)
    return (
        Check.objects.select_related("case", "requested_by", "overridden_by")
        .filter(pk=check_id, case__in=cases)
        .first()
    )


def case_checks_actionable(*, case: Case, user) -> bool:
    """Whether ``user`` may run the case's checks again or decide them: the rule the check
    services apply (``case_check_reviewer``), asked beforehand so screens offer only what
    will be accepted."""
    if case.state in FINAL_STATES:
        return False
    try:
        case_check_reviewer(case, user)
    except DomainError:
        return False
    return True


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _declared(case: Case) -> dict[tuple[str, str], object]:
    """The declared values document reading compares with, by (document, field)."""
    customer = case.customer
    if customer.kind == CustomerKind.ENTERPRISE:
        enterprise = customer.enterprise
        return {
            ("business_licence", "name"): enterprise.legal_name,
            ("business_licence", "credit_code"): enterprise.credit_code,
        }
    individual = customer.individual
    return {
        ("id_card_front", "name"): individual.full_name,
        ("id_card_front", "id_number"): individual.document_number,
        ("id_card_front", "birth_date"): individual.birth_date,
        ("id_card_front", "address"): individual.full_address,
        ("passport_page", "document_number"): individual.document_number,
        ("passport_page", "birth_date"): individual.birth_date,
    }


def reveal_key(*, check: Check, document: str, name: str) -> str:
    return f"{REVEAL_PREFIX}{check.pk}:{document}.{name}"


def _shown(document: str, name: str, value, *, revealed: bool) -> str:
    text = _text(value)
    if not text:
        return ""
    if text == "long_term" and name == "valid_until":
        return _("long-term")
    mask = _mask_for(document, name)
    return text if mask is None or revealed else mask(text)


def check_read_values(
    *, check: Check, declared: dict[tuple[str, str], object], revealed: str = ""
) -> list[ReadValue]:
    """The values document reading read (``findings``), masked, beside the declared ones;
    the value under the ``revealed`` key in full."""
    if check.kind != CheckKind.DOCUMENT_READING or not isinstance(check.findings, dict):
        return []
    rows = []
    documents = sorted(check.findings, key=lambda name: DOCUMENT_ORDER.get(name, 99))
    for document in documents:
        values = check.findings[document]
        if not isinstance(values, dict):
            continue
        for name in sorted(values, key=lambda name: FIELD_ORDER.get(name, len(FIELD_ORDER))):
            entry = values[name] if isinstance(values[name], dict) else {}
            read = entry.get("read")
            key = reveal_key(check=check, document=document, name=name)
            is_revealed = bool(read) and key == revealed
            masked = _mask_for(document, name) is not None
            rows.append(
                ReadValue(
                    document=document,
                    field=name,
                    declared=_shown(document, name, declared.get((document, name)), revealed=False),
                    read=_shown(document, name, read, revealed=is_revealed),
                    match=entry.get("match"),
                    similarity=entry.get("similarity"),
                    key=key if read and masked else "",
                    revealed=is_revealed,
                )
            )
    return rows


def check_shown(*, check: Check) -> CheckShown:
    """One run as reviewers see it (values read masked), without the earlier runs."""
    reading = check.kind == CheckKind.DOCUMENT_READING
    return CheckShown(
        check=check,
        explanation=check_explanation(check),
        override_line=check_override_line(check),
        read_values=check_read_values(
            check=check, declared=_declared(check.case) if reading else {}
        ),
    )


def case_checks_shown(*, case: Case, revealed: str = "") -> list[CheckShown]:
    """The current run of each check of the case, in the order of the check kinds, each
    with its earlier runs (newest first)."""
    related = ("requested_by", "overridden_by")
    current = sorted(
        case_current_checks(case=case).select_related(*related),
        key=lambda check: KIND_ORDER.get(check.kind, len(KIND_ORDER)),
    )
    earlier: dict[str, list[CheckShown]] = {}
    superseded = (
        Check.objects.filter(case=case, superseded=True)
        .select_related(*related)
        .order_by("-requested_at")
    )
    for check in superseded:
        earlier.setdefault(check.kind, []).append(
            CheckShown(
                check=check,
                explanation=check_explanation(check),
                override_line=check_override_line(check),
            )
        )
    reading = any(check.kind == CheckKind.DOCUMENT_READING for check in current)
    declared = _declared(case) if reading else {}
    return [
        CheckShown(
            check=check,
            explanation=check_explanation(check),
            override_line=check_override_line(check),
            read_values=check_read_values(check=check, declared=declared, revealed=revealed),
            history=earlier.get(check.kind, []),
        )
        for check in current
    ]


def _parse_key(key: str) -> tuple[uuid.UUID, str, str] | None:
    if not key.startswith(REVEAL_PREFIX):
        return None
    check_id, _colon, path = key.removeprefix(REVEAL_PREFIX).partition(":")
    document, _dot, name = path.partition(".")
    try:
        return uuid.UUID(check_id), document, name
    except ValueError:
        return None


def check_reveal_value(*, case: Case, key: str) -> str | None:
    """The full value read under a reveal ``key`` of one of the case's checks; None when
    there is no such masked value."""
    parsed = _parse_key(key)
    if parsed is None:
        return None
    check_id, document, name = parsed
    if _mask_for(document, name) is None:
        return None
    check = Check.objects.filter(case=case, pk=check_id, kind=CheckKind.DOCUMENT_READING).first()
    if check is None or not isinstance(check.findings, dict):
        return None
    entry = (check.findings.get(document) or {}).get(name)
    read = entry.get("read") if isinstance(entry, dict) else None
    return _text(read) or None


def check_reveal_label(key: str) -> str | None:
    """What a reveal key names, for the audit trail; None for a key of another kind."""
    parsed = _parse_key(key)
    if parsed is None:
        return None
    _check_id, document, name = parsed
    return _("Value read by document reading · %(document)s · %(field)s") % {
        "document": document_label(document),
        "field": field_label(document, name),
    }


def case_document_reading_failure(*, case: Case) -> str | None:
    """The result code of the case's latest document reading when it failed (a reviewer's
    "failed" counts too), else None. A risk factor reads it."""
    check = (
        Check.objects.filter(case=case, kind=CheckKind.DOCUMENT_READING, superseded=False)
        .order_by("-requested_at")
        .first()
    )
    if check is None or check.final_outcome != CheckOutcome.FAIL:
        return None
    return check.summary if not check.override_outcome else "decided_by_reviewer"
