"""Store staff enter walk-in customers' paper forms and see their own store's applications."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from customers.enums import Channel, CustomerKind
from customers.models import Consent, Customer, DuplicateIdentityAttempt
from customers.services import individual_register
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import StoreFactory, UserFactory
from tests.factories.customers import credit_code, individual_details, resident_id
from verification.models import Document, DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage_dir(tmp_path: Path, settings) -> Path:
    """Scans go to a temporary private folder, never to var/."""
    location = tmp_path / "private"
    location.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def staff(client, storage_dir):
    user = UserFactory(role=Role.STORE_STAFF)
    client.force_login(user)
    client.cookies["kyc_language"] = "en"
    return user


def stored_files(location: Path) -> list[Path]:
    return [path for path in location.rglob("*") if path.is_file()]


def png_scan(name="form.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_scan(name="form.pdf") -> SimpleUploadedFile:
    content = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def individual_form(**overrides) -> dict:
    details = individual_details()
    data = {
        **{key: details[key] for key in ("full_name", "document_type", "document_number")},
        "nationality": "CN",
        "birth_date": details["birth_date"].isoformat(),
        "gender": details["gender"],
        "mobile": details["mobile"],
        "mobile_region": "CN",
        "email": details["email"],
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路 88 号",
        "occupation": "教师",
        "consent_signed": "on",
        "language": "zh-hans",
        "action": "save",
    }
    data.update(overrides)
    return data


def enterprise_form(**overrides) -> dict:
    representative = resident_id(birth_date=datetime.date(1975, 3, 2))
    data = {
        "legal_name": "上海示例物流有限公司",
        "credit_code": credit_code(),
        "business_scope": "国内货物运输代理",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道 100 号",
        "contact_name": "李四",
        "contact_mobile": "13712345678",
        "contact_mobile_region": "CN",
        "contact_email": "contact@example.com",
        "representative_full_name": "张三",
        "representative_document_type": "resident_id",
        "representative_document_number": representative,
        "representative_nationality": "CN",
        "owners-TOTAL_FORMS": "1",
        "owners-INITIAL_FORMS": "0",
        "owners-0-full_name": "张三",
        "owners-0-document_type": "resident_id",
        "owners-0-document_number": representative,
        "owners-0-nationality": "CN",
        "owners-0-share": "100",
        "consent_signed": "on",
        "language": "en",
        "action": "save",
    }
    data.update(overrides)
    return data


def new_url(kind: str) -> str:
    return reverse("customers:store_new_kind", args=[kind])


def test_staff_enter_an_individual_paper_form_with_its_scan(client, staff, storage_dir):
    response = client.post(new_url("individual"), {**individual_form(), "scan": png_scan()})

    customer = Customer.objects.get()
    assert response["Location"] == reverse("customers:store_application", args=[customer.pk])
    assert customer.channel == Channel.STORE
    assert customer.store == staff.store
    assert customer.entered_by == staff
    assert customer.user is None  # the customer sets their login from the message
    consent = Consent.objects.get(customer=customer)
    assert (consent.channel, consent.recorded_by) == (Channel.STORE, staff)
    scan = Document.objects.get(customer=customer)
    assert scan.kind == DocumentKind.PAPER_FORM
    assert scan.case == customer.cases.get()
    assert stored_files(storage_dir)

    detail = client.get(response["Location"]).content.decode()
    assert "Scanned paper application form" in detail
    assert customer.individual.document_number not in detail  # masked


def test_staff_enter_an_enterprise_paper_form_with_a_pdf_scan(client, staff):
    response = client.post(new_url("enterprise"), {**enterprise_form(), "scan": pdf_scan()})

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.kind == CustomerKind.ENTERPRISE
    assert customer.language == "en"
    assert customer.enterprise.beneficial_owners.count() == 1
    assert Document.objects.get().content_type == "application/pdf"


@pytest.mark.parametrize(
    ("scan", "expected"),
    [
        (SimpleUploadedFile("form.png", b"GIF89a" + b"\0" * 100, content_type="image/png"), "GIF"),
        (SimpleUploadedFile("form.pdf", b"", content_type="application/pdf"), "empty"),
    ],
    ids=["wrong type", "empty"],
)
def test_a_refused_scan_saves_nothing_and_keeps_the_typed_form(
    client, staff, storage_dir, scan, expected
):
    form = individual_form(full_name="周杰")
    response = client.post(new_url("individual"), {**form, "scan": scan})

    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page
    assert 'value="周杰"' in page
    assert f'value="{form["document_number"]}"' in page
    assert not Customer.objects.exists()
    assert not Document.objects.exists()
    assert not stored_files(storage_dir)


def test_an_oversized_scan_is_refused_with_nothing_saved(client, staff, storage_dir, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = client.post(new_url("individual"), {**individual_form(), "scan": png_scan()})

    assert response.status_code == 200
    assert "the largest accepted is" in response.content.decode()
    assert not Customer.objects.exists()
    assert not stored_files(storage_dir)


def test_a_form_error_asks_for_the_scan_again(client, staff, storage_dir):
    response = client.post(
        new_url("individual"), {**individual_form(mobile="12"), "scan": png_scan()}
    )
    page = response.content.decode()
    assert "choose the scanned form again" in page
    assert 'value="12"' in page
    assert not Customer.objects.exists()
    assert not stored_files(storage_dir)


def test_the_scan_and_the_signed_consent_are_required(client, staff):
    response = client.post(new_url("individual"), individual_form(consent_signed=""))
    page = response.content.decode()
    assert "Attach the scan of the signed paper form." in page
    assert "signed the consent on the paper form" in page
    assert not Customer.objects.exists()


def test_a_duplicate_identity_is_refused_at_the_store_and_the_attempt_kept(client, staff):
    existing = individual_register(
        details=individual_details(), channel=Channel.WEB, consent_given=True
    )
    number = existing.individual.document_number
    response = client.post(
        new_url("individual"), {**individual_form(document_number=number), "scan": png_scan()}
    )
    assert "already registered" in response.content.decode()
    assert Customer.objects.count() == 1
    attempt = DuplicateIdentityAttempt.objects.get()
    assert (attempt.channel, attempt.attempted_by) == (Channel.STORE, staff)


def test_adding_an_owner_keeps_everything_typed_without_judging_it(client, staff):
    response = client.post(
        new_url("enterprise"), enterprise_form(action="add_owner", legal_name="某某公司")
    )
    page = response.content.decode()
    assert 'name="owners-TOTAL_FORMS" value="2"' in page
    assert 'value="某某公司"' in page
    assert 'class="errorlist"' not in page
    assert not Customer.objects.exists()


def _store_customer(store, staff, **overrides) -> Customer:
    return individual_register(
        details=individual_details(**overrides),
        channel=Channel.STORE,
        consent_given=True,
        store=store,
        actor=staff,
    )


def test_staff_see_only_their_own_stores_applications(client, staff):
    mine = _store_customer(staff.store, staff, full_name="王小明")
    other_store = StoreFactory()
    other_staff = UserFactory(role=Role.STORE_STAFF, store=other_store)
    theirs = _store_customer(other_store, other_staff, full_name="赵大伟")

    listing = client.get(reverse("customers:store_applications")).content.decode()
    assert "王**" in listing and "赵**" not in listing
    assert client.get(reverse("customers:store_application", args=[mine.pk])).status_code == 200
    assert client.get(reverse("customers:store_application", args=[theirs.pk])).status_code == 404


def test_the_list_costs_the_same_queries_for_one_or_three_applications(
    client, staff, django_assert_max_num_queries
):
    _store_customer(staff.store, staff)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("customers:store_applications"))
    _store_customer(staff.store, staff)
    _store_customer(staff.store, staff)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("customers:store_applications"))
    assert response.content.decode().count("王**") == 3


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.REVIEWER])
def test_store_pages_are_for_store_staff_only(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("customers:store_new")).status_code == 403
    assert client.get(reverse("customers:store_applications")).status_code == 403


def _confirmation_token(outbox) -> str:
    match = re.search(r"/confirm/([^/\s\"<>]+)/", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_an_in_store_customer_sets_their_login_from_the_confirmation_link(
    client, django_capture_on_commit_callbacks, mailoutbox, celery_eager
):
    staff = UserFactory(role=Role.STORE_STAFF)
    with django_capture_on_commit_callbacks(execute=True):
        customer = _store_customer(staff.store, staff, email="walk-in@example.com")
    url = reverse("customers:confirmation_set_login", args=[_confirmation_token(mailoutbox)])

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"username": "walkin", "password1": "Quiet-harbour-73", "password2": "Quiet-harbour-73"},
    )

    assert response["Location"] == reverse("customers:status")
    customer.refresh_from_db()
    assert customer.user.username == "walkin"
    assert client.get(reverse("customers:status")).status_code == 200
    # The link cannot make a second login.
    client.logout()
    assert client.get(url).status_code == 409


def test_an_altered_confirmation_link_cannot_set_a_login(client):
    response = client.get(reverse("customers:confirmation_set_login", args=["not-a-token"]))
    assert response.status_code == 400


def test_the_in_store_confirmation_message_invites_the_customer_to_set_a_login(
    client, django_capture_on_commit_callbacks, mailoutbox, celery_eager
):
    staff = UserFactory(role=Role.STORE_STAFF)
    with django_capture_on_commit_callbacks(execute=True):
        _store_customer(staff.store, staff, email="walk-in@example.com")
    token = _confirmation_token(mailoutbox)

    login_url = reverse("customers:confirmation_set_login", args=[token])
    assert login_url in mailoutbox[-1].body
    # Confirming from the link leads straight on to choosing the login.
    response = client.post(
        reverse("customers:confirmation_link", args=[token]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response["Location"] == login_url
    page = client.get(login_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Thank you: your details are confirmed." in page


def test_an_online_applicant_with_a_login_is_not_offered_another(
    django_capture_on_commit_callbacks, mailoutbox, celery_eager
):
    from customers.services import NewLogin

    with django_capture_on_commit_callbacks(execute=True):
        individual_register(
            details=individual_details(email="online@example.com"),
            channel=Channel.WEB,
            consent_given=True,
            new_login=NewLogin(username="online-applicant", password="Quiet-harbour-73"),
        )
    assert "/login/" not in mailoutbox[-1].body
