import datetime
import logging
import uuid

import pytest
from django.template import Context, Template
from hypothesis import example, given
from hypothesis import strategies as st

from kyc_portal.crypto.masking import (
    MaskPersonalDataFilter,
    mask_address,
    mask_date,
    mask_email,
    mask_id_number,
    mask_name,
    mask_personal_data,
    mask_phone,
)
from tests.kyc_portal.crypto.helpers import full_width


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("110105 19491231 002X", "110105********002X"),
        ("110105491231002", "110105*****1002"),  # old 15-digit card
        ("91350100M000100Y43", "913501********0Y43"),  # credit code
        ("E12345678", "E1****678"),  # passport
        ("A123456", "A****56"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("138 0013 8000", "138****8000"),
        (full_width("13800138000"), "138****8000"),
        ("+86 138 0013 8000", "+86 138****8000"),
        ("0086 13800138000", "+86 138****8000"),
        ("+1 650 253 0000", "+1 650***0000"),
        ("12345", "***45"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("a@example.com", "a***@example.com"),
        ("no-at-sign", "n***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("Zhang San", "Z*** S***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("广东省深圳市南山区科技园路1号", "广东省深圳市****"),
        ("北京市朝阳区建国路88号", "北京市****"),
        ("内蒙古自治区呼和浩特市新城区1号", "内蒙古自治区呼和浩特市****"),
        ("221B Baker Street, London, UK", "****, London, UK"),
        ("somewhere", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked


def test_mask_date_keeps_the_year_only():
    assert mask_date(datetime.date(1949, 12, 31)) == "1949-**-**"
    assert mask_date("1949-12-31") == "1949-**-**"
    assert mask_date(None) == ""


def test_template_filters_are_builtins():
    template = Template(
        "{{ id|mask_id }} {{ phone|mask_phone }} {{ email|mask_email }} "
        "{{ name|mask_name }} {{ address|mask_address }} {{ missing|mask_id }}|"
    )

    rendered = template.render(
        Context(
            {
                "id": "11010519491231002X",
                "phone": "13800138000",
                "email": "zhang.san@example.com",
                "name": "张三",
                "address": "广东省深圳市南山区<b>1号",
            }
        )
    )

    assert rendered == "110105********002X 138****8000 z***@example.com 张* 广东省深圳市**** |"


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.addFilter(MaskPersonalDataFilter())

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def log():
    logger = logging.getLogger("tests.crypto.masking")
    handler = Collect()
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, handler.lines
    logger.removeHandler(handler)


def test_the_log_filter_masks_values_in_the_message_and_in_the_arguments(log):
    logger, lines = log

    logger.warning("duplicate id 11010519491231002X from 13800138000")
    logger.warning(
        "customer %s phone %s mail %s",
        "11010519491231002x",
        "+86 138 0013 8000",
        "zhang.san@example.com",
    )
    logger.warning("code %(code)s", {"code": "91350100M000100Y43"})

    assert lines == [
        "duplicate id 110105********002X from 138****8000",
        "customer 110105********002X phone +86 138****8000 mail z***@example.com",
        "code 913501********0Y43",
    ]


def test_the_log_filter_leaves_other_numbers_alone(log):
    logger, lines = log

    logger.warning("order %s took %d ms, ts %s", "ab" * 32, 1234, 1700000000000)

    assert lines == [f"order {'ab' * 32} took 1234 ms, ts 1700000000000"]


def test_the_log_filter_masks_tracebacks(log):
    logger, lines = log

    try:
        raise ValueError("bad number 11010519491231002X")
    except ValueError:
        logger.exception("failed for %s", "13800138000")

    assert "11010519491231002X" not in lines[0] and "13800138000" not in lines[0]
    assert "110105********002X" in lines[0] and "Traceback" in lines[0]


def test_the_log_filter_keeps_records_whose_arguments_do_not_fit(log):
    logger, lines = log

    logger.warning("two values %s %s", "13800138000")
    logger.warning(object())

    assert lines[0] == "two values %s %s (arguments: ('138****8000',))"
    assert lines[1].startswith("<object object")


@given(st.uuids())
@example(uuid.UUID("0f0e0d0c-e138-0013-8000-0a0b0c0d0e0f"))  # holds "138-0013-8000"
def test_a_uuid_is_never_taken_for_personal_data(value):
    text = f"case {value} moved"
    assert mask_personal_data(text) == text
