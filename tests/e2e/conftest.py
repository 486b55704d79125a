"""A real browser (Debian's Chromium driven by Playwright) against a live Polise."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import service_unavailable


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    if not shutil.which(CHROMIUM):
        service_unavailable("Chromium", f"{CHROMIUM} is missing (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still plain synchronous code, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator:
    context = chromium.new_context(
        locale="en-US"
    )  # an English browser: Polise still speaks Indonesian
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
