"""Web self-registration in Chromium: Chinese and English, confirmation, a rejected step."""

import datetime
import re

import pytest

from customers.models import Customer
from tests.factories.customers import resident_id
from verification.enums import CaseState

pytestmark = pytest.mark.browser

PASSWORD = "Mountain-river-42-lanterns"
CONFIRM_LINK = re.compile(r"/confirm/[^/\s\"<>]+/")

# What each language shows on buttons the visitor clicks.
TEXTS = {
    "zh-CN": {"continue": "继续", "submit": "提交申请"},
    "en-US": {"continue": "Continue", "submit": "Submit my application"},
}


def click_continue(page, locale):
    page.get_by_role("button", name=TEXTS[locale]["continue"], exact=True).click()
    page.wait_for_load_state()


def fill_identity(page, *, name="王小明", number=None):
    page.fill("#id_full_name", name)
    page.select_option("#id_document_type", "resident_id")
    page.fill("#id_document_number", number or resident_id(birth_date=datetime.date(1990, 5, 17)))
    page.fill("#id_birth_date", "1990-05-17")
    page.check("#id_gender_0")  # male, as the ID number says


def register_on_the_web(open_page, locale: str, username: str):
    page = open_page("/", locale=locale)
    page.locator("a.button--primary[href$='/register/']").click()
    page.wait_for_url("**/register/type/")
    assert page.locator("[aria-current='step']").count() == 1

    page.check("#id_kind_0")
    click_continue(page, locale)
    fill_identity(page)
    click_continue(page, locale)
    page.fill("#id_mobile", "13912345678")
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_province", "上海市")
    page.fill("#id_city", "上海市")
    page.fill("#id_street", "漕溪北路 88 号")
    click_continue(page, locale)

    page.wait_for_url("**/register/review/")
    assert "13912345678" in page.locator(".summary").inner_text()  # unmasked for the typist
    page.check("#id_consent")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name=TEXTS[locale]["submit"]).click()
    page.wait_for_url("**/my-application/")
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_an_individual_registers_on_the_web(open_page, locale):
    page = register_on_the_web(open_page, locale, f"xiaoming-{locale}")

    assert "王**" in page.content()
    assert "13912345678" not in page.content()  # masked once submitted
    customer = Customer.objects.get(user__username=f"xiaoming-{locale}")
    assert customer.language == ("zh-hans" if locale == "zh-CN" else "en")
    assert customer.cases.get().state == CaseState.AWAITING_CONFIRMATION


def test_a_customer_registered_on_the_web_confirms_from_the_email(
    open_page, mailoutbox, celery_eager
):
    page = register_on_the_web(open_page, "zh-CN", "confirming")
    message = next(m for m in mailoutbox if "confirming@example.com" in m.to)
    page.goto(CONFIRM_LINK.search(message.body).group(0))
    page.locator("form[action^='/confirm/'] button.button--primary").click()
    page.wait_for_load_state()

    customer = Customer.objects.get(user__username="confirming")
    assert customer.cases.get().state == CaseState.DOCUMENT_REVIEW


def test_a_rejected_step_keeps_the_typed_data(open_page):
    page = open_page("/register/type/", locale="en-US")
    page.check("#id_kind_0")
    click_continue(page, "en-US")

    number = resident_id()
    wrong = number[:-1] + ("1" if number[-1] == "0" else "0")
    fill_identity(page, name="韩梅梅", number=number[:10])
    page.locator("#id_full_name").focus()  # leaving the number field checks its format
    inline = page.locator("#id_document_number_inline")
    assert "18 characters; this one has 10" in inline.inner_text()
    page.fill("#id_document_number", wrong)
    assert inline.count() == 0  # the message goes once the format is right
    click_continue(page, "en-US")

    assert "check digit" in page.locator("#id_document_number_error").inner_text()
    assert page.input_value("#id_full_name") == "韩梅梅"
    assert page.input_value("#id_document_number") == wrong
    assert page.input_value("#id_birth_date") == "1990-05-17"
    assert page.is_checked("#id_gender_0")

    # The browser's Back button shows the step again from the server: still as typed.
    page.go_back()
    page.wait_for_url("**/register/identity/")
    assert page.input_value("#id_full_name") == "韩梅梅"
    assert page.input_value("#id_document_number") == wrong
