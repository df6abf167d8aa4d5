"""What a check found, in a sentence a reviewer understands, in the reader's language.

Written when shown, from what the check recorded in clear: its kind, status, outcome, the
stable ``summary`` code and its ``params`` (codes, counts, distances, field names). Never
from ``findings``: those hold personal values and are shown masked, apart from this text.
A code this module does not know still gives a sentence, with the code in it.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from verification.checks.background import BackgroundRecordType, PartyRole
from verification.checks.biometrics import InStoreMethod
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check, DocumentKind

# The fields document reading compares or reads, by their name in ``params``.
FIELD_LABELS = {
    "name": pgettext_lazy("document field", "name"),
    "id_number": pgettext_lazy("document field", "ID number"),
    "birth_date": pgettext_lazy("document field", "date of birth"),
    "address": pgettext_lazy("document field", "address"),
    "document_number": pgettext_lazy("document field", "document number"),
    "credit_code": pgettext_lazy("document field", "unified social credit code"),
    "issuing_authority": pgettext_lazy("document field", "issuing authority"),
    "valid_until": pgettext_lazy("document field", "valid until"),
    "mrz": pgettext_lazy("document field", "machine-readable zone"),
    "expiry_date": pgettext_lazy("document field", "expiry date"),
    "optional_data": pgettext_lazy("document field", "personal number"),
    "composite": pgettext_lazy("document field", "whole zone"),
    "sex": pgettext_lazy("document field", "sex"),
    "ethnicity": pgettext_lazy("document field", "ethnic group"),
    "valid_from": pgettext_lazy("document field", "valid from"),
}
# A field whose meaning depends on the document it is on.
DOCUMENT_FIELD_LABELS = {
    ("business_licence", "name"): pgettext_lazy("document field", "enterprise name"),
}
_READING_PROBLEMS = {
    "no_text": gettext_lazy("no text found (blank, far too blurred, or not a document)"),
    "not_recognised": gettext_lazy("text found, but not the labels of this document"),
    "upside_down": gettext_lazy("the image was upside down and was turned to read it"),
    "sideways": gettext_lazy("the image was sideways and was turned to read it"),
}


def list_text(items: Iterable[Any]) -> str:
    """Items in a sentence, separated the reader's way ("、" in Chinese)."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def document_label(document: str) -> str:
    return str(dict(DocumentKind.choices).get(document, document))


def field_label(document: str, field: str) -> str:
    label = DOCUMENT_FIELD_LABELS.get((document, field)) or FIELD_LABELS.get(field, field)
    return str(label)


def _fields_by_document(paths: Iterable[str]) -> str:
    """``["id_card_front.name", "id_card_front.id_number"]`` -> ``ID card (front): name, ID
    number``; documents separated by semicolons."""
    grouped: dict[str, list[str]] = {}
    for path in paths:
        document, _dot, field = str(path).partition(".")
        grouped.setdefault(document, [])
        if field:
            grouped[document].append(field_label(document, field))
    parts = [
        _("%(document)s: %(fields)s")
        % {"document": document_label(document), "fields": list_text(fields)}
        if fields
        else document_label(document)
        for document, fields in grouped.items()
    ]
    return pgettext("list of lists separator", "; ").join(parts)


def _problem_text(problem: str) -> str | None:
    code, _colon, field = str(problem).partition(":")
    if code in _READING_PROBLEMS:
        return str(_READING_PROBLEMS[code])
    if code == "inconsistent" and field:
        return _("the %(field)s contradicts the ID number") % {
            "field": field_label("id_card_front", field)
        }
    if code == "check_failed" and field:
        return _("the check digit of the %(field)s is wrong") % {
            "field": field_label("passport_page", field)
        }
    return None  # "unreadable:<field>" is said by the list of unreadable fields


# -- document reading ------------------------------------------------------------------------


def _reading_match(check: Check, params: dict) -> str:
    documents = params.get("documents") or []
    if not documents:
        return _("Every value read from the documents agrees with the declared data.")
    return _(
        "Every value read from the documents (%(documents)s) agrees with the declared data."
    ) % {"documents": list_text(document_label(document) for document in documents)}


def _reading_mismatch(check: Check, params: dict) -> str:
    mismatched = params.get("mismatched") or []
    if not mismatched:
        return _("A value read from the documents differs from the declared data.")
    return _("Values read from the documents differ from the declared data: %(fields)s.") % {
        "fields": _fields_by_document(mismatched)
    }


def _reading_expired(check: Check, params: dict) -> str:
    expired = params.get("expired") or []
    if not expired:
        return _("The identity document has expired.")
    return _("The document has expired: %(documents)s.") % {
        "documents": list_text(document_label(document) for document in expired)
    }


