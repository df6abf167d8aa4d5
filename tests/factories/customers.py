"""Valid registration details, and registered customers made through the real service.

`individual_details(**overrides)` gives what a customer would type; each call gets a
new, valid resident ID number so customers never collide.
"""

import datetime
import itertools

from stdnum.cn import ric

from customers.enums import Channel, DocumentType, Gender
from customers.services import enterprise_register, individual_register

_serial = itertools.count(1)


def resident_id(*, birth_date=datetime.date(1990, 5, 17), female=False, region="310104") -> str:
    """A valid GB 11643 number for the given birth date and gender (Xuhui, Shanghai)."""
    serial = next(_serial) % 500
    sequence = f"{serial * 2 + (0 if female else 1):03d}"
    first_17 = f"{region}{birth_date:%Y%m%d}{sequence}"
    return first_17 + ric.calc_check_digit(first_17 + "0")


def credit_code() -> str:
    """A valid unified social credit code, different on each call."""
    from stdnum.cn import uscc

    body = f"91310104MA{next(_serial):07d}"[:17]
    return body + uscc.calc_check_digit(body)


def individual_details(**overrides) -> dict:
    birth_date = overrides.pop("birth_date", datetime.date(1990, 5, 17))
    details = {
        "full_name": "王小明",
        "nationality": "CN",
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": resident_id(birth_date=birth_date),
        "birth_date": birth_date,
        "gender": Gender.MALE,
        "mobile": f"139{next(_serial):08d}",
        "email": "xiaoming@example.com",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路 88 号 1201 室",
        "occupation": "工程师",
    }
    details.update(overrides)
    return details


def enterprise_details(**overrides) -> dict:
    details = {
        "legal_name": "上海示例物流有限公司",
        "credit_code": credit_code(),
        "business_scope": "国内货物运输代理",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道 100 号",
        "contact_name": "李四",
        "contact_mobile": f"137{next(_serial):08d}",
        "contact_email": "contact@example.com",
        "representative_full_name": "张三",
        "representative_nationality": "CN",
        "representative_document_type": DocumentType.RESIDENT_ID,
        "representative_document_number": resident_id(birth_date=datetime.date(1975, 3, 2)),
        "beneficial_owners": [
            {
                "full_name": "张三",
                "nationality": "CN",
                "document_type": DocumentType.RESIDENT_ID,
                "document_number": resident_id(birth_date=datetime.date(1975, 3, 2)),
                "share": "60",
            }
        ],
    }
    details.update(overrides)
    return details


def register_individual(*, channel=Channel.WEB, store=None, actor=None, **overrides):
    """An individual registered through the service; in store when ``store`` is given."""
    return individual_register(
        details=individual_details(**overrides),
        channel=Channel.STORE if store is not None else channel,
        consent_given=True,
        store=store,
        actor=actor,
    )


def register_enterprise(*, channel=Channel.WEB, store=None, actor=None, **overrides):
    return enterprise_register(
        details=enterprise_details(**overrides),
        channel=Channel.STORE if store is not None else channel,
        consent_given=True,
        store=store,
        actor=actor,
    )
