"""Reading identity documents offline: resident ID cards, business licences, passports.

The engine is RapidOCR (PaddleOCR's PP-OCRv4 Chinese and English models, run by
onnxruntime; the ``[ai]`` extra). Its models load once per process, on first use or
through ``ocr_engine_load()`` when a worker starts (under a second here).

Each ``read_*`` function takes the bytes of a JPEG or PNG (as stored by
``verification.documents``: re-encoded and upright by EXIF) and returns what it read:
each value with a confidence, and the problems met. A value is only given when the
engine stands by it: a field that is missing, below ``MIN_CONFIDENCE``, or fails its own
check (the check character of an ID number or credit code, a real date, one of the 56
ethnic groups) is ``None`` with an ``unreadable`` problem, never a guess. A picture too
blurred to read gives such an outcome, not an exception; ``DocumentReadingError`` means
the engine itself could not run (not installed, a broken image, an onnxruntime error).

How a page is read: text lines are detected and recognised once; labels whose place on
the document is known (姓名 above 公民身份号码, the first line of a machine-readable zone
above the second) tell which way up the picture is and how far it is tilted, so every
line gets coordinates on the upright document, and values are taken from the rows of
text beside their labels. A card photographed upside down is read in that one pass (the
engine turns each text line itself); a card lying sideways is turned and read again;
when no label is found, the picture is read again turned 180° (and 90°/270° if its
text runs vertically), and the best reading is kept. On a passport, the lines of the
machine-readable zone are cut out again and divided into their 44 character cells;
fillers (``<``) are found by their shape and only the words between them are read,
because the recogniser drops characters in long runs of fillers.

Extracted values are personal data: only timings and outcome codes are logged.
"""

import datetime
import io
import logging
import math
import re
import statistics
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from PIL import Image
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from verification.checks.mrz import MrzFormatError, td3_parse, td3_repair

logger = logging.getLogger(__name__)

__all__ = [
    "MIN_CONFIDENCE",
    "BusinessLicence",
    "DocumentReadingError",
    "IdCardBack",
    "IdCardFront",
    "Match",
    "PassportPage",
    "Problem",
    "ProblemCode",
    "TextKind",
    "compare_date",
    "compare_text",
    "ocr_engine_load",
    "read_business_licence",
    "read_id_card_back",
    "read_id_card_front",
    "read_passport_page",
]

# Below this recognition score a value is reported unreadable rather than given. Clean
# and mildly distorted test images read at 0.9-1.0; see docs/benchmarks.md. A value that
# passes its own check (a check character, one of a closed list, a real date that agrees
# with the ID number) may be less clear, as a misreading would hardly pass the check.
MIN_CONFIDENCE = 0.8
CHECKED_MIN_CONFIDENCE = 0.6
# Addresses are compared loosely (OCR drops or confuses a character, the declared
# address is typed in parts); names, numbers and dates must be equal.
ADDRESS_SIMILARITY = 0.85

ENGINE_OPTIONS = {
    # One thread per process: workers read documents in parallel, one per core, and
    # onnxruntime's own threads would only compete with them (and spin).
    "intra_op_num_threads": 1,
    "inter_op_num_threads": 1,
    # Text is found on the picture scaled down to at most 1600 pixels (RapidOCR's
    # default, the short side at least 736, means 2000×1500 for a phone photo); the
    # words are then read at full resolution. Small pictures are scaled up instead
    # (SHORT_SIDE_MIN), or single characters such as 室 go unseen.
    "det_limit_type": "max",
    "det_limit_side_len": 1600,
    # Keep every line found, however badly read: see TEXT_SCORE_MIN.
    "text_score": 0.0,
}
# Lines read worse than this are left out of the text (RapidOCR's own default), but
# kept as places: a machine-readable-zone line the recogniser fails on as a whole is
# read again from its place.
TEXT_SCORE_MIN = 0.5
SHORT_SIDE_MIN = 736

# The 56 ethnic groups, as the card prints them (without 族).
# fmt: off
ETHNIC_GROUPS = frozenset((
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
    "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯",
    "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京",
    "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
))
# fmt: on
ID_CARD_VALIDITY_YEARS = (5, 10, 20)


class DocumentReadingError(Exception):
    """The engine could not run on this image; ``code`` is stable for the caller."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ProblemCode(StrEnum):
    NO_TEXT = "no_text"  # no text at all: blank, far too blurred, not a document
    NOT_RECOGNISED = "not_recognised"  # text, but none of this document's labels
    UPSIDE_DOWN = "upside_down"  # read after turning it 180° (information)
    SIDEWAYS = "sideways"  # read after turning it 90° (information)
    UNREADABLE = "unreadable"  # a field: missing, unsure, or failing its own check
    INCONSISTENT = "inconsistent"  # a field contradicts another (birth date vs ID number)
    CHECK_FAILED = "check_failed"  # a machine-readable-zone check digit does not verify


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    field: str | None = None


@dataclass(frozen=True, kw_only=True)
class _Reading:
    """What every reading has besides its values."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    confidence: dict[str, float]  # each field in FIELDS: 0.0 when unreadable
    problems: tuple[Problem, ...]
    turned: int  # degrees (0, 90, 180, 270) the picture was turned to read it

    def problem_codes(self) -> list[str]:
        return [f"{p.code}:{p.field}" if p.field else str(p.code) for p in self.problems]


