"""Specimen identity documents: pictures laid out like a Chinese resident ID card (both
sides), a business licence and a passport data page, with given values.

They are what the demo customers upload and what the tests and the OCR benchmark read. They
need the fonts Debian ships as fonts-wqy-microhei (Chinese) and fonts-dejavu-core (the
machine-readable zone); ``specimen_fonts_available`` says whether they are there.
"""

import datetime
import random
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from verification.checks.mrz import check_digit

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")

LABEL_COLOUR = (40, 110, 190)
TEXT_COLOUR = (20, 20, 20)


def specimen_fonts_available() -> bool:
    return CJK_FONT.exists()


@dataclass(frozen=True)
class IdCardFrontValues:
    name: str
    sex: str
    ethnicity: str
    birth_date: datetime.date
    address: str
    id_number: str


@dataclass(frozen=True)
class IdCardBackValues:
    issuing_authority: str
    valid_from: datetime.date
    valid_until: datetime.date | None  # None: 长期 (no end)


@dataclass(frozen=True)
class BusinessLicenceValues:
    name: str
    credit_code: str


@dataclass(frozen=True)
class PassportValues:
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: datetime.date
    sex: str  # M, F or <
    expiry_date: datetime.date
    optional_data: str = ""

    @property
    def mrz(self) -> tuple[str, str]:
        """The two TD3 lines, with correct check digits."""
        names = f"{self.surname}<<{self.given_names.replace(' ', '<')}"
        line1 = f"P<{self.nationality}{names}".ljust(44, "<")[:44]
        number = self.document_number.ljust(9, "<")
        birth = f"{self.birth_date:%y%m%d}"
        expiry = f"{self.expiry_date:%y%m%d}"
        optional = self.optional_data.ljust(14, "<")
        optional_check = check_digit(optional)
        body = (
            f"{number}{check_digit(number)}{self.nationality}{birth}{check_digit(birth)}"
            f"{self.sex}{expiry}{check_digit(expiry)}{optional}{optional_check}"
        )
        composite = body[0:10] + body[13:20] + body[21:43]
        return line1, body + check_digit(composite)


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path if path.exists() else CJK_FONT), size)


def _card(size: tuple[int, int], *, tint: tuple[int, int, int], seed: int) -> Image.Image:
    """A pale card with a faint guilloche-like pattern, so the text is not on plain white."""
    card = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(card)
    pattern = random.Random(seed)  # noqa: S311  decoration, not security
    for _ in range(18):
        x, y = pattern.randrange(size[0]), pattern.randrange(size[1])
        radius = pattern.randrange(80, 400)
        shade = tuple(max(0, channel - 14) for channel in tint)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=shade, width=2)
    return card


