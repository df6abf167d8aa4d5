"""Face match with the real dlib model, on photographs of two real people
(tests/verification/checks/faces.py): the outcomes a reviewer sees, the presentation-attack
screen, and that nothing biometric is kept."""

import hashlib
import io
import json
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from customers.enums import Channel
from customers.services import customer_login_create
from kyc_portal.accounts.roles import Role
from risk.enums import RiskLevel
from tests.factories.accounts import UserFactory
from tests.factories.verification import case_in_review
from tests.verification.checks import faces
from verification.checks.base import CheckRequest, ProviderError
from verification.checks.biometrics import biometric_consent_give
from verification.checks.providers import face
from verification.checks.services import check_run
from verification.documents import document_upload
from verification.enums import CheckKind, CheckOutcome, CheckStatus
from verification.models import Check, DocumentKind

ATTACK = "presentation_attack_suspected"


@pytest.fixture(scope="session")
def model(missing_service):
    try:
        return face.face_models_load()
    except ProviderError:
        missing_service("the [biometrics] extra (dlib-bin, face-recognition-models) is missing")


@pytest.fixture(scope="session")
def pictures(missing_service) -> dict[str, bytes]:
    """Each test picture, encoded as the upload service stores it."""
    try:
        card = faces.id_card(faces.eileen_card_portrait())
        stored_card = Image.open(io.BytesIO(faces.encode(card))).convert("RGB")
        return {
            "card": faces.encode(card),
            "card_without_portrait": faces.encode(faces.id_card(None)),
            "eileen": faces.encode(faces.eileen_selfie()),
            "grace": faces.encode(faces.grace_selfie()),
            "landscape": faces.encode(faces.landscape()),
            "two_people": faces.encode(faces.two_people()),
            "thumbnail": faces.encode(faces.eileen_selfie().resize((150, 155))),
            "far_away": faces.encode(faces.far_away()),
            "screen": faces.encode(faces.screen_capture(faces.eileen_selfie(), bezel=0)),
            "framed": faces.encode(faces.framed(faces.eileen_selfie())),
            "lifted": faces.encode(faces.portrait_lifted_from(stored_card)),
        }
    except faces.PortraitMissing as error:
        missing_service(f"the test portraits need the [dev] extra: {error}")


def compare(pictures, selfie: str, document: str = "card"):
    return face.face_compare(selfie=pictures[selfie], document=pictures[document], threshold=0.6)


# --- outcomes -------------------------------------------------------------------------------


def test_the_same_person_matches(model, pictures):
    result = compare(pictures, "eileen")

    assert (result.outcome, result.summary) == (CheckOutcome.PASS, "match")
    assert set(result.params) == {"distance", "threshold"}
    assert result.params["distance"] < 0.6 and result.score == result.params["distance"]


def test_another_person_does_not_match(model, pictures):
    result = compare(pictures, "grace")

    assert (result.outcome, result.summary) == (CheckOutcome.FAIL, "no_match")
    assert result.params["distance"] > 0.6 and result.params["threshold"] == 0.6


def test_a_selfie_without_a_face_fails(model, pictures):
    result = compare(pictures, "landscape")
    assert (result.outcome, result.summary, result.params) == (
        CheckOutcome.FAIL,
        "no_face_selfie",
        {},
    )


def test_two_faces_on_the_selfie_go_to_a_reviewer(model, pictures):
    result = compare(pictures, "two_people")
    assert (result.outcome, result.summary, result.params) == (
        CheckOutcome.REVIEW,
        "several_faces",
        {"faces": 2},
    )


def test_a_document_without_a_portrait_goes_to_a_reviewer(model, pictures):
    result = compare(pictures, "eileen", document="card_without_portrait")
    assert (result.outcome, result.summary) == (CheckOutcome.REVIEW, "no_face_document")


@pytest.mark.parametrize(
    ("selfie", "signal", "measure"),
    [
        ("thumbnail", "image_too_small", "image_px"),
        ("far_away", "face_too_small", "face_px"),
        ("screen", "screen_pattern", "pattern_ratio"),
        ("framed", "screen_border", "border_pct"),
        ("lifted", "same_as_document", "photo_hash_bits"),
    ],
)
def test_a_selfie_that_may_not_be_live_goes_to_a_reviewer(model, pictures, selfie, signal, measure):
    result = compare(pictures, selfie)

    assert (result.outcome, result.summary) == (CheckOutcome.REVIEW, ATTACK)
    assert result.params["signal"] == signal and measure in result.params