@dataclass(frozen=True, kw_only=True)
class IdCardFront(_Reading):
    FIELDS: ClassVar = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")

    name: str | None
    sex: str | None  # 男 or 女
    ethnicity: str | None  # 汉, 蒙古, ... (without 族)
    birth_date: datetime.date | None
    address: str | None
    id_number: str | None  # 18 characters, check character verified


@dataclass(frozen=True, kw_only=True)
class IdCardBack(_Reading):
    FIELDS: ClassVar = ("issuing_authority", "valid_from", "valid_until")

    issuing_authority: str | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None  # None with long_term, or when unreadable
    long_term: bool  # 长期: valid without end
    expired: bool | None  # on the date given; None when the period is unreadable


@dataclass(frozen=True, kw_only=True)
class BusinessLicence(_Reading):
    FIELDS: ClassVar = ("name", "credit_code")

    name: str | None
    credit_code: str | None  # 18 characters, check character verified


@dataclass(frozen=True, kw_only=True)
class PassportPage(_Reading):
    """The machine-readable zone as read (``mrz``), whether each check digit verifies
    (``checks``), and the fields. A field whose check digit fails, or was not read
    clearly, is unreadable. No
    check digit covers the nationality, sex and names: the nationality is given when it
    is also the issuing state or printed on the page, the names when the page shows
    them too, and all three only when read clearly."""

    FIELDS: ClassVar = (
        "document_number",
        "nationality",
        "birth_date",
        "sex",
        "expiry_date",
        "surname",
        "given_names",
    )

    mrz: tuple[str, str] | None
    document_number: str | None
    nationality: str | None  # ICAO code: CHN, HKG, USA...
    birth_date: datetime.date | None
    sex: str | None  # M, F, or None (unspecified or unreadable)
    expiry_date: datetime.date | None
    surname: str | None
    given_names: str | None
    # Whether each check digit verifies: document_number, birth_date, expiry_date,
    # optional_data, composite. A check over characters not read clearly is left out, as
    # its failing would say nothing of the passport.
    checks: dict[str, bool]
    expired: bool | None


# --- the engine ----------------------------------------------------------------------------

_engine = None
_engine_lock = threading.Lock()


def _ocr_engine():
    """The process's one RapidOCR instance, created on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as error:
                    raise DocumentReadingError(
                        "The OCR engine is not installed (pip install 'kyc-portal[ai]').",
                        code="engine_missing",
                    ) from error
                started = time.perf_counter()
                try:
                    engine = RapidOCR(**ENGINE_OPTIONS)
                except Exception as error:  # onnxruntime raises its own types
                    raise DocumentReadingError(
                        "The OCR models could not be loaded.", code="engine_failed"
                    ) from error
                logger.info("OCR models loaded in %.1f s", time.perf_counter() - started)
                _engine = engine
    return _engine


def ocr_engine_load() -> float:
    """Load the models now (when a worker starts) rather than on the first document.
    Returns the seconds it took, 0.0 when they were loaded already."""
    started = time.perf_counter()
    already = _engine is not None
    _ocr_engine()
    return 0.0 if already else time.perf_counter() - started


def _engine_run(image: Image.Image, *, detect: bool = True) -> list:
    """Run the engine on a picture: [(corners, text, score)], or [(text, score)] for a
    single line when ``detect`` is false."""
    import numpy as np  # the [ai] extra; this module stays importable without it

    engine = _ocr_engine()
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])  # BGR
    try:
        if detect:
            result, _elapsed = engine(pixels)
        else:
            result, _elapsed = engine(pixels, use_det=False, use_cls=False)
    except Exception as error:  # onnxruntime and OpenCV raise their own types
        raise DocumentReadingError("The OCR engine failed.", code="engine_failed") from error
    return result or []


def _decode(image_bytes: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(image_bytes), formats=("JPEG", "PNG"))
        image.load()
        return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DocumentReadingError(
            "The image cannot be decoded as a JPEG or PNG.", code="bad_image"
        ) from error


# --- geometry: lines on the upright page ---------------------------------------------------


def _normalise(text: str) -> str:
    """Full-width to half-width (NFKC), no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class _Line:
    text: str  # normalised
    score: float
    corners: tuple[tuple[float, float], ...]  # four, clockwise from top left, in the picture

    @property
    def centre(self) -> tuple[float, float]:
        return (
            sum(x for x, _ in self.corners) / 4,
            sum(y for _, y in self.corners) / 4,
        )

    def edges(self) -> tuple[float, float]:
        """Lengths of the top and left edges."""
        (x0, y0), (x1, y1), _, (x3, y3) = self.corners
        return math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)


@dataclass
class _Row:
    """Lines side by side on the upright page, joined left to right."""

    text: str = ""
    spans: list[tuple[int, int, float]] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)

    def add(self, line: _Line, text: str) -> None:
        self.spans.append((len(self.text), len(self.text) + len(text), line.score))
        self.text += text
        self.lines.append(line)

    def confidence(self, start: int, end: int) -> float:
        scores = [score for a, b, score in self.spans if a < end and b > start]
        return min(scores, default=0.0)

    def after(self, label: str) -> tuple[str, float] | None:
        """The text after ``label`` and the lowest score of the lines it comes from."""
        index = self.text.find(label)
        if index < 0:
            return None
        start = index + len(label)
        # Separators and specks of the background read between a label and its value.
        while start < len(self.text) and unicodedata.category(self.text[start])[0] in "PS":
            start += 1
        return self.text[start:], self.confidence(start, len(self.text))


