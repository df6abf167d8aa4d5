"""Playwright with Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so the system Chromium is used.
Skipped on a machine without it; a failure in CI.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import testcases

# Playwright's sync API runs its own event loop in this thread; Django would then refuse
# database access from the tests and the live server, taking them for async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# MEDIA_URL is None on purpose (documents are never served from a public URL), but the
# live server's media handler needs a string prefix: give it one no page ever uses.
testcases._MediaFilesHandler.get_base_url = lambda self: "/__no-public-media__/"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium(missing_service) -> Iterator:
    if not CHROMIUM.exists():
        missing_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("Playwright is not installed (pip install -e .[dev])")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium, live_server, transactional_db) -> Iterator[Callable]:
    """`open_page("/path", locale="zh-CN")`: a page in a fresh browser profile.

    The locale sets the browser's Accept-Language, as a visitor's own browser would.
    """
    contexts = []

    def open_(path: str = "/", *, locale: str = "zh-CN"):
        context = chromium.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(path)
        assert response is not None
        assert response.ok, f"{path} answered {response.status}"
        return page

    yield open_
    for context in contexts:
        context.close()
