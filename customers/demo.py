"""Demo customers in different states, registered through the real services.

Idempotent: a customer whose identity number is already registered is left as it is.
"""

import datetime

from django.db import transaction
from stdnum.cn import ric, uscc

from kyc_portal.accounts.demo import DemoLogin, demo_store
from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_set_role
from kyc_portal.crypto.blind_index import blind_index
from verification.workflow import case_transition

from .enums import Channel, DocumentType, Gender
from .models import Enterprise, Individual
from .services import enterprise_register, individual_register


def demo_resident_id(first_17: str) -> str:
    return first_17 + ric.calc_check_digit(first_17 + "0")


def demo_individual(*, name: str, id_first_17: str, birth_date, gender, mobile: str) -> dict:
    """Details of a demo individual with a resident ID card (its first 17 characters)."""
    return {
        "full_name": name,
        "nationality": "CN",
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": demo_resident_id(id_first_17),
        "birth_date": birth_date,
        "gender": gender,
        "mobile": mobile,
        "email": "",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路 88 号",
        "occupation": "教师",
    }


_ONLINE = (
    # username, password, details, confirmed?
    (
        "wang",
        "demo-wang-2026",
        demo_individual(
            name="王小明",
            id_first_17="31010419900517001",
            birth_date=datetime.date(1990, 5, 17),
            gender=Gender.MALE,
            mobile="13900000001",
        ),
        False,
    ),
    (
        "li",
        "demo-li-2026",
        demo_individual(
            name="李娜",
            id_first_17="11010519850304002",
            birth_date=datetime.date(1985, 3, 4),
            gender=Gender.FEMALE,
            mobile="13900000002",
        ),
        True,
    ),
)

_CREDIT_CODE_BODY = "91310104MA1FL0000"


def _register_online(username, password, details, confirmed) -> DemoLogin:
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_set_role(user=user, role=Role.CUSTOMER)
    index = blind_index(details["document_number"], kind="id_number")
    if not Individual.objects.filter(document_number_index=index).exists():
        customer = individual_register(
            details=details, channel=Channel.WEB, consent_given=True, actor=user, user=user
        )
        if confirmed:
            case_transition(case_id=customer.cases.get().pk, transition="confirm", actor=user)
    note = "confirmed, in document review" if confirmed else "waiting for confirmation"
    return DemoLogin(username, password, Role.CUSTOMER, note)


def _register_walk_in_enterprise() -> None:
    credit_code = _CREDIT_CODE_BODY + uscc.calc_check_digit(_CREDIT_CODE_BODY)
    if Enterprise.objects.filter(credit_code_index=blind_index(credit_code, kind="id_number")):
        return
    staff = User.objects.get(username="store")
    enterprise_register(
        details={
            "legal_name": "上海示例物流有限公司",
            "credit_code": credit_code,
            "business_scope": "国内货物运输代理；仓储服务",
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "street": "世纪大道 100 号 20 层",
            "contact_name": "周婷",
            "contact_mobile": "13900000003",
            "contact_email": "",
            "representative_full_name": "陈建国",
            "representative_nationality": "CN",
            "representative_document_type": DocumentType.RESIDENT_ID,
            "representative_document_number": demo_resident_id("31010419700101001"),
            "beneficial_owners": [
                {
                    "full_name": "陈建国",
                    "nationality": "CN",
                    "document_type": DocumentType.RESIDENT_ID,
                    "document_number": demo_resident_id("31010419700101001"),
                    "share": "70",
                }
            ],
        },
        channel=Channel.STORE,
        consent_given=True,
        actor=staff,
        store=demo_store(),
    )


@transaction.atomic
def load_demo_customers() -> list[DemoLogin]:
    logins = [_register_online(*spec) for spec in _ONLINE]
    _register_walk_in_enterprise()
    return logins