def _rotate(point: tuple[float, float], degrees: float) -> tuple[float, float]:
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    x, y = point
    return x * cos - y * sin, x * sin + y * cos


Anchor = Callable[[str], bool]


def _label(text: str) -> Anchor:
    return lambda line: text in line


@dataclass
class _Page:
    """One pass of the engine over a picture, with the page's orientation found from
    its labels: ``orientation`` is how far (0, 90, 180, 270) the document is turned in
    the picture, None when too few labels were read to tell."""

    picture: Image.Image
    lines: list[_Line]
    orientation: int | None
    certain: bool  # the orientation comes from two labels, not from one or none
    angle: float  # orientation plus the small tilt, in degrees
    rows: list[_Row]
    anchors_found: int
    faint: list[_Line]  # lines found but hardly read (below TEXT_SCORE_MIN)

    def upright(self, point: tuple[float, float]) -> tuple[float, float]:
        return _rotate(point, -self.angle)

    def in_picture(self, point: tuple[float, float]) -> tuple[float, float]:
        return _rotate(point, self.angle)


def _page_read(picture: Image.Image, anchors: Sequence[Anchor]) -> _Page:
    lines = [
        _Line(_normalise(text), float(score), tuple((float(x), float(y)) for x, y in corners))
        for corners, text, score in _engine_run(picture)
    ]
    faint = [line for line in lines if line.score < TEXT_SCORE_MIN]
    lines = [line for line in lines if line.text and line.score >= TEXT_SCORE_MIN]
    found = [next((line for line in lines if anchor(line.text)), None) for anchor in anchors]
    found = [line for line in found if line is not None]
    orientation = None
    if len(found) >= 2:
        (x0, y0), (x1, y1) = found[0].centre, found[-1].centre
        height = statistics.median(min(line.edges()) for line in lines)
        if math.hypot(x1 - x0, y1 - y0) > 1.5 * height:
            # The first label is above the last one on the document: the direction
            # from one to the other is the page's "down".
            down = math.degrees(math.atan2(y1 - y0, x1 - x0))
            orientation = round((down - 90) / 90) % 4 * 90
    certain = orientation is not None
    if len(found) == 1:
        orientation = 0  # a single label: the text reads, so take the page as it is
    angle = (orientation or 0) + _tilt(lines, orientation or 0)
    page = _Page(picture, lines, orientation, certain, angle, [], len(found), faint)
    page.rows = _rows(page)
    return page


def _tilt(lines: list[_Line], orientation: int) -> float:
    """The median angle of the text lines away from the orientation, in degrees."""
    tilts = []
    for line in lines:
        top, side = line.edges()
        if top < 2 * side:
            continue  # short lines say little about the direction
        (x0, y0), (x1, y1) = line.corners[0], line.corners[1]
        direction = math.degrees(math.atan2(y1 - y0, x1 - x0))
        tilts.append((direction - orientation + 90) % 180 - 90)
    return statistics.median(tilts) if tilts else 0.0


def _rows(page: _Page) -> list[_Row]:
    placed = sorted(
        ((page.upright(line.centre), line) for line in page.lines), key=lambda item: item[0][1]
    )
    if not placed:
        return []
    height = statistics.median(min(line.edges()) for line in page.lines)
    groups: list[list[tuple[tuple[float, float], _Line]]] = []
    for item in placed:
        if groups and item[0][1] - groups[-1][-1][0][1] < 0.6 * height:
            groups[-1].append(item)
        else:
            groups.append([item])
    rows = []
    for group in groups:
        row, previous_right = _Row(), None
        for _, line in sorted(group, key=lambda item: item[0][0]):
            xs = [page.upright(point)[0] for point in line.corners]
            text = line.text
            # Boxes that overlap by half a character may both have read the character
            # in between (label 姓名 and value 名于春): keep it once.
            overlap = previous_right is not None and previous_right - min(xs) > height / 2
            if overlap and row.text and text.startswith(row.text[-1]):
                text = text[1:]
            row.add(line, text)
            previous_right = max(xs)
        rows.append(row)
    return rows


# --- reading a document: orientation attempts, then the parser -----------------------------


@dataclass
class _Values:
    """What a parser found: values, their confidences, and problems."""

    values: dict[str, object] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def put(self, name: str, value: object, confidence: float, *, checked: bool = False) -> None:
        """Keep a value the engine is sure enough of; otherwise report it unreadable."""
        if (
            value is None
            or value == ""
            or confidence < (CHECKED_MIN_CONFIDENCE if checked else MIN_CONFIDENCE)
        ):
            self.values[name] = None
            self.confidence[name] = 0.0
            self.problems.append(Problem(ProblemCode.UNREADABLE, name))
        else:
            self.values[name] = value
            self.confidence[name] = round(confidence, 3)

    def read_count(self, fields: Sequence[str]) -> int:
        return sum(self.values.get(name) is not None for name in fields)


