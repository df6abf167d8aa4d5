"""Store staff enter an enterprise's paper application with its scan, in Chromium."""

import datetime
import io

import pytest
from PIL import Image

from customers.enums import Channel
from customers.models import Customer
from kyc_portal.accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.customers import credit_code, resident_id
from verification.models import Document, DocumentKind

pytestmark = pytest.mark.browser


@pytest.fixture
def private_storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_store_staff_enter_an_enterprise_paper_application_with_a_scan(open_page, private_storage):
    staff = UserFactory(role=Role.STORE_STAFF, username="store-clerk")
    page = open_page("/accounts/login/", locale="en-US")
    page.fill("#id_username", "store-clerk")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.get_by_role("link", name="New paper application").first.click()
    page.locator("a[href$='/new/enterprise/']").click()

    page.fill("#id_legal_name", "上海示例物流有限公司")
    page.fill("#id_credit_code", credit_code())
    page.fill("#id_province", "上海市")
    page.fill("#id_city", "上海市")
    page.fill("#id_street", "世纪大道 100 号")
    page.fill("#id_contact_name", "李四")
    page.fill("#id_contact_mobile", "13712345678")
    representative = resident_id(birth_date=datetime.date(1975, 3, 2))
    page.fill("#id_representative_full_name", "张三")
    page.fill("#id_representative_document_number", representative)
    page.fill("#id_owners-0-full_name", "张三")
    page.fill("#id_owners-0-document_number", representative)
    page.fill("#id_owners-0-share", "60")

    page.get_by_role("button", name="Add another owner").click()
    page.wait_for_load_state()
    assert page.input_value("#id_owners-0-full_name") == "张三"  # kept
    page.fill("#id_owners-1-full_name", "赵六")
    page.fill("#id_owners-1-document_number", resident_id(birth_date=datetime.date(1980, 1, 1)))
    page.fill("#id_owners-1-share", "40")
    page.check("#id_consent_signed")
    page.set_input_files(
        "#id_scan", files=[{"name": "form.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Save the application").click()

    page.wait_for_url("**/store/applications/*/")
    assert "上海示例物流有限公司" in page.locator("h1").inner_text()
    customer = Customer.objects.get()
    assert (customer.channel, customer.store, customer.entered_by) == (
        Channel.STORE,
        staff.store,
        staff,
    )
    assert customer.enterprise.beneficial_owners.count() == 2
    assert Document.objects.get(customer=customer).kind == DocumentKind.PAPER_FORM
