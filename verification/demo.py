"""Demo cases for the review queue: a few confirmed applications with document images, at
different risk levels, and one customer the fast track has already registered.

Idempotent like the rest of the demo: a customer whose identity is registered already is
left as it is. The document images are specimens drawn from the customers' own data
(``verification.specimens``); their checks run at once so the demo shows the results.
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
from verification.checks.services import case_current_checks, check_run
from verification.documents import document_upload
from verification.enums import CaseState
from verification.models import Case, DocumentKind
from verification.specimens import (
    BusinessLicenceValues,
    IdCardBackValues,
    IdCardFrontValues,
    PassportValues,
    business_licence_render,
    id_card_back_render,
    id_card_front_render,
    passport_render,
    specimen_fonts_available,
)
from verification.workflow import case_fast_track, case_transition

VALID_FROM, VALID_UNTIL = datetime.date(2016, 1, 1), datetime.date(2036, 1, 1)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _plain_card(title: str) -> Image.Image:
    """Without the specimen fonts (a bare machine): a plain card the reviewer can still open;
    the automatic reading then says it cannot read it."""
    image = Image.new("RGB", (856, 540), (228, 238, 246))
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), f"{title} (DEMO)", fill=(30, 30, 30), font=ImageFont.load_default(size=34))
    return image


def _upload(case: Case, kind: str, actor, specimen) -> None:
    """Upload a specimen picture (a callable making it) as the customer's document."""
    image = specimen() if specimen_fonts_available() else _plain_card(str(DocumentKind(kind).label))
    document_upload(
        customer=case.customer,
        kind=kind,
        uploaded_file=SimpleUploadedFile(f"{kind}.jpg", _jpeg(image)),
        actor=actor,
        case=case,
        expiry_date=VALID_UNTIL,
    )


def _run_checks(case: Case) -> None:
    """Run the case's checks now rather than in a worker, so the demo shows their results."""
    for check in case_current_checks(case=case):
        check_run(check_id=check.pk)


def _id_card_images(case: Case, actor, *, issuer: str) -> None:
    individual = case.customer.individual
    front = IdCardFrontValues(
        name=individual.full_name,
        sex="男" if individual.gender == Gender.MALE else "女",
        ethnicity="汉",
        birth_date=individual.birth_date,
        address=individual.full_address,
        id_number=individual.document_number,
    )
    back = IdCardBackValues(
        issuing_authority=issuer, valid_from=VALID_FROM, valid_until=VALID_UNTIL
    )
    _upload(case, DocumentKind.ID_CARD_FRONT, actor, lambda: id_card_front_render(front))
    _upload(case, DocumentKind.ID_CARD_BACK, actor, lambda: id_card_back_render(back))


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
        _id_card_images(case, user, issuer="上海市公安局徐汇分局")
        _run_checks(case)
        # The quality-control sample is drawn at random; this demo customer shows the
        # fast track itself, so it is never the sampled one.
        Case.objects.filter(pk=case.pk).update(quality_sample=False)
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
        _id_card_images(case, user, issuer="北京市公安局西城分局")
        _run_checks(case)

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
        passport = PassportValues(
            surname="NGUYEN",
            given_names="VAN AN",
            document_number="C1234567",
            nationality="VNM",
            birth_date=foreign["birth_date"],
            sex="M",
            expiry_date=datetime.date(2031, 6, 30),
        )
        _upload(case, DocumentKind.PASSPORT_PAGE, user, lambda: passport_render(passport))
        _run_checks(case)


def _walk_in_enterprise_confirmed() -> None:
    """The store's enterprise customer (customers.demo) confirms and shows its licence."""
    enterprise = Enterprise.objects.filter(customer__entered_by__username="store").first()
    if enterprise is None:
        return
    case = enterprise.customer.cases.order_by("-created_at").first()
    if case.state != CaseState.AWAITING_CONFIRMATION:
        return
    case = case_transition(case_id=case.pk, transition="confirm")
    licence = BusinessLicenceValues(name=enterprise.legal_name, credit_code=enterprise.credit_code)
    store_staff = User.objects.get(username="store")
    _upload(
        case,
        DocumentKind.BUSINESS_LICENCE,
        store_staff,
        lambda: business_licence_render(licence),
    )
    _run_checks(case)


@transaction.atomic
def load_demo_cases() -> list[DemoLogin]:
    logins = [_fast_tracked()]
    _queue()
    _walk_in_enterprise_confirmed()
    return logins
