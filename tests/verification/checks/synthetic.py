"""Rendered identity documents with known values: the OCR test set and benchmark set.

Nothing here is a real document or a real person. Each ``*_values(rng)`` draws random but
valid values (GB 11643 resident ID numbers and unified social credit codes with correct
check characters, TD3 machine-readable zones with correct ICAO 9303 check digits), each
``*_render(values)`` (from ``verification.specimens``, which the demo uses too) draws an
image laid out like the real document, and
``variant_encode(image, variant, rng)`` applies one distortion a phone photo might have
and returns the encoded bytes the reading engine takes.

Importable without Django (the benchmark runner uses it too). Needs Pillow, NumPy and
python-stdnum, plus the CJK font of Debian's fonts-wqy-microhei.
"""

import datetime
import io
import random

import numpy as np
from PIL import Image, ImageFilter
from stdnum.cn import ric, uscc

from verification.specimens import (
    CJK_FONT,
    MONO_FONT,
    BusinessLicenceValues,
    IdCardBackValues,
    IdCardFrontValues,
    PassportValues,
    business_licence_render,
    id_card_back_render,
    id_card_front_render,
    passport_render,
)

__all__ = [
    "CJK_FONT",
    "MONO_FONT",
    "business_licence_render",
    "id_card_back_render",
    "id_card_front_render",
    "passport_render",
]


CLEAN = "clean"
TILTED = "tilted"
UPSIDE_DOWN = "upside_down"
BLUR_MILD = "blur_mild"
BLUR_MEDIUM = "blur_medium"
BLUR_HEAVY = "blur_heavy"
NOISE = "noise"
JPEG_40 = "jpeg40"
VARIANTS = (CLEAN, TILTED, UPSIDE_DOWN, BLUR_MILD, BLUR_MEDIUM, BLUR_HEAVY, NOISE, JPEG_40)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN_CHARACTERS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩凯晨欣怡雪梅琳晶慧佳嘉子轩博涵思睿天昊宁雨婷俊峰亮成志海波春燕"  # noqa: E501
# The pinyin of the surnames used for passports (the MRZ holds Latin letters only).
PINYIN_SURNAMES = ("WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO", "OUYANG")
PINYIN_SYLLABLES = ("XIAO", "MING", "HUA", "WEI", "FANG", "JING", "LI", "QIANG", "YU", "TING")
ETHNICITIES = ("汉",) * 8 + ("壮", "回", "满", "维吾尔", "苗", "土家", "蒙古", "朝鲜")

# (region code, province, city, district, police authority). The two first codes were in
# force for every birth year drawn; the others only from 1990 on (stdnum checks this).
PLACES = (
    ("110101", "北京市", "", "东城区", "北京市公安局东城分局"),
    ("310104", "上海市", "", "徐汇区", "上海市公安局徐汇分局"),
    ("440106", "广东省", "广州市", "天河区", "广州市公安局天河分局"),
    ("330106", "浙江省", "杭州市", "西湖区", "杭州市公安局西湖分局"),
    ("510104", "四川省", "成都市", "锦江区", "成都市公安局锦江区分局"),
    ("420106", "湖北省", "武汉市", "武昌区", "武汉市公安局武昌分局"),
)
STREETS = ("中山路", "人民路", "解放大道", "建设路", "漕溪北路", "和平街", "长江路", "文化路")
COMPANY_WORDS = ("示例", "华信", "恒通", "远景", "长风", "新源", "宏达", "嘉禾", "星河")
COMPANY_TRADES = ("物流", "贸易", "科技", "餐饮管理", "建筑工程", "文化传媒", "电子商务")
# Unified social credit code characters (GB 32100: no I, O, S, V, Z).
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

BACKDROP = (92, 96, 104)


# --- values --------------------------------------------------------------------------------


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def resident_id_number(
    rng: random.Random, *, region: str, birth_date: datetime.date, female: bool
) -> str:
    """A valid GB 11643 number: region, birth date, sequence (odd for men), check."""
    sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first_17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return ric.validate(first_17 + ric.calc_check_digit(first_17 + "0"))


def credit_code(rng: random.Random) -> str:
    """A valid unified social credit code: a company (91) registered in a real region."""
    region = rng.choice(PLACES)[0]
    body = "91" + region + "".join(rng.choice(CREDIT_CODE_CHARACTERS) for _ in range(9))
    return uscc.validate(body + uscc.calc_check_digit(body))


