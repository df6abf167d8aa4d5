"""Demo cases for the review queue: a few confirmed applications with document images, at
different risk levels, and one customer the fast track has already registered.

Idempotent like the rest of the demo: a customer whose identity is registered already is
left as it is. The document images are drawn here (no files in the repository) and say
"DEMO" across them.
"""

import contextlib
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from customers.demo import demo_individual
from customers.enums import Channel, DocumentType, Gender
from customers.models import Enterprise, Individual
from customers.services import DuplicateIdentityError, individual_register
from kyc_portal.accounts.demo import DemoLogin
from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role
from kyc_portal.accounts.services import user_set_role
from kyc_portal.crypto.blind_index import blind_index
from verification.documents import document_upload
from verification.enums import CaseState
from verification.models import Case, DocumentKind
from verification.workflow import case_fast_track, case_transition

CARD_SIZE = (856, 540)  # ID-1 card proportions, at about 10 pixels per millimetre


def _demo_image(title: str, lines: list[str]) -> bytes:
    """A plain card with a title, a few lines and a DEMO mark, as a JPEG."""
    image = Image.new("RGB", CARD_SIZE, (228, 238, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CARD_SIZE[0], 70), fill=(32, 84, 140))
    draw.text((24, 18), title, fill="white", font=ImageFont.load_default(size=30))
    draw.ellipse((610, 120, 800, 360), fill=(190, 200, 210), outline=(120, 130, 140), width=3)
    body = ImageFont.load_default(size=26)
    for row, line in enumerate(lines):
        draw.text((40, 120 + row * 48), line, fill=(30, 30, 30), font=body)
    draw.text((300, 430), "DEMO", fill=(200, 60, 60), font=ImageFont.load_default(size=80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _upload(case: Case, kind: str, actor, title: str, lines: list[str]) -> None:
    document_upload(
        customer=case.customer,
        kind=kind,
        uploaded_file=SimpleUploadedFile(f"{kind}.jpg", _demo_image(title, lines)),
        actor=actor,
        case=case,
        expiry_date=datetime.date(2036, 1, 1),
    )


def _customer_login(username: str, password: str) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_set_role(user=user, role=Role.CUSTOMER)
    return user


def _confirmed_case(
    *, details: dict, user: User, channel: str = Channel.WEB, tried_again: bool = False
) -> Case | None:
    """Register and confirm, unless this identity is in the demo already. ``tried_again``:
    somebody then tries to register the same identity (refused, and recorded for risk)."""
    index = blind_index(details["document_number"], kind="id_number")
    if Individual.objects.filter(document_number_index=index).exists():
        return None
    customer = individual_register(
        details=details, channel=channel, consent_given=True, actor=user, user=user
    )
    if tried_again:
        with contextlib.suppress(DuplicateIdentityError):
            individual_register(details=details, channel=Channel.WEB, consent_given=True)
    return case_transition(case_id=customer.cases.get().pk, transition="confirm", actor=user)


def _id_card_images(case: Case, actor, name_line: str) -> None:
    _upload(case, DocumentKind.ID_CARD_FRONT, actor, "RESIDENT IDENTITY CARD", [name_line])
    _upload(case, DocumentKind.ID_CARD_BACK, actor, "ISSUING AUTHORITY", ["VALID 2016-2036"])


def _fast_tracked() -> DemoLogin:
    """A low-risk customer whose documents passed: registered by the fast track."""
    username, password = "zhao", "demo-zhao-2026"
    user = _customer_login(username, password)
    details = demo_individual(
        name="赵磊",
        id_first_17="31010419880822003",
        birth_date=datetime.date(1988, 8, 22),
        gender=Gender.MALE,
        mobile="13900000004",
    )
    case = _confirmed_case(details=details, user=user)
    if case is not None:
        _id_card_images(case, user, "ZHAO LEI  1988-08-22")
        case_fast_track(case_id=case.pk)
    return DemoLogin(username, password, Role.CUSTOMER, "registered by the fast track")


def _queue() -> None:
    """Cases waiting for a reviewer: a standard and an enhanced (high-risk) one."""
    duplicate_prone = demo_individual(
        name="刘洋",
        id_first_17="11010219920214005",
        birth_date=datetime.date(1992, 2, 14),
        gender=Gender.MALE,
        mobile="13900000005",
    )
    user = _customer_login("liu", "demo-liu-2026")
    case = _confirmed_case(
        details=duplicate_prone, user=user, channel=Channel.API, tried_again=True
    )
    if case is not None:
        _id_card_images(case, user, "LIU YANG  1992-02-14")

    # A foreign national from a jurisdiction on the policy's high-risk list.
    foreign = {
        **demo_individual(
            name="NGUYEN VAN AN",
            id_first_17="31010419791103007",
            birth_date=datetime.date(1979, 11, 3),
            gender=Gender.MALE,
            mobile="13900000006",
        ),
        "nationality": "VN",
        "document_type": DocumentType.PASSPORT,
        "document_number": "C1234567",
    }
    user = _customer_login("nguyen", "demo-nguyen-2026")
    case = _confirmed_case(details=foreign, user=user)
    if case is not None:
        _upload(
            case,
            DocumentKind.PASSPORT_PAGE,
            user,
            "PASSPORT",
            ["NGUYEN VAN AN", "P<VNMNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<<<<<<<<<<"],
        )


def _walk_in_enterprise_confirmed() -> None:
    """The store's enterprise customer (customers.demo) confirms and shows its licence."""
    enterprise = Enterprise.objects.filter(customer__entered_by__username="store").first()
    if enterprise is None:
        return
    case = enterprise.customer.cases.order_by("-created_at").first()
    if case.state != CaseState.AWAITING_CONFIRMATION:
        return
    case = case_transition(case_id=case.pk, transition="confirm")
    _upload(
        case,
        DocumentKind.BUSINESS_LICENCE,
        User.objects.get(username="store"),
        "BUSINESS LICENCE",
        ["SHANGHAI EXAMPLE LOGISTICS CO., LTD.", f"USCC {enterprise.credit_code}"],
    )


@transaction.atomic
def load_demo_cases() -> list[DemoLogin]:
    logins = [_fast_tracked()]
    _queue()
    _walk_in_enterprise_confirmed()
    return logins