def _read(
    image_bytes: bytes,
    *,
    kind: str,
    anchors: Sequence[Anchor],
    parse: Callable[[_Page], _Values],
    fields: Sequence[str],
) -> tuple[_Values, int]:
    """Read a document, turning the picture when needed; the values and the degrees
    (clockwise) it was turned to read them."""
    started = time.perf_counter()
    picture = _decode(image_bytes)
    if min(picture.size) < SHORT_SIDE_MIN:
        scale = SHORT_SIDE_MIN / min(picture.size)
        size = (round(picture.width * scale), round(picture.height * scale))
        picture = picture.resize(size, Image.Resampling.BICUBIC)

    def attempt(turn: int) -> tuple[_Page, _Values, int]:
        # PIL rotates counter-clockwise; ``turn`` is clockwise.
        page = _page_read(picture.rotate(-turn, expand=True) if turn else picture, anchors)
        return page, parse(page), turn

    page, values, turn = first = attempt(0)
    attempts = [first]
    if not page.lines:
        values = _Values(problems=[Problem(ProblemCode.NO_TEXT)])
        for name in fields:
            values.put(name, None, 0.0)
        attempts = [(page, values, 0)]
    elif page.orientation in (90, 270):
        # Sideways: the engine misreads short words across the line, so read it upright.
        attempts.append(attempt(360 - page.orientation))
    elif values.read_count(fields) < len(fields) and (not page.certain or page.orientation == 180):
        # Upside down or unsure: read it turned, as the engine misses some turned lines.
        attempts.append(attempt(180))
        if page.orientation is None and _mostly_vertical(page.lines):
            attempts += [attempt(90), attempt(270)]
    page, values, turn = max(attempts, key=lambda item: (item[1].read_count(fields), -item[2]))

    turned = (turn - (page.orientation or 0)) % 360
    if page.lines and page.anchors_found == 0:
        values.problems.insert(0, Problem(ProblemCode.NOT_RECOGNISED))
    if turned == 180:
        values.problems.insert(0, Problem(ProblemCode.UPSIDE_DOWN))
    elif turned in (90, 270):
        values.problems.insert(0, Problem(ProblemCode.SIDEWAYS))
    logger.info(
        "OCR %s: %d of %d fields in %.0f ms, %d pass(es), turned %d°%s",
        kind,
        values.read_count(fields),
        len(fields),
        (time.perf_counter() - started) * 1000,
        len(attempts),
        turned,
        "".join(f", {p.code}" + (f":{p.field}" if p.field else "") for p in values.problems),
    )
    return values, turned


def _mostly_vertical(lines: list[_Line]) -> bool:
    return sum(top < side for top, side in (line.edges() for line in lines)) > len(lines) / 2


def _row_with(page: _Page, label: str) -> tuple[int, _Row] | tuple[None, None]:
    for index, row in enumerate(page.rows):
        if label in row.text:
            return index, row
    return None, None


def _after_label(page: _Page, label: str) -> tuple[str, float]:
    _, row = _row_with(page, label)
    found = row.after(label) if row else None
    return found or ("", 0.0)


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "×": "X"})
_CJK_TEXT = re.compile(r"[\u3400-\u9fff·()\-0-9A-Za-z]+")


def _valid_resident_id(candidate: str) -> str | None:
    """The number if its check character, birth date and region verify.

    stdnum's own ``validate`` also requires the region code to have existed in the
    birth year, but numbers are assigned where the card was first issued (1985 on), so
    a region created after the holder's birth is normal: any known region is accepted.
    """
    try:
        number = ric.compact(candidate)
        if len(number) != 18 or not number[:17].isdigit():
            return None
        if number[17] != ric.calc_check_digit(number):
            return None
        birth = ric.get_birth_date(number)
    except ValidationError:
        return None
    if not (datetime.date(1900, 1, 1) <= birth <= datetime.date.today()):
        return None
    if not any("county" in props for _, props in numdb.get("cn/loc").info(number[:6])):
        return None
    return number


# --- resident identity card: front ---------------------------------------------------------

_FRONT_ANCHORS = tuple(_label(text) for text in ("姓名", "性别", "出生", "住址", "公民身份号码"))
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]")


def _front_parse(page: _Page) -> _Values:
    found = _Values()
    name, confidence = _after_label(page, "姓名")
    found.put("name", name if re.fullmatch(r"[\u3400-\u9fff·]{2,20}", name) else None, confidence)

    found.put("id_number", *_front_id_number(page), checked=True)
    number = found.values["id_number"]

    # The number also holds the sex (an odd 17th digit for men) and the birth date.
    _, row = _row_with(page, "性别")
    sex = re.search(r"性别(男|女)", row.text) if row else None
    expected = None if number is None else ("男" if int(number[16]) % 2 else "女")
    sex_confidence = row.confidence(sex.start(1), sex.end(1)) if sex else 0.0
    _put_against(found, "sex", sex and sex[1], sex_confidence, expected)

    ethnicity, confidence = _after_label(page, "民族")
    ethnicity = ethnicity.removesuffix("族")
    found.put(
        "ethnicity", ethnicity if ethnicity in ETHNIC_GROUPS else None, confidence, checked=True
    )

    # The only date written with 年月日 on the card, so also found without its label.
    _, row = _row_with(page, "出生")
    row = row or next((row for row in page.rows if _BIRTH.search(row.text)), None)
    birth = _BIRTH.search(row.text) if row else None
    birth_date = _date(*birth.groups()) if birth else None
    if birth_date and not (datetime.date(1900, 1, 1) <= birth_date <= datetime.date.today()):
        birth_date = None
    expected = None if number is None else ric.get_birth_date(number)
    _put_against(
        found, "birth_date", birth_date, row.confidence(*birth.span()) if birth else 0.0, expected
    )

    found.put("address", *_front_address(page))
    return found


