"""What a reviewer reads about a check: a sentence for every result code of every provider,
written from the codes and details recorded in clear, in the reader's language."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation

from kyc_portal.accounts.roles import Role
from tests.factories.accounts import UserFactory
from verification.checks.explanations import check_explanation, check_override_line
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check

READING, FACE, IN_STORE, BACKGROUND = (
    CheckKind.DOCUMENT_READING,
    CheckKind.FACE_MATCH,
    CheckKind.IN_PERSON_BIOMETRIC,
    CheckKind.BACKGROUND,
)
GENERIC = ("answered with the code", "could not be completed (code")


def done(kind, summary, params=None, *, status=CheckStatus.DONE, **fields) -> Check:
    return Check(kind=kind, status=status, summary=summary, params=params or {}, **fields)


def failed(kind, summary, **fields) -> Check:
    return done(kind, summary, status=CheckStatus.FAILED, outcome=CheckOutcome.ERROR, **fields)


CASES = [
    # document reading
    (
        done(READING, "match", {"documents": ["id_card_back", "id_card_front"]}),
        "Every value read from the documents (ID card (back), ID card (front)) agrees with "
        "the declared data.",
    ),
    (
        done(
            READING,
            "mismatch",
            {"mismatched": ["id_card_front.name", "id_card_front.id_number"]},
        ),
        "Values read from the documents differ from the declared data: ID card (front): name, "
        "ID number.",
    ),
    (
        done(READING, "mismatch", {"mismatched": ["business_licence.credit_code"]}),
        "differ from the declared data: Business licence: unified social credit code.",
    ),
    (
        done(READING, "document_expired", {"expired": ["id_card_back"]}),
        "The document has expired: ID card (back).",
    ),
    (
        done(
            READING,
            "mrz_check_failed",
            {"mrz_failed": ["passport_page.document_number", "passport_page.composite"]},
        ),
        "Check digits of the passport's machine-readable zone are wrong (document number, "
        "whole zone)",
    ),
    (
        done(
            READING,
            "unreadable",
            {
                "unreadable": ["id_card_front.address", "id_card_back.valid_until"],
                "problems": ["upside_down", "unreadable:address", "inconsistent:birth_date"],
            },
        ),
        "Some values could not be read, compare them by eye: ID card (front): address; ID card "
        "(back): valid until. Reading problems: the image was upside down and was turned to "
        "read it, the date of birth contradicts the ID number.",
    ),
    (
        done(READING, "unreadable", {"unreadable": [], "problems": ["no_text"]}),
        "Reading problems: no text found (blank, far too blurred, or not a document).",
    ),
    (done(READING, "nothing_to_read"), "There is no ID card, passport page or business licence"),
    # face match
    (
        done(FACE, "match", {"distance": 0.412, "threshold": 0.6}),
        "The selfie matches the photo on the identity document: distance 0.41, where up to "
        "0.60 counts as the same person.",
    ),
    (
        done(FACE, "no_match", {"distance": 0.734, "threshold": 0.6}),
        "The selfie does not match the photo on the identity document: distance 0.73, above "
        "the limit of 0.60 for the same person.",
    ),
    (done(FACE, "missing_image", {"missing": "selfie"}), "There is no selfie to compare"),
    (done(FACE, "missing_image", {"missing": "document"}), "no ID card front or passport page"),
    (
        done(FACE, "missing_image", {"missing": "selfie_and_document"}),
        "neither a selfie nor an identity document photo",
    ),
    (done(FACE, "no_face_selfie"), "No face was found on the selfie"),
    (done(FACE, "several_faces", {"faces": 2}), "The selfie shows 2 faces"),
    (done(FACE, "no_face_document"), "No portrait was found on the ID card or passport image."),
    (
        done(FACE, "presentation_attack_suspected", {"signal": "image_too_small", "image_px": 120}),
        "only 120 pixels on its shorter side",
    ),
    (
        done(FACE, "presentation_attack_suspected", {"signal": "face_too_small", "face_px": 60}),
        "the face on the selfie is only 60 pixels wide",
    ),
    (
        done(
            FACE,
            "presentation_attack_suspected",
            {"signal": "screen_pattern", "pattern_ratio": 412.7},
        ),
        "regular pixel grid of a screen (pattern 413",
    ),
    (
        done(
            FACE, "presentation_attack_suspected", {"signal": "screen_border", "border_pct": 12.5}
        ),
        "flat bands of one colour on two sides (12% of the image)",
    ),
    (
        done(
            FACE,
            "presentation_attack_suspected",
            {"signal": "same_as_document", "distance": 0.02, "photo_hash_bits": 3},
        ),
        "The selfie may not be a live photo of the customer: the selfie is the document's own "
        "portrait, not a new photo.",
    ),
    (
        done(FACE, "no_biometric_consent"),
        "the customer has not given, or has withdrawn, their separate consent",
    ),
    # in store
    (
        done(
            IN_STORE,
            "verified_in_person",
            {"method": "fingerprint", "device_reference": "FP-0042", "store": "sh-xuhui"},
        ),
        "Staff of store sh-xuhui verified the customer's fingerprint in person (device or "
        "reference FP-0042).",
    ),
    (
        done(
            IN_STORE,
            "not_verified_in_person",
            {"method": "face", "device_reference": "CAM-7", "store": "sh-xuhui"},
        ),
        "Staff of store sh-xuhui could not verify the customer's face in person",
    ),
    (
        done(IN_STORE, "waiting", status=CheckStatus.WAITING),
        "Waiting for store staff to record",
    ),
    # background
    (
        done(
            BACKGROUND,
            "record_found",
            {
                "count": 2,
                "record_types": ["court_judgement", "tax_blacklist"],
                "sources": ["最高人民法院"],
                "parties": ["customer", "legal_representative"],
            },
        ),
        "2 records carry the identity number or credit code of: Customer, Legal representative. "
        "Type: Court judgement, Tax blacklist. Source: 最高人民法院.",
    ),
    (
        done(
            BACKGROUND,
            "record_found",
            {"count": 1, "record_types": ["other"], "sources": ["Vendor DB"]},
        ),
        "The vendor reports a record about the customer. Type: other. Source: Vendor DB.",
    ),
    (
        done(
            BACKGROUND,
            "possible_match",
            {
                "count": 1,
                "record_types": ["credit_blacklist"],
                "sources": ["人民银行"],
                "parties": ["customer"],
                "score": 0.913,
            },
        ),
        "Only a name is close to a record, for: Customer (similarity 0.91): check whether it "
        "is the same person or enterprise.",
    ),
    (done(BACKGROUND, "possible_match", {"score": 0.7}), "The vendor reports a possible match"),
    (
        done(BACKGROUND, "no_record", {"records": 1250}),
        "No record about the customer or the people linked to them among the 1250 records",
    ),
    (done(BACKGROUND, "no_record"), "No record found about the customer"),
    (
        done(BACKGROUND, "waiting", status=CheckStatus.WAITING, vendor_reference="VR-881"),
        "answers later (its reference: VR-881)",
    ),
    (done(BACKGROUND, "vendor_failed"), "The vendor could not carry out the check."),
    (failed(BACKGROUND, "no_reference_file"), "No reference file of known records"),
    (failed(BACKGROUND, "reference_file_unreadable"), "cannot be read"),
    (failed(BACKGROUND, "vendor_unreachable"), "could not be reached"),
    (failed(BACKGROUND, "vendor_rate_limited"), "asked us to slow down"),
    (failed(BACKGROUND, "vendor_error"), "The vendor's service failed."),
    (failed(BACKGROUND, "vendor_refused"), "The vendor refused the request"),
    (failed(BACKGROUND, "vendor_bad_answer"), "could not be understood"),
    (failed(BACKGROUND, "vendor_misconfigured"), "it must be https://"),
    # the framework
    (failed(BACKGROUND, "timeout", attempts=3), "did not answer in time, in 3 attempts."),
    (failed(FACE, "provider_crashed"), "unexpected error of its provider"),
    (failed(READING, "not_installed"), "is not installed on the server"),
    (failed(READING, "bad_image"), "could not be decoded as a JPEG or PNG"),
    (failed(FACE, "unreadable_image"), "could not be decoded as a JPEG or PNG"),
    (Check(kind=READING, status=CheckStatus.PENDING), "Waiting to run."),
    (Check(kind=READING, status=CheckStatus.RUNNING, attempts=1), "Running now."),
    (
        Check(kind=BACKGROUND, status=CheckStatus.PENDING, attempts=1, last_error="busy"),
        "A temporary problem stopped attempt 1: the check runs again shortly.",
    ),
]


@pytest.mark.parametrize(
    ("check", "expected"), CASES, ids=lambda value: getattr(value, "summary", None) or None
)
def test_each_result_reads_as_a_sentence_for_a_reviewer(check, expected):
    text = check_explanation(check)

    assert expected in text
    assert not any(generic in text for generic in GENERIC)


def test_findings_are_never_part_of_the_explanation():
    check = done(
        READING,
        "mismatch",
        {"mismatched": ["id_card_front.id_number"]},
        findings={"id_card_front": {"id_number": {"read": "310104199005170011", "match": False}}},
    )

    assert "310104199005170011" not in check_explanation(check)


def test_an_unknown_code_still_gives_a_sentence_with_the_code():
    assert "“quantum_flux”" in check_explanation(done(BACKGROUND, "quantum_flux"))
    assert "(code “vendor_busy”)" in check_explanation(failed(BACKGROUND, "vendor_busy"))


def test_details_missing_from_the_params_do_not_break_the_sentence():
    for summary in ("mismatch", "document_expired", "mrz_check_failed", "unreadable"):
        assert check_explanation(done(READING, summary)).endswith(".")
    for summary in ("match", "no_match", "several_faces", "presentation_attack_suspected"):
        assert check_explanation(done(FACE, summary))
    for summary in ("record_found", "possible_match"):
        assert check_explanation(done(BACKGROUND, summary))


def test_every_result_code_the_providers_give_is_explained():
    """A provider that learns a new code needs its sentence here too."""
    root = Path(__file__).resolve().parents[3] / "verification" / "checks" / "providers"
    webhook_errors = {"bad_request", "bad_signature", "stale_timestamp", "unknown_reference"}
    codes: dict[str, set[str]] = {}
    kinds = {
        "ocr.py": READING,
        "face.py": FACE,
        "in_store.py": IN_STORE,
        "reference_file.py": BACKGROUND,
        "background_http.py": BACKGROUND,
    }
    pattern = re.compile(r'CheckOutcome\.[A-Z]+,\s*"([a-z_]+)"|(?:summary|code)="([a-z_]+)"')
    for name, kind in kinds.items():
        for match in pattern.finditer((root / name).read_text()):
            code = match[1] or match[2]
            if code not in webhook_errors:
                codes.setdefault(kind, set()).add(code)
    assert codes[FACE] >= {"no_match", "several_faces", "no_face_selfie", "missing_image"}

    for kind, found in codes.items():
        for code in found:
            text = check_explanation(done(kind, code))
            assert not any(generic in text for generic in GENERIC), (kind, code)


@pytest.mark.django_db
def test_the_override_line_says_who_when_which_way_and_why():
    reviewer = UserFactory(role=Role.REVIEWER, first_name="Ming", last_name="Li")
    at = timezone.make_aware(datetime.datetime(2026, 11, 25, 15, 30))
    check = done(
        BACKGROUND,
        "possible_match",
        outcome=CheckOutcome.REVIEW,
        override_outcome=CheckOutcome.PASS,
        override_reason="Namesake: born 1962, the customer 1990.",
        overridden_by=reviewer,
        overridden_at=at,
    )

    line = check_override_line(check)

    assert line == (
        f"Decided by {reviewer.display_name} on 2026-11-25 15:30: passed — "
        "Namesake: born 1962, the customer 1990."
    )
    assert check_override_line(done(BACKGROUND, "no_record")) == ""


@pytest.mark.parametrize(("check", "expected"), CASES[:12:3])
def test_the_sentences_render_in_chinese_too(check, expected):
    with translation.override("zh-hans"):
        text = check_explanation(check)
    assert text and not any(generic in text for generic in GENERIC)
