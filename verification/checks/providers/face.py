"""Face match: the customer's selfie against the portrait on their identity document.

The model is dlib's (the ``[biometrics]`` extra: ``dlib-bin`` and ``face-recognition-models``,
which ships the weights): the HOG face detector, upsampled once so that faces down to
about 40 pixels are found; the 5-point landmark model, which aligns each face; and the
ResNet model that describes a face by 128 numbers. Two descriptors closer than
``FACE_MATCH_THRESHOLD`` (0.6, Euclidean) are taken for the same person. The models load
once per process (``face_models_load()``, also called when a worker starts).

Outcomes (``summary``, with its ``params``):

- ``match`` (pass, ``distance`` ≤ ``threshold``; the score is the distance) and
  ``no_match`` (fail);
- ``no_face_selfie`` (fail): no face found on the selfie;
- ``several_faces`` (review, ``faces``): more than one face on the selfie;
- ``no_face_document`` (review): no portrait found on the ID card or passport image
  (the largest face is taken when there are several: passports print a ghost image);
- ``missing_image`` (review, ``missing``: ``selfie``, ``document`` or both);
- ``presentation_attack_suspected`` (review, ``signal`` and its measure), a basic screen
  for a selfie that is not a live photo of the customer:
  ``image_too_small`` (shorter side under 200 pixels) or ``face_too_small`` (face under
  80 pixels wide): too little to compare, and a typical crop of someone else's picture;
  ``screen_pattern``: the regular pixel grid of a screen, seen as sharp peaks in the
  high frequencies of the image's spectrum (``pattern_ratio``: the highest peak over the
  median, about 15-40 for photos, several hundred for a screen); ``screen_border``: flat
  bands of one colour on two opposite sides (``border_pct``), as a screenshot or a phone
  held in front of the camera leaves; ``same_as_document``: the selfie is the document's
  portrait itself (descriptor ``distance`` under 0.05, or the difference hash of the
  aligned faces differs in at most 8 of 64 bits, ``photo_hash_bits``).

Biometric data is never kept. The images are read from storage into memory; the faces,
landmarks, aligned crops and descriptors are local variables of ``face_compare`` and are
discarded when it returns. Nothing is written: ``params`` hold distances, sizes and
flags, ``raw`` (of which only the SHA-256 is kept) the same numbers as JSON, and
``findings`` stays empty.
"""

import io
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from PIL import Image

try:
    import numpy as np
except ImportError:  # the [biometrics] extra is missing: the provider says so when it runs
    np = None

from verification.checks.base import CheckRequest, CheckResult, ProviderError
from verification.enums import CheckKind, CheckOutcome
from verification.models import Document, DocumentKind, DocumentStatus

# Images are described at most this large: enough for any face the check needs, and the
# detector's time grows with the pixels (twice over, as it upsamples once).
WORK_MAX_SIDE = 1024
MIN_IMAGE_SIDE = 200
MIN_FACE_WIDTH = 80
# Same photo: a re-encoded, rescaled or brightened copy of the portrait differs in at most
# 5 of the 64 bits of the hash (the descriptor alone moves by 0.05-0.15 when the landmarks
# shift by a pixel); another photo of the same person, or a mirrored one, in 15 or more.
SAME_PHOTO_DISTANCE = 0.05
SAME_PHOTO_HASH_BITS = 8
HASH_SIDE = 8
# A screen's pixel grid: photos peak at about 15-40 times the median, screens at hundreds.
SCREEN_PATTERN_RATIO = 100.0
SCREEN_PATTERN_WINDOW = 512
# Flat bands of one colour on two opposite sides, each at least this share of the side.
SCREEN_BORDER_SHARE = 0.05
FLAT_TOLERANCE = 4.0

PORTRAIT_KINDS = (DocumentKind.ID_CARD_FRONT, DocumentKind.PASSPORT_PAGE)
PRESENTATION_ATTACK = "presentation_attack_suspected"


@dataclass(frozen=True)
class _Models:
    detector: Any
    landmarks: Any
    describer: Any
    chip: Any  # dlib.get_face_chip: the face cut out, upright and scaled


_models: _Models | None = None
# Loading, and each comparison: dlib's network keeps its working buffers in the object,
# so one comparison at a time per process (a worker process runs one task at a time).
_lock = threading.Lock()