def test_only_numbers_leave_the_comparison(model, pictures):
    result = compare(pictures, "eileen")

    assert result.findings == {}
    assert json.loads(result.raw) == {"summary": "match", **result.params}


def test_an_image_that_cannot_be_decoded_is_an_error(model, pictures):
    with pytest.raises(ProviderError) as error:
        face.face_compare(selfie=b"\xff\xd8\xff broken", document=pictures["card"], threshold=0.6)
    assert error.value.code == "unreadable_image"


def test_without_the_biometrics_extra_the_check_says_it_is_not_installed(monkeypatch):
    monkeypatch.setattr(face, "_models", None)
    monkeypatch.setitem(sys.modules, "dlib", None)  # import dlib now raises ImportError

    with pytest.raises(ProviderError) as error:
        face.face_models_load()
    assert error.value.code == "not_installed"


# --- through the framework ------------------------------------------------------------------


@pytest.fixture
def online_case(db):
    """A high-risk individual registered online: the policy asks for a face match."""
    return case_in_review(risk_level=RiskLevel.HIGH)


def upload(case, kind: str, content: bytes):
    return document_upload(
        customer=case.customer,
        case=case,
        kind=kind,
        uploaded_file=SimpleUploadedFile(f"{kind}.jpg", content),
        actor=UserFactory(role=Role.REVIEWER),
    )


def consent(case) -> None:
    user = customer_login_create(
        customer=case.customer, username=f"customer-{case.pk.hex[:8]}", password="unused-1234!"
    )
    case.customer.refresh_from_db()
    biometric_consent_give(customer=case.customer, actor=user, channel=Channel.WEB)


def run(case, provider=None):
    check = Check.objects.get(case=case, kind=CheckKind.FACE_MATCH, superseded=False)
    if provider is not None:
        return provider.run(CheckRequest(check.pk, case, check.idempotency_key))
    return check_run(check_id=check.pk).check


def test_the_check_compares_the_newest_selfie_and_keeps_nothing_biometric(
    model, pictures, online_case, storage_dir
):
    consent(online_case)
    upload(online_case, DocumentKind.ID_CARD_FRONT, pictures["card"])
    upload(online_case, DocumentKind.SELFIE, pictures["grace"])
    before = {path for path in storage_dir.rglob("*") if path.is_file()}
    upload(online_case, DocumentKind.SELFIE, pictures["eileen"])  # the newest counts

    check = run(online_case)

    assert (check.status, check.outcome, check.summary) == (
        CheckStatus.DONE,
        CheckOutcome.PASS,
        "match",
    )
    assert check.provider == "dlib" and check.provider_version == "dlib-20/resnet-v1"
    assert Check.objects.get(pk=check.pk).findings == {}
    raw = json.dumps({"summary": "match", **check.params}, sort_keys=True).encode()
    assert check.response_sha256 == hashlib.sha256(raw).hexdigest()
    # The selfie and its thumbnail, written by the upload; the check wrote nothing.
    added = {path for path in storage_dir.rglob("*") if path.is_file()} - before
    assert sorted(path.parent.parent.name for path in added) == ["documents", "thumbnails"]


def test_the_threshold_comes_from_the_settings(model, pictures, online_case, storage_dir, settings):
    settings.FACE_MATCH_THRESHOLD = 0.1
    upload(online_case, DocumentKind.ID_CARD_FRONT, pictures["card"])
    upload(online_case, DocumentKind.SELFIE, pictures["eileen"])

    result = run(online_case, provider=face.DlibFaceMatchProvider())

    assert (result.outcome, result.summary) == (CheckOutcome.FAIL, "no_match")
    assert result.params["threshold"] == 0.1


def test_a_missing_image_goes_to_a_reviewer(model, pictures, online_case, storage_dir):
    provider = face.DlibFaceMatchProvider()
    upload(online_case, DocumentKind.SELFIE, pictures["eileen"])

    result = run(online_case, provider=provider)

    assert (result.outcome, result.summary, result.params) == (
        CheckOutcome.REVIEW,
        "missing_image",
        {"missing": "document"},
    )


def test_the_check_fails_visibly_without_the_extra(online_case, monkeypatch):
    consent(online_case)
    monkeypatch.setattr(face, "_models", None)
    monkeypatch.setitem(sys.modules, "dlib", None)

    check = run(online_case)

    assert (check.status, check.outcome, check.summary) == (
        CheckStatus.FAILED,
        CheckOutcome.ERROR,
        "not_installed",
    )
