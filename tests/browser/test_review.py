"""A reviewer works a case in Chromium: queue, take the next case, look, decide."""

import datetime

import pytest
from django.utils import timezone

from customers.enums import Channel
from kyc_portal.accounts.roles import Role
from risk.enums import RiskLevel
from tests.factories.accounts import DEFAULT_PASSWORD, TOTPDeviceFactory, UserFactory, totp_code
from tests.factories.verification import case_document, case_in_review
from verification.enums import CaseState
from verification.models import Case, DocumentKind

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


@pytest.fixture
def waiting_cases(private_storage):
    """The case due first (medium risk, two photos), and a high-risk one due later."""
    first = case_in_review(risk_level=RiskLevel.MEDIUM)
    case_document(case=first, kind=DocumentKind.ID_CARD_FRONT)
    case_document(case=first, kind=DocumentKind.ID_CARD_BACK)
    later = case_in_review(risk_level=RiskLevel.HIGH, enterprise=True, channel=Channel.API)
    now = timezone.now()
    Case.objects.filter(pk=first.pk).update(sla_due_at=now + datetime.timedelta(hours=2))
    Case.objects.filter(pk=later.pk).update(sla_due_at=now + datetime.timedelta(hours=30))
    return first, later


def log_in_with_second_factor(open_page, username: str, *, locale: str):
    reviewer = UserFactory(role=Role.REVIEWER, username=username)
    device = TOTPDeviceFactory(user=reviewer)
    page = open_page("/accounts/login/", locale=locale)
    page.fill("#id_username", username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url("**/second-factor/**")
    page.fill("#id_otp_token", totp_code(device))
    page.locator("form[action*='/second-factor/'] button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_a_reviewer_takes_the_next_case_looks_at_the_documents_and_approves(
    open_page, waiting_cases
):
    first, _later = waiting_cases
    page = log_in_with_second_factor(open_page, "reviewer-wang", locale="en-US")
    # A script error or a content-security-policy violation would show up here.
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and problems.append(message.text),
    )
    page.goto("/review/")
    rows = page.locator("section[aria-labelledby=queue-title] tbody tr")
    assert rows.count() == 2
    assert "due in 1 h" in rows.nth(0).inner_text()  # soonest deadline first
    assert "High risk" in rows.nth(1).inner_text()

    page.get_by_role("button", name="Take the next case").click()
    page.wait_for_url(f"**/review/cases/{first.pk}/")
    assert "This case is yours now" in page.locator(".messages").inner_text()

    front = page.locator("article.document").filter(has_text="ID card (front)")
    viewer = front.locator("[data-viewer]")
    front.get_by_role("button", name="Rotate right").click()
    assert viewer.get_attribute("data-rotation") == "90"
    front.get_by_role("button", name="Zoom in").click()
    assert viewer.get_attribute("data-zoom") == "1.5"
    image_box = front.locator("[data-viewer-image]").bounding_box()
    assert image_box is not None and image_box["width"] > 0

    for kind in ("ID card (front)", "ID card (back)"):
        document = page.locator("article.document").filter(has_text=kind)
        document.get_by_role("button", name="Accept").click()
        page.wait_for_load_state()
        assert "Accepted" in page.locator("article.document").filter(has_text=kind).inner_text()

    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url("**/review/")
    message = page.locator(".messages").inner_text()
    first.refresh_from_db()
    assert first.state == CaseState.REGISTERED
    assert first.customer.customer_number in message
    assert page.locator("section[aria-labelledby=queue-title] tbody tr").count() == 1
    assert problems == []


def test_the_case_screen_in_chinese_shows_masked_data_and_reveals_on_request(
    open_page, waiting_cases
):
    first, _later = waiting_cases
    page = log_in_with_second_factor(open_page, "reviewer-li", locale="zh-CN")
    page.goto(f"/review/cases/{first.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    number = first.customer.individual.document_number
    assert number not in page.content()

    page.locator("form.reveal:has(input[value='individual.document_number']) button").click()
    page.wait_for_load_state()
    assert number in page.locator(".declared__value--revealed").inner_text()