def _models_loaded() -> _Models:
    global _models
    if _models is None:
        try:
            import dlib
            import face_recognition_models
            import numpy  # noqa: F401  dlib takes and gives NumPy arrays
        except ImportError as error:
            raise ProviderError(
                "The face comparison model is not installed (pip install "
                "'kyc-portal[biometrics]').",
                code="not_installed",
            ) from error
        _models = _Models(
            detector=dlib.get_frontal_face_detector(),
            landmarks=dlib.shape_predictor(
                face_recognition_models.pose_predictor_five_point_model_location()
            ),
            describer=dlib.face_recognition_model_v1(
                face_recognition_models.face_recognition_model_location()
            ),
            chip=dlib.get_face_chip,
        )
    return _models


def face_models_load() -> float:
    """Load the models now (when a worker starts) rather than on the first check. Returns
    the seconds it took, 0.0 when they were loaded already."""
    started = time.perf_counter()
    with _lock:
        already = _models is not None
        _models_loaded()
    return 0.0 if already else time.perf_counter() - started


# --- pictures -------------------------------------------------------------------------------


def _decode(data: bytes):
    """RGB pixels (a NumPy array) of a stored JPEG or PNG."""
    try:
        with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as opened:
            return np.asarray(opened.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ProviderError(
            "The image cannot be decoded as a JPEG or PNG.", code="unreadable_image"
        ) from error


def _work_copy(pixels):
    """The pixels at most ``WORK_MAX_SIDE`` large, and the factor from those to the original."""
    height, width = pixels.shape[:2]
    scale = min(1.0, WORK_MAX_SIDE / max(height, width))
    if scale == 1.0:
        return pixels, 1.0
    size = (round(width * scale), round(height * scale))
    smaller = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(smaller), scale


def _faces(models: _Models, pixels) -> list:
    """Face rectangles, largest first."""
    return sorted(models.detector(pixels, 1), key=lambda box: box.area(), reverse=True)


def _pattern_ratio(pixels) -> float:
    """How sharply the high frequencies of the image's centre peak (a screen's grid).

    The centre window is taken at full resolution, as any resampling would blur the grid.
    Frequencies on the 8-pixel lattice of JPEG blocks are left out: every stored image
    is a JPEG or was one.
    """
    height, width = pixels.shape[:2]
    side = min(SCREEN_PATTERN_WINDOW, height, width)
    top, left = (height - side) // 2, (width - side) // 2
    window = pixels[top : top + side, left : left + side].astype(np.float32).mean(axis=2)
    window = (window - window.mean()) * np.outer(np.hanning(side), np.hanning(side))
    spectrum = np.abs(np.fft.fft2(window))
    frequencies = np.fft.fftfreq(side)
    fy, fx = frequencies[:, None], frequencies[None, :]
    radius = np.hypot(fx, fy)

    def on_block_lattice(frequency):
        return np.abs(frequency * 8 - np.round(frequency * 8)) * side / 8 < 1.5

    band = (radius > 0.15) & (radius < 0.5) & ~(on_block_lattice(fx) & on_block_lattice(fy))
    values = spectrum[band]
    median = float(np.median(values))
    return float(values.max() / median) if median > 0 else 0.0


def _flat_run(lines, reference) -> int:
    """How many lines from the edge are of one colour, the edge's."""
    count = 0
    for line in lines:
        if line.std(axis=0).max() >= FLAT_TOLERANCE:
            break
        if abs(line.mean(axis=0) - reference).max() >= FLAT_TOLERANCE:
            break
        count += 1
    return count


def _border_share(pixels) -> float:
    """The larger of: the flat bands at top and bottom, at left and right (the smaller
    band of each pair, as a share of that side)."""
    image = pixels.astype(np.float32)
    height, width = image.shape[:2]
    top = _flat_run(image, image[0].mean(axis=0))
    bottom = _flat_run(image[::-1], image[-1].mean(axis=0))
    columns = image.transpose(1, 0, 2)
    left = _flat_run(columns, columns[0].mean(axis=0))
    right = _flat_run(columns[::-1], columns[-1].mean(axis=0))
    return max(min(top, bottom) / height, min(left, right) / width)


def _photo_hash(chip):
    """Difference hash of an aligned face: which of each two neighbours is brighter."""
    grey = Image.fromarray(chip).convert("L").resize((HASH_SIDE + 1, HASH_SIDE))
    values = np.asarray(grey, dtype=np.int16)
    return values[:, 1:] > values[:, :-1]


def _signature(models: _Models, pixels, face) -> tuple:
    """The face's descriptor (128 numbers) and the hash of its aligned crop."""
    shape = models.landmarks(pixels, face)
    descriptor = np.array(models.describer.compute_face_descriptor(pixels, shape, 1))
    return descriptor, _photo_hash(models.chip(pixels, shape, size=150))


# --- the comparison -------------------------------------------------------------------------


def _result(outcome: str, summary: str, *, score: float | None = None, **params) -> CheckResult:
    raw = json.dumps({"summary": summary, **params}, sort_keys=True).encode()
    return CheckResult(outcome=outcome, summary=summary, score=score, params=params, raw=raw)


def _presentation_attack(signal: str, **measures) -> CheckResult:
    return _result(CheckOutcome.REVIEW, PRESENTATION_ATTACK, signal=signal, **measures)


def face_compare(*, selfie: bytes, document: bytes, threshold: float) -> CheckResult:
    """Compare the face on ``selfie`` with the portrait on ``document`` (JPEG or PNG bytes).

    Raises ``ProviderError`` (``not_installed``, ``unreadable_image``). Everything
    derived from the faces stays in this function's local variables.
    """
    with _lock:
        models = _models_loaded()

        selfie_pixels = _decode(selfie)
        document_pixels = _decode(document)

        if min(selfie_pixels.shape[:2]) < MIN_IMAGE_SIDE:
            return _presentation_attack("image_too_small", image_px=min(selfie_pixels.shape[:2]))
        selfie_work, selfie_scale = _work_copy(selfie_pixels)
        selfie_faces = _faces(models, selfie_work)
        if not selfie_faces:
            return _result(CheckOutcome.FAIL, "no_face_selfie")
        if len(selfie_faces) > 1:
            return _result(CheckOutcome.REVIEW, "several_faces", faces=len(selfie_faces))
        face_px = round(selfie_faces[0].width() / selfie_scale)
        if face_px < MIN_FACE_WIDTH:
            return _presentation_attack("face_too_small", face_px=face_px)
        pattern = _pattern_ratio(selfie_pixels)
        if pattern >= SCREEN_PATTERN_RATIO:
            return _presentation_attack("screen_pattern", pattern_ratio=round(pattern, 1))
        border = _border_share(selfie_work)
        if border >= SCREEN_BORDER_SHARE:
            return _presentation_attack("screen_border", border_pct=round(100 * border, 1))

        document_work, _scale = _work_copy(document_pixels)
        document_faces = _faces(models, document_work)
        if not document_faces:
            return _result(CheckOutcome.REVIEW, "no_face_document")

        selfie_descriptor, selfie_hash = _signature(models, selfie_work, selfie_faces[0])
        document_descriptor, document_hash = _signature(models, document_work, document_faces[0])
    distance = float(np.linalg.norm(selfie_descriptor - document_descriptor))
    hash_bits = int(np.count_nonzero(selfie_hash != document_hash))
    rounded = round(distance, 3)
    if distance < SAME_PHOTO_DISTANCE or hash_bits <= SAME_PHOTO_HASH_BITS:
        return _presentation_attack("same_as_document", distance=rounded, photo_hash_bits=hash_bits)
    outcome, summary = (
        (CheckOutcome.PASS, "match") if distance <= threshold else (CheckOutcome.FAIL, "no_match")
    )
    return _result(outcome, summary, score=rounded, distance=rounded, threshold=threshold)


# --- the provider ---------------------------------------------------------------------------


def _newest(case, kinds) -> Document | None:
    return (
        Document.objects.filter(case=case, kind__in=kinds)
        .exclude(status=DocumentStatus.REJECTED)
        .exclude(content_type="application/pdf")
        .order_by("-uploaded_at")
        .first()
    )


def _bytes(document: Document) -> bytes:
    # A system read for the check, not a person looking: the audited view is for people.
    with document.file.open("rb") as stored:
        return stored.read()


class DlibFaceMatchProvider:
    """Compares the case's newest selfie with the portrait on its newest ID card front or
    passport page (rejected documents left out)."""

    kind: ClassVar[str] = CheckKind.FACE_MATCH
    name: ClassVar[str] = "dlib"
    version: ClassVar[str] = "dlib-20/resnet-v1"

    def load(self) -> float:
        """Load the face models now; the seconds it took."""
        return face_models_load()

    def run(self, request: CheckRequest) -> CheckResult:
        face_models_load()
        selfie = _newest(request.case, (DocumentKind.SELFIE,))
        document = _newest(request.case, PORTRAIT_KINDS)
        found = {"selfie": selfie, "document": document}
        missing = [name for name, document_found in found.items() if document_found is None]
        if missing:
            return _result(CheckOutcome.REVIEW, "missing_image", missing="_and_".join(missing))
        return face_compare(
            selfie=_bytes(selfie),
            document=_bytes(document),
            threshold=settings.FACE_MATCH_THRESHOLD,
        )
