"""Store staff fill the individual paper application from a photo of the ID card front."""

import importlib.util
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from customers.models import Customer
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from tests.conftest import skip_or_fail
from tests.factories.accounts import UserFactory
from tests.verification.checks import synthetic
from verification.checks import ocr
from verification.models import Document
from verification.specimens import id_card_front_render, specimen_fonts_available

pytestmark = pytest.mark.django_db

URL = "customers:store_new_prefill"
# The clean specimen the OCR tests read in full (tests/verification/checks/test_ocr.py).
VALUES = synthetic.id_card_front_values(random.Random(1))
GENDERS = {"男": "male", "女": "female"}


@pytest.fixture
def staff(client):
    user = UserFactory(role=Role.STORE_STAFF)
    client.force_login(user)
    client.cookies["kyc_language"] = "en"
    return user


@pytest.fixture(scope="module")
def ocr_ready():
    missing = [
        what
        for what, present in (
            ("the [ai] extra", importlib.util.find_spec("rapidocr_onnxruntime")),
            ("the CJK font of the specimens", specimen_fonts_available()),
        )
        if not present
    ]
    if missing:
        skip_or_fail(f"missing: {', '.join(missing)}")
    ocr.ocr_engine_load()


def upload(image: Image.Image, name: str = "card.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def assert_nothing_kept() -> None:
    assert not Document.objects.exists()
    assert not Customer.objects.exists()


def test_a_card_photo_fills_the_individual_form_for_checking(client, staff, ocr_ready):
    photo = synthetic.variant_encode(
        id_card_front_render(VALUES), synthetic.CLEAN, random.Random(1)
    )
    response = client.post(reverse(URL), {"id_card_front": SimpleUploadedFile("card", photo)})

    assert response.status_code == 200
    identity, contact = response.context["parts"]
    assert identity["full_name"].value() == VALUES.name
    assert identity["document_type"].value() == "resident_id"
    assert identity["document_number"].value() == VALUES.id_number
    assert identity["nationality"].value() == "CN"
    assert identity["birth_date"].value() == VALUES.birth_date
    assert identity["gender"].value() == GENDERS[VALUES.sex]
    assert contact["street"].value() == VALUES.address
    html = response.content.decode()
    assert html.count("Read from the scan — check it against the card.") == 5
    assert html.count('data-prefilled="true"') >= 5
    assert any("5 of 5 fields were read" in message for message in page_messages(response))
    assert any("move the province" in message for message in page_messages(response))
    # Not saved: the form is still to be reviewed and submitted.
    assert identity.is_bound is False
    assert_nothing_kept()
    entry = AuditEntry.objects.get(action="customer.prefill_read")
    assert entry.details == {"fields_read": 5, "fields_asked": 5}
    assert entry.target_id in ("", None)
    recorded = str(entry.details) + entry.target_type + str(entry.target_id)
    for personal in (VALUES.name, VALUES.id_number, VALUES.address, str(VALUES.birth_date)):
        assert personal not in recorded


def test_a_blank_or_blurred_photo_says_so_and_leaves_the_form_empty(client, staff, ocr_ready):
    blank = Image.new("RGB", (1000, 630), (200, 200, 200))
    response = client.post(reverse(URL), {"id_card_front": upload(blank)})

    assert response.status_code == 200
    assert any("Nothing could be read from this photo" in m for m in page_messages(response))
    identity, contact = response.context["parts"]
    assert not identity["full_name"].value()
    assert not identity["document_number"].value()
    assert not contact["street"].value()
    assert "Read from the scan — check it" not in response.content.decode()
    assert_nothing_kept()
    entry = AuditEntry.objects.get(action="customer.prefill_read")
    assert entry.details == {"fields_read": 0, "fields_asked": 5}


def test_a_photo_blurred_beyond_reading_says_so_and_fills_nothing(client, staff, ocr_ready):
    rng = random.Random(4)
    values = synthetic.id_card_front_values(rng)
    photo = synthetic.variant_encode(id_card_front_render(values), synthetic.BLUR_HEAVY, rng)
    response = client.post(reverse(URL), {"id_card_front": SimpleUploadedFile("card", photo)})

    identity, _contact = response.context["parts"]
    assert not identity["full_name"].value()
    assert not identity["document_number"].value()
    assert any("Nothing could be read" in m for m in page_messages(response))
    assert_nothing_kept()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", "card.pdf", "A PDF is accepted only"),
        (b"name,number\nsomebody,123\n", "card.png", "not in a format we accept"),
    ],
)
def test_a_file_that_is_not_a_jpeg_or_png_is_refused(client, staff, content, name, expected):
    response = client.post(reverse(URL), {"id_card_front": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert any(expected in message for message in page_messages(response))
    assert not response.context["parts"][0]["full_name"].value()
    assert_nothing_kept()
    assert not AuditEntry.objects.filter(action="customer.prefill_read").exists()


def test_without_the_ocr_engine_the_page_says_so_and_the_form_still_works(
    client, staff, monkeypatch
):
    def engine_missing(image_bytes):
        raise ocr.DocumentReadingError("not installed", code="engine_missing")

    monkeypatch.setattr("customers.prefill.read_id_card_front", engine_missing)
    response = client.post(
        reverse(URL), {"id_card_front": upload(Image.new("RGB", (800, 500), "white"))}
    )

    assert response.status_code == 200
    assert any(
        "Reading scans is not available on this server" in m for m in page_messages(response)
    )
    assert "full_name" in response.context["parts"][0].fields
    assert 'name="scan"' in response.content.decode()
    assert_nothing_kept()


def test_no_photo_chosen_asks_for_one(client, staff):
    response = client.post(reverse(URL), {})
    assert any("Choose the photo" in message for message in page_messages(response))


def test_the_entry_page_offers_the_scan_only_for_individuals(client, staff):
    individual = client.get(reverse("customers:store_new_kind", args=["individual"]))
    enterprise = client.get(reverse("customers:store_new_kind", args=["enterprise"]))
    assert reverse(URL) in individual.content.decode()
    assert reverse(URL) not in enterprise.content.decode()


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.REVIEWER])
def test_only_store_staff_may_read_a_card(client, role):
    client.force_login(UserFactory(role=role))
    image = upload(Image.new("RGB", (800, 500), "white"))
    response = client.post(reverse(URL), {"id_card_front": image})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="customer.prefill_read").exists()