def _reading_mrz_failed(check: Check, params: dict) -> str:
    failed = [str(path).partition(".")[2] for path in params.get("mrz_failed") or []]
    failed = [field for field in failed if field]
    if not failed:
        return _(
            "A check digit of the passport's machine-readable zone is wrong: the zone was "
            "misread or the passport altered."
        )
    return _(
        "Check digits of the passport's machine-readable zone are wrong (%(fields)s): the "
        "zone was misread or the passport altered."
    ) % {"fields": list_text(field_label("passport_page", field) for field in failed)}


def _reading_unreadable(check: Check, params: dict) -> str:
    sentences = []
    unreadable = params.get("unreadable") or []
    if unreadable:
        sentences.append(
            _("Some values could not be read, compare them by eye: %(fields)s.")
            % {"fields": _fields_by_document(unreadable)}
        )
    problems = [text for text in map(_problem_text, params.get("problems") or []) if text]
    if problems:
        sentences.append(_("Reading problems: %(problems)s.") % {"problems": list_text(problems)})
    if not sentences:
        return _("The documents could not be read well enough: compare them by eye.")
    return " ".join(sentences)


def _reading_nothing(check: Check, params: dict) -> str:
    return _(
        "There is no ID card, passport page or business licence image to read: compare the "
        "documents by eye, or ask the customer for them."
    )


# -- face match ------------------------------------------------------------------------------


def _number(value: Any, digits: int = 2) -> str:
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return "?"


def _face_match(check: Check, params: dict) -> str:
    if "distance" not in params:
        return _("The selfie matches the photo on the identity document.")
    return _(
        "The selfie matches the photo on the identity document: distance %(distance)s, where "
        "up to %(threshold)s counts as the same person."
    ) % {"distance": _number(params["distance"]), "threshold": _number(params.get("threshold"))}


def _face_no_match(check: Check, params: dict) -> str:
    if "distance" not in params:
        return _("The selfie does not match the photo on the identity document.")
    return _(
        "The selfie does not match the photo on the identity document: distance "
        "%(distance)s, above the limit of %(threshold)s for the same person."
    ) % {"distance": _number(params["distance"]), "threshold": _number(params.get("threshold"))}


def _face_missing(check: Check, params: dict) -> str:
    missing = params.get("missing", "")
    if missing == "selfie":
        return _("There is no selfie to compare: ask the customer for one.")
    if missing == "document":
        return _(
            "There is no ID card front or passport page with a photo to compare the selfie with."
        )
    return _("There is neither a selfie nor an identity document photo to compare.")


def _face_several(check: Check, params: dict) -> str:
    faces = params.get("faces")
    if not isinstance(faces, int):
        return _("The selfie shows more than one face: only the customer may be on it.")
    return _("The selfie shows %(faces)d faces: only the customer may be on it.") % {"faces": faces}


_ATTACK_SIGNALS: dict[str, Callable[[dict], str]] = {
    "image_too_small": lambda params: (
        _(
            "the selfie is only %(pixels)s pixels on its shorter side, too small to compare and "
            "typical of a crop of someone else's picture"
        )
        % {"pixels": params.get("image_px", "?")}
    ),
    "face_too_small": lambda params: (
        _(
            "the face on the selfie is only %(pixels)s pixels wide, too small to compare and "
            "typical of a crop of someone else's picture"
        )
        % {"pixels": params.get("face_px", "?")}
    ),
    "screen_pattern": lambda params: (
        _(
            "the selfie shows the regular pixel grid of a screen (pattern %(ratio)s, photos stay "
            "under 100): it may be a photo of a screen"
        )
        % {"ratio": _number(params.get("pattern_ratio"), 0)}
    ),
    "screen_border": lambda params: (
        _(
            "the selfie has flat bands of one colour on two sides (%(percent)s%% of the image), "
            "as a screenshot or a phone held up to the camera leaves"
        )
        % {"percent": _number(params.get("border_pct"), 0)}
    ),
    "same_as_document": lambda params: _(
        "the selfie is the document's own portrait, not a new photo"
    ),
}


def _face_attack(check: Check, params: dict) -> str:
    signal = params.get("signal", "")
    describe = _ATTACK_SIGNALS.get(signal)
    if describe is None:
        return _("The selfie may not be a live photo of the customer (signal “%(signal)s”).") % {
            "signal": signal
        }
    return _("The selfie may not be a live photo of the customer: %(signal)s.") % {
        "signal": describe(params)
    }


# -- in store --------------------------------------------------------------------------------


