"""A customer uploads their ID card from the status page, in Chromium, in English and Chinese.

With KYC_SCREENSHOTS=<folder> set, full-page screenshots are saved there for a person to
look at (the layout and the Chinese are judged by eye, not by the test).
"""

import os
from pathlib import Path

import pytest
from django.utils import translation

from customers.services import customer_login_create
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.verification import case_document, case_in_review
from tests.verification import corpus
from verification.enums import CaseState, DocumentRejectionReason
from verification.models import Document, DocumentKind, DocumentStatus
from verification.services import document_decide
from verification.workflow import case_request_information

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("KYC_SCREENSHOTS", "")


@pytest.fixture
def private_storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def shot(page, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def thumbnails_loaded(page) -> bool:
    """Whether every preview shows, after loading again any that failed.

    The test database is in-memory SQLite, where two audited views writing at the same
    moment fail with "table is locked" (PostgreSQL, and SQLite on a file, wait instead);
    loading the failed previews one at a time sidesteps that.
    """
    return page.evaluate(
        """async () => {
            const images = [...document.querySelectorAll("img.document-thumbnail")];
            for (const image of images) {
                if (image.complete && image.naturalWidth > 0) continue;
                await new Promise(done => {
                    image.onload = image.onerror = done;
                    image.loading = "eager";
                    image.src = image.src.split("?")[0] + "?again=1";
                });
            }
            return images.every(image => image.complete && image.naturalWidth > 0);
        }"""
    )


def choose_and_upload(page, kind: str, name: str) -> None:
    page.select_option("#id_kind", kind)
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "image/jpeg", "buffer": corpus.jpeg()}]
    )
    page.locator("#documents form button[type=submit]").click()
    page.wait_for_url("**/my-application/**")


@pytest.mark.parametrize(("locale", "language"), [("en-US", "en"), ("zh-CN", "zh-hans")])
def test_a_customer_uploads_both_sides_of_their_id_card(
    open_page, private_storage, locale, language
):
    case = case_in_review()
    username = f"customer-{language}"
    customer_login_create(customer=case.customer, username=username, password=DEFAULT_PASSWORD)
    with translation.override(language):
        front, back = (str(DocumentKind(kind).label) for kind in ("id_card_front", "id_card_back"))

    page = open_page("/accounts/login/", locale=locale)
    page.fill("#id_username", username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.goto("/my-application/")
    assert page.locator(".document-row").count() == 0
    assert page.locator(".document-status--missing").count() == 3  # front, back, selfie
    shot(page, f"customer_documents_{language}_1_before")

    choose_and_upload(page, "id_card_front", "front.jpg")
    choose_and_upload(page, "id_card_back", "back.jpg")

    rows = page.locator(".document-row")
    assert rows.count() == 2
    listed = rows.all_inner_texts()
    assert any(front in row for row in listed) and any(back in row for row in listed)
    assert page.locator(".document-status--missing").count() == 1  # only the optional selfie
    # The previews load through the audited document view.
    assert page.locator("img.document-thumbnail").count() == 2
    page.wait_for_load_state("networkidle")
    assert thumbnails_loaded(page)
    shot(page, f"customer_documents_{language}_2_uploaded")

    documents = Document.objects.filter(case=case)
    assert {document.kind for document in documents} == {"id_card_front", "id_card_back"}
    assert {document.status for document in documents} == {DocumentStatus.RECEIVED}


def test_a_customer_answers_the_reviewers_request_for_a_new_photo(open_page, private_storage):
    case = case_in_review()
    customer_login_create(customer=case.customer, username="asked", password=DEFAULT_PASSWORD)
    reviewer = UserFactory(role=Role.REVIEWER)
    front = case_document(case=case, kind=DocumentKind.ID_CARD_FRONT, actor=reviewer)
    back = case_document(case=case, kind=DocumentKind.ID_CARD_BACK, actor=reviewer)
    document_decide(document_id=front.pk, actor=reviewer, accepted=True)
    document_decide(
        document_id=back.pk,
        actor=reviewer,
        accepted=False,
        reason=DocumentRejectionReason.UNREADABLE,
        note="The lower half is blurred.",
    )
    case_request_information(
        case_id=case.pk,
        actor=reviewer,
        message="Please send a sharp photo of the back of your ID card.",
        document_kinds=[DocumentKind.ID_CARD_BACK],
    )

    page = open_page("/accounts/login/", locale="en-US")
    page.fill("#id_username", "asked")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.goto("/my-application/")
    request = page.locator("#information-request")
    assert "Please send a sharp photo of the back" in request.inner_text()
    assert "The lower half is blurred." in page.locator("#documents").inner_text()
    assert page.input_value("#id_kind") == DocumentKind.ID_CARD_BACK
    page.wait_for_load_state("networkidle")
    assert thumbnails_loaded(page)
    shot(page, "customer_documents_en_3_asked")

    choose_and_upload(page, DocumentKind.ID_CARD_BACK, "back-again.jpg")
    page.locator("#information-request button[type=submit]").click()
    page.wait_for_load_state()

    assert page.locator("#information-request").count() == 0
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENT_REVIEW
    page.wait_for_load_state("networkidle")
    assert thumbnails_loaded(page)
    shot(page, "customer_documents_en_4_answered")
