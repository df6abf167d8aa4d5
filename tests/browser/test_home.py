"""The home page in a real browser: Chinese first, English on request, switchable."""

import re

import pytest

pytestmark = pytest.mark.browser

CHINESE_CHARACTERS = re.compile(r"[\u4e00-\u9fff]")


def language_switch_button(page, language_code: str):
    return page.locator(f"form[action$='/i18n/setlang/'] button[value='{language_code}']")


def assert_shows_chinese(page):
    assert page.locator("html").get_attribute("lang").lower().startswith("zh")
    assert CHINESE_CHARACTERS.search(page.locator("h1").first.inner_text())
    assert CHINESE_CHARACTERS.search(page.title())


def assert_shows_english(page):
    assert page.locator("html").get_attribute("lang") == "en"
    assert "KYC Portal" in page.title()
    assert not CHINESE_CHARACTERS.search(page.locator("h1").first.inner_text())


def test_chinese_visitor_sees_chinese_and_can_switch_to_english(open_page):
    page = open_page("/", locale="zh-CN")
    assert_shows_chinese(page)

    language_switch_button(page, "en").click()
    page.wait_for_load_state()

    assert_shows_english(page)
    page.reload()
    assert_shows_english(page)  # the choice is remembered


def test_english_visitor_sees_english_and_can_switch_to_chinese(open_page):
    page = open_page("/", locale="en-US")
    assert_shows_english(page)

    language_switch_button(page, "zh-hans").click()
    page.wait_for_load_state()

    assert_shows_chinese(page)