def _in_store(verified: bool) -> Callable[[Check, dict], str]:
    def explain(check: Check, params: dict) -> str:
        values = {
            "store": params.get("store") or "?",
            "reference": params.get("device_reference") or "?",
        }
        if params.get("method") == InStoreMethod.FACE:
            if verified:
                text = _(
                    "Staff of store %(store)s verified the customer's face in person "
                    "(device or reference %(reference)s)."
                )
            else:
                text = _(
                    "Staff of store %(store)s could not verify the customer's face in person "
                    "(device or reference %(reference)s)."
                )
        elif verified:
            text = _(
                "Staff of store %(store)s verified the customer's fingerprint in person "
                "(device or reference %(reference)s)."
            )
        else:
            text = _(
                "Staff of store %(store)s could not verify the customer's fingerprint in "
                "person (device or reference %(reference)s)."
            )
        return text % values

    return explain


# -- background ------------------------------------------------------------------------------


def _record_types(params: dict) -> str:
    labels = dict(BackgroundRecordType.choices)
    return list_text(labels.get(code, code) for code in params.get("record_types") or [])


def _record_details(params: dict) -> str:
    """Sentences naming the records' types and sources, or nothing without them."""
    text = ""
    if params.get("record_types"):
        text += " " + _("Type: %(types)s.") % {"types": _record_types(params)}
    if params.get("sources"):
        text += " " + _("Source: %(sources)s.") % {"sources": list_text(params["sources"])}
    return text


def _parties(params: dict) -> str:
    labels = dict(PartyRole.choices)
    return list_text(labels.get(role, role) for role in params.get("parties") or [])


def _count(params: dict) -> int:
    count = params.get("count")
    return count if isinstance(count, int) else 1


def _background_found(check: Check, params: dict) -> str:
    count = _count(params)
    if params.get("parties"):
        text = ngettext(
            "A record carries the identity number or credit code of: %(parties)s.",
            "%(count)d records carry the identity number or credit code of: %(parties)s.",
            count,
        ) % {"count": count, "parties": _parties(params)}
    else:
        text = ngettext(
            "The vendor reports a record about the customer.",
            "The vendor reports %(count)d records about the customer.",
            count,
        ) % {"count": count}
    return text + _record_details(params)


def _background_possible(check: Check, params: dict) -> str:
    count = _count(params)
    score = params.get("score")
    values = {"count": count, "parties": _parties(params), "score": _number(score)}
    if params.get("parties"):
        text = ngettext(
            "Only a name is close to a record, for: %(parties)s (similarity %(score)s): "
            "check whether it is the same person or enterprise.",
            "Only names are close to %(count)d records, for: %(parties)s (best similarity "
            "%(score)s): check whether it is the same person or enterprise.",
            count,
        )
    elif score is not None:
        text = _(
            "The vendor reports a possible match (score %(score)s): check whether it is the "
            "same person or enterprise."
        )
    else:
        text = _(
            "The vendor reports a possible match: check whether it is the same person or "
            "enterprise."
        )
    return text % values + _record_details(params)


def _background_clear(check: Check, params: dict) -> str:
    records = params.get("records")
    if isinstance(records, int):
        return ngettext(
            "No record about the customer or the people linked to them among the %(records)d "
            "record of the reference file.",
            "No record about the customer or the people linked to them among the %(records)d "
            "records of the reference file.",
            records,
        ) % {"records": records}
    return _("No record found about the customer or the people linked to them.")


# -- every kind ------------------------------------------------------------------------------


def _waiting(check: Check, params: dict) -> str:
    if check.kind == CheckKind.IN_PERSON_BIOMETRIC:
        return _(
            "Waiting for store staff to record the fingerprint or face verification done with "
            "the customer in the store."
        )
    if check.vendor_reference:
        return _(
            "The provider took the request and answers later (its reference: %(reference)s)."
        ) % {"reference": check.vendor_reference}
    return _("Waiting for the provider's answer.")


def _timeout(check: Check, params: dict) -> str:
    return ngettext(
        "The provider did not answer in time (%(attempts)d attempt).",
        "The provider did not answer in time, in %(attempts)d attempts.",
        check.attempts,
    ) % {"attempts": check.attempts}


def _static(text) -> Callable[[Check, dict], str]:
    return lambda check, params: str(text)