def _front_id_number(page: _Page) -> tuple[str | None, float]:
    """A valid number on the row of its label, or on any row when the label is unread."""
    _, row = _row_with(page, "公民身份号码")
    for candidate_row in [row] if row else page.rows:
        text = candidate_row.text.replace("公民身份号码", " ").translate(_DIGIT_LOOKALIKES).upper()
        for match in _RESIDENT_ID.finditer(text):
            number = _valid_resident_id(match[0])
            if number:
                return number, candidate_row.confidence(*match.span())
    return None, 0.0


def _put_against(found: _Values, name: str, value, confidence: float, expected) -> None:
    """A value the ID number also holds: checked when they agree; when they do not,
    unreadable and inconsistent (a misreading, or a card altered)."""
    if value is not None and expected is not None and value != expected:
        found.put(name, None, 0.0)
        found.problems.append(Problem(ProblemCode.INCONSISTENT, name))
    else:
        found.put(name, value, confidence, checked=expected is not None)


def _front_address(page: _Page) -> tuple[str | None, float]:
    """The text after 住址 and on the rows below it, up to the ID number's row."""
    start, row = _row_with(page, "住址")
    if row is None:
        return None, 0.0
    text, confidence = row.after("住址")
    for following in page.rows[start + 1 : start + 4]:
        if "公民身份号码" in following.text or _RESIDENT_ID.search(following.text):
            break
        text += following.text
        confidence = min(confidence, following.confidence(0, len(following.text)))
    if len(text) < 5 or not _CJK_TEXT.fullmatch(text):
        return None, 0.0
    return text, confidence


def read_id_card_front(image_bytes: bytes) -> IdCardFront:
    """Name, sex, ethnicity, birth date, address and ID number from the photo side."""
    found, turned = _read(
        image_bytes,
        kind="id_card_front",
        anchors=_FRONT_ANCHORS,
        parse=_front_parse,
        fields=IdCardFront.FIELDS,
    )
    return IdCardFront(
        **found.values,
        confidence=found.confidence,
        problems=tuple(found.problems),
        turned=turned,
    )


# --- resident identity card: back ----------------------------------------------------------

_BACK_ANCHORS = tuple(
    _label(text) for text in ("中华人民共和国", "居民身份证", "签发机关", "有效期限")
)
_PERIOD = re.compile(r"(\d{4})\D?(\d{2})\D?(\d{2})\D{0,2}?(长期|(\d{4})\D?(\d{2})\D?(\d{2}))")


def _back_parse(page: _Page) -> _Values:
    found = _Values()
    authority, confidence = _after_label(page, "签发机关")
    valid = re.fullmatch(r"[\u3400-\u9fff]{3,30}", authority) and authority.endswith("局")
    found.put("issuing_authority", authority if valid else None, confidence)

    _, row = _row_with(page, "有效期限")
    period = _PERIOD.search(row.text) if row else None
    confidence = row.confidence(*period.span()) if period else 0.0
    valid_from = _date(*period.group(1, 2, 3)) if period else None
    long_term = bool(period) and period[4] == "长期" and valid_from is not None
    valid_until = _date(*period.group(5, 6, 7)) if period and not long_term else None
    # Cards are issued for 5, 10 or 20 years (to the day, or the day before): a period
    # of another length is misread, or the card altered.
    consistent = False
    if valid_from and valid_until:
        ends = [valid_from.replace(year=valid_from.year + n) for n in ID_CARD_VALIDITY_YEARS]
        consistent = any(valid_until in (end, end - datetime.timedelta(days=1)) for end in ends)
        if not consistent:
            found.problems.append(Problem(ProblemCode.INCONSISTENT, "valid_until"))
            valid_from = valid_until = None
    found.put("valid_from", valid_from, confidence, checked=consistent)
    found.values["long_term"] = long_term and found.values["valid_from"] is not None
    if found.values["long_term"]:
        found.values["valid_until"], found.confidence["valid_until"] = None, confidence
    else:
        found.put("valid_until", valid_until, confidence, checked=consistent)
    return found


def read_id_card_back(image_bytes: bytes, *, today: datetime.date | None = None) -> IdCardBack:
    """Issuing authority and validity period from the emblem side; ``expired`` is
    judged on ``today`` (the current date by default)."""
    found, turned = _read(
        image_bytes,
        kind="id_card_back",
        anchors=_BACK_ANCHORS,
        parse=_back_parse,
        fields=IdCardBack.FIELDS,
    )
    values = found.values
    long_term = bool(values.pop("long_term", False))
    expired = None
    if long_term:
        expired = False
    elif values["valid_until"]:
        expired = values["valid_until"] < (today or datetime.date.today())
    return IdCardBack(
        **values,
        long_term=long_term,
        expired=expired,
        confidence=found.confidence,
        problems=tuple(found.problems),
        turned=turned,
    )


# --- business licence ----------------------------------------------------------------------