def id_card_front_values(rng: random.Random) -> IdCardFrontValues:
    region, province, city, district, _authority = place = rng.choice(PLACES)
    earliest = datetime.date(1950, 1, 1) if place in PLACES[:2] else datetime.date(1990, 1, 1)
    birth_date = _random_date(rng, earliest, datetime.date(2006, 12, 31))
    female = rng.random() < 0.5
    street = f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
    if rng.random() < 0.5:
        street += f"{rng.randrange(1, 30)}栋{rng.randrange(101, 2999)}室"
    return IdCardFrontValues(
        name=_chinese_name(rng),
        sex="女" if female else "男",
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=birth_date,
        address=f"{province}{city}{district}{street}",
        id_number=resident_id_number(rng, region=region, birth_date=birth_date, female=female),
    )


def id_card_back_values(rng: random.Random) -> IdCardBackValues:
    """A validity period as issued: 5, 10 or 20 years, or 长期; some already expired."""
    valid_from = _random_date(rng, datetime.date(2006, 1, 1), datetime.date(2024, 12, 31))
    years = rng.choice((5, 10, 10, 20, 20, None))
    valid_until = None if years is None else valid_from.replace(year=valid_from.year + years)
    return IdCardBackValues(
        issuing_authority=rng.choice(PLACES)[4], valid_from=valid_from, valid_until=valid_until
    )


def business_licence_values(rng: random.Random) -> BusinessLicenceValues:
    city = rng.choice(("上海", "北京", "广州", "杭州", "成都", "武汉"))
    words = rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_TRADES)
    return BusinessLicenceValues(name=f"{city}{words}有限公司", credit_code=credit_code(rng))


def passport_values(rng: random.Random) -> PassportValues:
    given = "".join(rng.choice(PINYIN_SYLLABLES) for _ in range(rng.choice((1, 2))))
    issued = _random_date(rng, datetime.date(2016, 1, 1), datetime.date(2025, 6, 30))
    optional = "" if rng.random() < 0.5 else "".join(rng.choices("ABCDEFGHJKLMNP", k=8))
    return PassportValues(
        surname=rng.choice(PINYIN_SURNAMES),
        given_names=given,
        document_number="E" + "".join(rng.choices("0123456789", k=8)),
        nationality="CHN",
        birth_date=_random_date(rng, datetime.date(1950, 1, 1), datetime.date(2006, 12, 31)),
        sex=rng.choice("MF"),
        expiry_date=issued.replace(year=issued.year + 10) - datetime.timedelta(days=1),
        optional_data=optional,
    )


# --- rendering -----------------------------------------------------------------------------


# --- photographing -------------------------------------------------------------------------


def _photograph(document: Image.Image, *, margin: int) -> Image.Image:
    """The document lying on a darker surface, as a phone photo frames it."""
    width, height = document.size
    photo = Image.new("RGB", (width + 2 * margin, height + 2 * margin), BACKDROP)
    photo.paste(document, (margin, margin))
    return photo


def _encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def variant_encode(document: Image.Image, variant: str, rng: random.Random) -> bytes:
    """The document photographed with one distortion, as the bytes of a PNG or JPEG."""
    photo = _photograph(document, margin=40)
    if variant == TILTED:
        angle = rng.uniform(2.0, 5.0) * rng.choice((-1, 1))
        photo = photo.rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=BACKDROP
        )
    elif variant == UPSIDE_DOWN:
        photo = photo.rotate(180)
    elif variant == BLUR_MILD:
        photo = photo.filter(ImageFilter.GaussianBlur(1.5))
    elif variant == BLUR_MEDIUM:  # where reading starts to fail
        photo = photo.filter(ImageFilter.GaussianBlur(4))
    elif variant == BLUR_HEAVY:
        photo = photo.filter(ImageFilter.GaussianBlur(9))
    elif variant == NOISE:
        pixels = np.asarray(photo, dtype=np.float32)
        noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 24, pixels.shape)
        photo = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    elif variant == JPEG_40:
        return _encode(photo, "JPEG", quality=40)
    elif variant != CLEAN:
        raise ValueError(f"unknown variant {variant!r}")
    return _encode(photo, "PNG")