_NOT_INSTALLED = _static(
    gettext_lazy(
        "The software this check needs is not installed on the server: an administrator must "
        "install it. Until then, decide the check yourself."
    )
)
_COMMON: dict[str, Callable[[Check, dict], str]] = {
    "waiting": _waiting,
    "timeout": _timeout,
    "provider_crashed": _static(
        gettext_lazy(
            "The check stopped on an unexpected error of its provider (recorded in the server "
            "log). Run it again; if it fails again, decide it yourself."
        )
    ),
    "not_installed": _NOT_INSTALLED,
    "engine_missing": _NOT_INSTALLED,
    "engine_failed": _static(
        gettext_lazy("The document reading engine failed. Run the check again.")
    ),
    "bad_image": _static(gettext_lazy("An image could not be decoded as a JPEG or PNG.")),
    "unreadable_image": _static(gettext_lazy("An image could not be decoded as a JPEG or PNG.")),
    "no_biometric_consent": _static(
        gettext_lazy(
            "The face match did not run: the customer has not given, or has withdrawn, their "
            "separate consent to biometric processing."
        )
    ),
}
_BY_KIND: dict[str, dict[str, Callable[[Check, dict], str]]] = {
    CheckKind.DOCUMENT_READING: {
        "match": _reading_match,
        "mismatch": _reading_mismatch,
        "document_expired": _reading_expired,
        "mrz_check_failed": _reading_mrz_failed,
        "unreadable": _reading_unreadable,
        "nothing_to_read": _reading_nothing,
    },
    CheckKind.FACE_MATCH: {
        "match": _face_match,
        "no_match": _face_no_match,
        "missing_image": _face_missing,
        "no_face_selfie": _static(
            gettext_lazy("No face was found on the selfie: ask the customer for a new one.")
        ),
        "several_faces": _face_several,
        "no_face_document": _static(
            gettext_lazy("No portrait was found on the ID card or passport image.")
        ),
        "presentation_attack_suspected": _face_attack,
    },
    CheckKind.IN_PERSON_BIOMETRIC: {
        "verified_in_person": _in_store(verified=True),
        "not_verified_in_person": _in_store(verified=False),
    },
    CheckKind.BACKGROUND: {
        "record_found": _background_found,
        "possible_match": _background_possible,
        "no_record": _background_clear,
        "vendor_failed": _static(
            gettext_lazy(
                "The vendor could not carry out the check. Run it again later, or decide it "
                "yourself."
            )
        ),
        "no_reference_file": _static(
            gettext_lazy(
                "No reference file of known records has been imported: an administrator must "
                "import one (manage.py import_background_records)."
            )
        ),
        "reference_file_unreadable": _static(
            gettext_lazy(
                "The reference file of known records cannot be read: an administrator must "
                "import it again."
            )
        ),
        "vendor_unreachable": _static(
            gettext_lazy("The vendor could not be reached. Run the check again later.")
        ),
        "vendor_rate_limited": _static(
            gettext_lazy("The vendor asked us to slow down. Run the check again later.")
        ),
        "vendor_error": _static(
            gettext_lazy("The vendor's service failed. Run the check again later.")
        ),
        "vendor_refused": _static(
            gettext_lazy(
                "The vendor refused the request (a wrong API key or request): an "
                "administrator must look at the settings."
            )
        ),
        "vendor_bad_answer": _static(
            gettext_lazy(
                "The vendor's answer could not be understood. Run the check again; if it "
                "fails again, decide it yourself."
            )
        ),
        "vendor_misconfigured": _static(
            gettext_lazy(
                "The vendor's address is not set up correctly (it must be https://): an "
                "administrator must correct the settings."
            )
        ),
    },
}


def _open(check: Check) -> str:
    if check.status == CheckStatus.RUNNING:
        return _("Running now.")
    if check.attempts:
        return _(
            "A temporary problem stopped attempt %(attempt)d: the check runs again shortly."
        ) % {"attempt": check.attempts}
    return _("Waiting to run.")


def check_explanation(check: Check) -> str:
    """What ``check`` found, or where it stands, for a reviewer."""
    if check.status in (CheckStatus.PENDING, CheckStatus.RUNNING):
        return _open(check)
    params = check.params if isinstance(check.params, dict) else {}
    explain = _BY_KIND.get(check.kind, {}).get(check.summary) or _COMMON.get(check.summary)
    if explain is not None:
        return str(explain(check, params))
    if check.status == CheckStatus.FAILED:
        return _("The check could not be completed (code “%(code)s”).") % {"code": check.summary}
    if not check.summary:
        return _("The check gave no explanation.")
    return _("The provider answered with the code “%(code)s”.") % {"code": check.summary}


def check_override_line(check: Check) -> str:
    """Who decided the check themself, when, which way and why; empty when nobody did."""
    if not check.override_outcome:
        return ""
    values = {
        "reviewer": check.overridden_by.display_name if check.overridden_by else _("a reviewer"),
        "date": date_format(timezone.localtime(check.overridden_at), "Y-m-d H:i")
        if check.overridden_at
        else "—",
        "reason": check.override_reason,
    }
    if check.override_outcome == CheckOutcome.PASS:
        return _("Decided by %(reviewer)s on %(date)s: passed — %(reason)s") % values
    return _("Decided by %(reviewer)s on %(date)s: failed — %(reason)s") % values