_LICENCE_ANCHORS = tuple(_label(text) for text in ("名称", "类型", "法定代表人", "经营范围"))
# The labels of the other fields, which end the name when they are on its row.
_LICENCE_LABELS = re.compile("注册资本|注册资金|成立日期|营业期限|住所|类型|法定代表人|经营范围")
# Credit codes never use I, O, S, V or Z, so these look-alikes can only be digits.
_CODE_LOOKALIKES = str.maketrans({"I": "1", "O": "0", "S": "5", "Z": "2"})


def _licence_parse(page: _Page) -> _Values:
    found = _Values()
    name, confidence = _after_label(page, "名称")
    name = _LICENCE_LABELS.split(name, maxsplit=1)[0]
    valid = re.fullmatch(r"[\u3400-\u9fff()0-9A-Za-z·]{4,60}", name)
    found.put("name", name if valid else None, confidence)

    code, confidence = None, 0.0
    for row in page.rows:
        text = row.text.replace("统一社会信用代码", " ").upper().translate(_CODE_LOOKALIKES)
        for match in re.finditer(r"(?=([0-9A-Z]{18}))", text):
            try:
                code = uscc.validate(match[1])
            except ValidationError:
                continue
            confidence = row.confidence(match.start(1), match.end(1))
            break
        if code:
            break
    found.put("credit_code", code, confidence, checked=True)
    return found


def read_business_licence(image_bytes: bytes) -> BusinessLicence:
    """Name and unified social credit code from a business licence (营业执照)."""
    found, turned = _read(
        image_bytes,
        kind="business_licence",
        anchors=_LICENCE_ANCHORS,
        parse=_licence_parse,
        fields=BusinessLicence.FIELDS,
    )
    return BusinessLicence(
        **found.values,
        confidence=found.confidence,
        problems=tuple(found.problems),
        turned=turned,
    )


# --- passport data page --------------------------------------------------------------------

_MRZ_CHARACTERS = re.compile(r"[A-Z0-9<]{25,}")
_PASSPORT_ANCHORS = (
    lambda text: "PASSPORT" in text.upper() or "护照" in text,
    # The zone's first line (names: few digits), then its second (dates: many).
    lambda text: _is_mrz(text) and "<<" in text and sum(c.isdigit() for c in text) < 4,
    lambda text: _is_mrz(text) and sum(c.isdigit() for c in text) >= 8,
)
# What the recogniser makes of fillers ("<") in a monospace font.
_FILLER_LOOKALIKES = str.maketrans({"Λ": "<", "«": "<<", "‹": "<", "く": "<", "≤": "<", "×": "X"})
# Where each field lies in line 2, for its confidence.
_MRZ_SPANS = {
    "document_number": (0, 10),
    "nationality": (10, 13),
    "birth_date": (13, 20),
    "sex": (20, 21),
    "expiry_date": (21, 28),
}
# The characters of line 2 each check digit covers, itself included.
_MRZ_CHECKED = {
    "document_number": (0, 10),
    "birth_date": (13, 20),
    "expiry_date": (21, 28),
    "optional_data": (28, 43),
    "composite": (0, 44),
}
_FILLER_LIKENESS = 0.85  # correlation with the filler's shape that makes a cell a filler
# Line 2 is also read in separate words at its optional data and final check digit, so
# that a misreading there leaves the fixed fields readable.
_MRZ_WORD_CUTS = ((), (28, 42))


def _mrz_text(text: str) -> str:
    return _normalise(text).upper().translate(_FILLER_LOOKALIKES)


def _is_mrz(text: str) -> bool:
    return bool(_MRZ_CHARACTERS.fullmatch(_mrz_text(text)))