def _portrait(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """A grey silhouette where the holder's photo goes."""
    left, top, right, bottom = box
    draw.rectangle(box, fill=(214, 218, 224))
    middle = (left + right) // 2
    head = (right - left) // 4
    draw.ellipse(
        (middle - head, top + head // 2, middle + head, top + head * 5 // 2), fill=(150, 156, 166)
    )
    draw.pieslice(
        (left + 10, bottom - head * 3, right - 10, bottom + head * 2),
        180,
        360,
        fill=(150, 156, 166),
    )


def _wrap(text: str, width: int) -> list[str]:
    return [text[start : start + width] for start in range(0, len(text), width)]


def id_card_front_render(values: IdCardFrontValues) -> Image.Image:
    """The front (photo side) of a second-generation resident identity card, 856×540."""
    card = _card((856, 540), tint=(238, 242, 246), seed=zlib.crc32(values.id_number.encode()))
    draw = ImageDraw.Draw(card)
    label, value = _font(CJK_FONT, 26), _font(CJK_FONT, 32)
    draw.text((56, 52), "姓  名", font=label, fill=LABEL_COLOUR)
    draw.text((160, 46), values.name, font=value, fill=TEXT_COLOUR)
    draw.text((56, 118), "性  别", font=label, fill=LABEL_COLOUR)
    draw.text((160, 112), values.sex, font=value, fill=TEXT_COLOUR)
    draw.text((290, 118), "民  族", font=label, fill=LABEL_COLOUR)
    draw.text((392, 112), values.ethnicity, font=value, fill=TEXT_COLOUR)
    draw.text((56, 184), "出  生", font=label, fill=LABEL_COLOUR)
    birth = values.birth_date
    draw.text((160, 178), f"{birth.year}", font=value, fill=TEXT_COLOUR)
    draw.text((250, 184), "年", font=label, fill=LABEL_COLOUR)
    draw.text((300, 178), f"{birth.month}", font=value, fill=TEXT_COLOUR)
    draw.text((346, 184), "月", font=label, fill=LABEL_COLOUR)
    draw.text((396, 178), f"{birth.day}", font=value, fill=TEXT_COLOUR)
    draw.text((442, 184), "日", font=label, fill=LABEL_COLOUR)
    draw.text((56, 250), "住  址", font=label, fill=LABEL_COLOUR)
    for row, line in enumerate(_wrap(values.address, 11)):
        draw.text((160, 244 + row * 46), line, font=value, fill=TEXT_COLOUR)
    draw.text((56, 450), "公民身份号码", font=label, fill=LABEL_COLOUR)
    draw.text((272, 444), values.id_number, font=_font(MONO_FONT, 34), fill=TEXT_COLOUR)
    _portrait(draw, (560, 50, 800, 360))
    return card


def id_card_back_render(values: IdCardBackValues) -> Image.Image:
    """The back (national emblem side) of a resident identity card, 856×540."""
    card = _card(
        (856, 540), tint=(240, 238, 230), seed=zlib.crc32(values.issuing_authority.encode())
    )
    draw = ImageDraw.Draw(card)
    draw.ellipse((60, 50, 200, 190), fill=(200, 40, 40), outline=(230, 190, 60), width=6)
    draw.text((250, 70), "中华人民共和国", font=_font(CJK_FONT, 50), fill=TEXT_COLOUR)
    draw.text((250, 150), "居民身份证", font=_font(CJK_FONT, 72), fill=TEXT_COLOUR)
    label, value = _font(CJK_FONT, 26), _font(CJK_FONT, 30)
    draw.text((150, 370), "签发机关", font=label, fill=TEXT_COLOUR)
    draw.text((290, 366), values.issuing_authority, font=value, fill=TEXT_COLOUR)
    draw.text((150, 440), "有效期限", font=label, fill=TEXT_COLOUR)
    until = "长期" if values.valid_until is None else f"{values.valid_until:%Y.%m.%d}"
    draw.text((290, 436), f"{values.valid_from:%Y.%m.%d}-{until}", font=value, fill=TEXT_COLOUR)
    return card


def business_licence_render(values: BusinessLicenceValues) -> Image.Image:
    """The top of a business licence (营业执照, the A4 copy): title, code, fields."""
    page = _card((1400, 990), tint=(250, 248, 240), seed=zlib.crc32(values.credit_code.encode()))
    draw = ImageDraw.Draw(page)
    draw.rectangle((20, 20, 1380, 970), outline=(190, 60, 50), width=8)
    draw.ellipse((640, 50, 760, 170), fill=(200, 40, 40))
    draw.text((520, 190), "营 业 执 照", font=_font(CJK_FONT, 84), fill=(30, 30, 30))
    small, label, value = _font(CJK_FONT, 26), _font(CJK_FONT, 30), _font(CJK_FONT, 32)
    draw.text((90, 200), "统一社会信用代码", font=small, fill=TEXT_COLOUR)
    draw.text((90, 240), values.credit_code, font=_font(MONO_FONT, 30), fill=TEXT_COLOUR)
    rows = (
        ("名      称", values.name),
        ("类      型", "有限责任公司"),
        ("法定代表人", "张三"),
        ("经 营 范 围", "一般项目:技术服务、技术开发。"),
    )
    for index, (field, text) in enumerate(rows):
        draw.text((110, 400 + index * 80), field, font=label, fill=TEXT_COLOUR)
        draw.text((330, 398 + index * 80), text, font=value, fill=TEXT_COLOUR)
    draw.text((780, 400), "注 册 资 本", font=label, fill=TEXT_COLOUR)
    draw.text((980, 398), "人民币壹佰万元整", font=value, fill=TEXT_COLOUR)
    draw.text((780, 480), "成 立 日 期", font=label, fill=TEXT_COLOUR)
    draw.text((980, 478), "2015年03月02日", font=value, fill=TEXT_COLOUR)
    draw.text((900, 820), "登记机关", font=label, fill=TEXT_COLOUR)
    draw.ellipse((1050, 760, 1250, 960), outline=(210, 50, 50), width=6)
    return page


def passport_render(values: PassportValues, *, mrz: tuple[str, str] | None = None) -> Image.Image:
    """A passport data page (125×88 mm at 10 px/mm) with its machine-readable zone
    (``mrz``, to print other lines than the correct ones)."""
    page = _card(
        (1250, 880), tint=(236, 240, 234), seed=zlib.crc32(values.document_number.encode())
    )
    draw = ImageDraw.Draw(page)
    heading, label, value = _font(CJK_FONT, 30), _font(CJK_FONT, 20), _font(CJK_FONT, 28)
    draw.text(
        (330, 30), "中华人民共和国  PEOPLE'S REPUBLIC OF CHINA", font=heading, fill=TEXT_COLOUR
    )
    draw.text((330, 80), "护照  PASSPORT", font=heading, fill=TEXT_COLOUR)
    _portrait(draw, (50, 140, 330, 520))
    fields = (
        ("类型/Type", "P"),
        ("护照号/Passport No.", values.document_number),
        ("姓/Surname", values.surname),
        ("名/Given names", values.given_names),
        ("性别/Sex", {"M": "男/M", "F": "女/F"}.get(values.sex, "")),
        ("出生日期/Date of birth", f"{values.birth_date:%d %b %Y}".upper()),
        ("有效期至/Date of expiry", f"{values.expiry_date:%d %b %Y}".upper()),
    )
    for index, (field, text) in enumerate(fields):
        draw.text((380, 140 + index * 66), field, font=label, fill=LABEL_COLOUR)
        draw.text((380, 164 + index * 66), text, font=value, fill=TEXT_COLOUR)
    mono = _font(MONO_FONT, 42)
    line1, line2 = mrz or values.mrz
    draw.rectangle((0, 680, 1250, 880), fill=(246, 248, 244))
    draw.text((40, 700), line1, font=mono, fill=TEXT_COLOUR)
    draw.text((40, 780), line2, font=mono, fill=TEXT_COLOUR)
    return page