def _zone_rows(page: _Page) -> list[_Row]:
    """The two lines of the zone, found by whichever the engine read: the last row of
    its characters with dates in it (line 2) and whatever lies right above it, or the
    last row of names and fillers (line 1) and whatever lies right below it; failing
    both, the two lowest lines that run across the page, as only the zone does."""
    faint = []
    for line in page.faint:
        faint.append(_Row())
        faint[-1].add(line, line.text)
    for index in range(len(page.rows) - 1, -1, -1):
        row = page.rows[index]
        text = _mrz_text(row.text)
        if _is_mrz(text) and sum(c.isdigit() for c in text) >= 8:
            above = _next_to(page, row, [*page.rows, *faint], below=False)
            return [above, row] if above else []
        letters = sum(c in "<ABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in text)
        if "<<" in text and letters > 0.8 * len(text):
            below = _next_to(page, row, [*page.rows, *faint], below=True)
            return [row, below] if below else []
    bands = [(row, _band(page, row)) for row in [*page.rows, *faint]]
    if not bands:
        return []
    widest = max(right - left for _, ((left, _), (right, _)) in bands)
    across = sorted(
        ((top, row) for row, ((left, top), (right, _)) in bands if right - left > 0.8 * widest),
        key=lambda item: item[0],
    )
    if len(across) >= 2 and _next_to(page, across[-2][1], [across[-1][1]], below=True):
        return [across[-2][1], across[-1][1]]
    return []


def _next_to(page: _Page, row: _Row, others: list[_Row], *, below: bool) -> _Row | None:
    """The nearest of ``others`` right above or below a row, if close enough to be the
    other line of the zone (half a line height to three apart: closer is the same line)."""
    (_, top), (_, bottom) = _band(page, row)
    nearest, distance = None, 3 * (bottom - top)
    for other in others:
        (_, other_top), _ = _band(page, other)
        gap = other_top - top if below else top - other_top
        if (bottom - top) / 2 < gap < distance:
            nearest, distance = other, gap
    return nearest


def _band(page: _Page, row: _Row) -> tuple[tuple[float, float], tuple[float, float]]:
    """The upright box around a row: (left, top), (right, bottom)."""
    points = [page.upright(p) for line in row.lines for p in line.corners]
    return (
        (min(x for x, _ in points), min(y for _, y in points)),
        (max(x for x, _ in points), max(y for _, y in points)),
    )


def _mrz_reread(page: _Page, rows: list[_Row]) -> list[tuple[str, list[float]]]:
    """Each line of the zone read again, character cell by character cell: the text and
    each character's score; empty when the fillers cannot be found.

    The lines are cut out of the picture upright and divided into 44 cells. The cells
    where the filler's shape (taken from the end of line 1, which is always fillers)
    matches are fillers; only the words between them are given to the recogniser,
    which drops characters in long runs of fillers but reads words well. A word read
    with a character too many or too few gets a score of 0, so its fields are
    reported unreadable and the checks over it are left out.
    """
    import cv2
    import numpy as np

    bands = [_band(page, row) for row in rows]
    left, right = min(band[0][0] for band in bands), max(band[1][0] for band in bands)
    # Both lines as tall as the taller, in case little of line 1 was found.
    height = max(bottom - top for (_, top), (_, bottom) in bands)
    strips = []
    for (_, top), (_, bottom) in bands:
        top, bottom = (top + bottom - height) / 2, (top + bottom + height) / 2
        # Upper left, lower left, lower right, upper right, in the picture.
        quad = (
            page.in_picture(p) for p in ((left, top), (left, bottom), (right, bottom), (right, top))
        )
        size = (max(1, round(right - left)), max(1, round(bottom - top)))
        crop = page.picture.transform(
            size,
            Image.Transform.QUAD,
            tuple(coordinate for point in quad for coordinate in point),
            resample=Image.Resampling.BICUBIC,
        )
        grey = np.asarray(crop.convert("L"))
        ink = grey < (int(grey.min()) + int(grey.max())) / 2
        columns = np.flatnonzero(ink.sum(axis=0) >= max(2, ink.shape[0] // 10))
        if columns.size < 2:
            return []
        start, end = int(columns[0]), int(columns[-1]) + 1
        strips.append((crop, grey, ink, start, end, (end - start) / 44))
    # The filler: the last character of line 1, cut to its height.
    _, grey, ink, _, end, pitch = strips[0]
    cell = slice(max(0, round(end - pitch)), end)
    inked = np.flatnonzero(ink[:, cell].any(axis=1))
    if inked.size == 0:
        return []
    filler = grey[max(0, inked[0] - 2) : inked[-1] + 3, cell]
    lines = []
    for (crop, grey, _, start, _, pitch), cuts in zip(strips, _MRZ_WORD_CUTS, strict=True):
        if grey.shape[0] < filler.shape[0] or grey.shape[1] < filler.shape[1]:
            return []
        likeness = cv2.matchTemplate(grey, filler, cv2.TM_CCOEFF_NORMED).max(axis=0)
        bounds = [round(start + index * pitch) for index in range(45)]
        slack = max(1, round(pitch / 3))  # how far a glyph may sit off the even grid
        fillers = [
            likeness[max(0, bound - slack) : bound + slack + 1].max() >= _FILLER_LIKENESS
            for bound in bounds[:44]
        ]
        text, scores = ["<"] * 44, [1.0] * 44
        for first, last in _mrz_words(fillers, cuts):
            # A margin where fillers are around, none where a cut runs through text.
            margin = round(pitch / 4)
            left = bounds[first] - (0 if first in cuts else margin)
            right = bounds[last + 1] + (0 if last + 1 in cuts else margin)
            box = (max(0, left), 0, right, grey.shape[0])
            read = _engine_run(crop.crop(box), detect=False)
            # The margins may catch a bit of the fillers around: "-", "<" at the ends.
            word = re.sub(r"^[^A-Z0-9]+|[^A-Z0-9]+$", "", _mrz_text(read[0][0]) if read else "")
            score = float(read[0][1]) if read else 0.0
            if len(word) != last + 1 - first:
                score = 0.0  # miscounted: kept as read, with no confidence in it
            for index, character in zip(range(first, last + 1), word, strict=False):
                text[index] = character
            scores[first : last + 1] = [score] * (last + 1 - first)
        lines.append(("".join(text), scores))
    return lines


def _mrz_words(fillers: list[bool], cuts: tuple[int, ...]) -> list[tuple[int, int]]:
    """First and last cell of each group of characters, groups split by three fillers or
    more (names are at most two fillers apart) and at the cells in ``cuts``."""
    words: list[tuple[int, int]] = []
    for index, filler in enumerate(fillers):
        if filler:
            continue
        if words and index - words[-1][1] <= 3 and index not in cuts:
            words[-1] = (words[-1][0], index)
        else:
            words.append((index, index))
    return words


def _passport_parse(page: _Page, *, today: datetime.date) -> _Values:
    found = _Values()
    found.values["mrz"], found.values["checks"] = None, {}
    rows = _zone_rows(page)
    best = None
    if rows:
        # Each line read again cell by cell, and as first read; the pair whose check
        # digits verify most wins, the lines read again first.
        first = [(_mrz_text(row.text), [min(s for *_, s in row.spans)] * 44) for row in rows]
        reread = _mrz_reread(page, rows)
        options = [
            [(1, line) for line in reread[index : index + 1]] + [(0, first[index])]
            for index in (0, 1)
        ]
        for again1, (line1, scores1) in options[0]:
            for again2, (line2, scores2) in options[1]:
                try:
                    zone = td3_parse(*td3_repair(line1, line2), today=today)
                except MrzFormatError:
                    continue
                rank = (sum(zone.checks.values()), again1, again2)
                if best is None or rank > best[0]:
                    best = (rank, zone, scores1, scores2)
    if best is None:
        for name in PassportPage.FIELDS:
            found.put(name, None, 0.0)
        return found
    _, zone, scores1, scores2 = best
    found.values["mrz"] = (zone.line1, zone.line2)
    # A check over characters not read clearly says nothing of the passport: left out.
    checks = {
        name: verified
        for name, verified in zone.checks.items()
        if min(scores2[slice(*_MRZ_CHECKED[name])]) >= MIN_CONFIDENCE
    }
    found.values["checks"] = checks
    # The printed page, to confirm the fields that no check digit covers.
    printed = [line.text.upper() for row in page.rows if row not in rows for line in row.lines]

    def shown(value: str) -> bool:
        value = value.replace(" ", "")
        return bool(value) and any(
            re.search(rf"(?<![A-Z]){re.escape(value)}$", text) for text in printed
        )

    for name, (start, end) in _MRZ_SPANS.items():
        value = getattr(zone, name)
        if name in _MRZ_CHECKED:
            # Given when its check digit verifies; a single digit agrees by chance one
            # time in ten, so a clear reading is asked for unless the composite
            # verifies as well.
            checked = checks.get("composite", False)
            if not checks.get(name):
                value = None
        else:
            # Nationality and sex are outside every check: the nationality must be the
            # issuing state of line 1 or printed on the page.
            checked = False
            if name == "nationality" and value != zone.issuing_state and not shown(value):
                value = None
        if name == "document_number" and not re.fullmatch(r"[A-Z0-9]+<*", zone.line2[:9]):
            value = None  # fillers only ever pad the number at its end
        found.put(name, value, min(scores2[start:end], default=0.0), checked=checked)
    # Names have no check digit either: given only when the page shows them too.
    names_end = len(zone.line1.rstrip("<"))
    confidence = min(scores1[5 : max(6, names_end)], default=0.0)
    for name in ("surname", "given_names"):
        value = getattr(zone, name)
        found.put(name, value if shown(value) else None, confidence)
    found.problems += [
        Problem(ProblemCode.CHECK_FAILED, name) for name, ok in checks.items() if not ok
    ]
    return found


def read_passport_page(image_bytes: bytes, *, today: datetime.date | None = None) -> PassportPage:
    """The machine-readable zone of a passport data page, its fields and check digits;
    ``expired`` is judged on ``today`` (the current date by default)."""
    today = today or datetime.date.today()
    found, turned = _read(
        image_bytes,
        kind="passport",
        anchors=_PASSPORT_ANCHORS,
        parse=lambda page: _passport_parse(page, today=today),
        fields=PassportPage.FIELDS,
    )
    values = found.values
    expiry = values.get("expiry_date")
    return PassportPage(
        **{name: values.get(name) for name in PassportPage.FIELDS},
        mrz=values.get("mrz"),
        checks=values.get("checks") or {},
        expired=None if expiry is None else expiry < today,
        confidence=found.confidence,
        problems=tuple(found.problems),
        turned=turned,
    )


# --- comparing extracted and declared values -----------------------------------------------


@dataclass(frozen=True)
class Match:
    match: bool
    similarity: float  # 0.0-1.0


class TextKind(StrEnum):
    NAME = "name"  # exact after normalising width, spaces and the middle dot
    ADDRESS = "address"  # similar enough (ADDRESS_SIMILARITY)
    IDENTIFIER = "identifier"  # ID numbers, credit codes, passport numbers: exact


_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", ".": "·"})


def _comparable(text: str, kind: TextKind) -> str:
    text = _normalise(text).upper()
    if kind == TextKind.NAME:
        return text.translate(_MIDDLE_DOTS)
    if kind == TextKind.ADDRESS:
        text = re.sub(r"[^\w]", "", text)
        # A municipality typed as province and city: 上海市上海市徐汇区 → 上海市徐汇区.
        return re.sub(r"(.{2,4}?[市省])\1", r"\1", text)
    return re.sub(r"[\s\-]", "", text)


def compare_text(declared: str, extracted: str, *, kind: TextKind = TextKind.NAME) -> Match:
    """Whether a value read from a document agrees with the one the customer declared."""
    from rapidfuzz import fuzz  # the [ai] extra

    left, right = _comparable(declared, kind), _comparable(extracted, kind)
    similarity = round(fuzz.ratio(left, right) / 100, 3)
    if kind == TextKind.ADDRESS:
        return Match(match=bool(left) and similarity >= ADDRESS_SIMILARITY, similarity=similarity)
    return Match(match=bool(left) and left == right, similarity=similarity)


def compare_date(declared: datetime.date, extracted: datetime.date) -> Match:
    same = declared == extracted
    return Match(match=same, similarity=1.0 if same else 0.0)
