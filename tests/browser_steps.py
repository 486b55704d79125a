"""Steps the browser tests share: signing in as a person does, reading a screen, and saving
the screenshots the docs show (POLISE_SCREENSHOTS=1 writes them into docs/)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits, axe_violations

DOCS = Path(__file__).resolve().parent.parent / "docs"


def sign_in(
    page: Any, base_url: str, username: str, password: str, *, next_path: str = "/"
) -> None:
    page.goto(f"{base_url}/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    navigate(page, lambda: page.locator("#id_password").press("Enter"))


def navigate(page: Any, action: Callable[[], Any]) -> None:
    """Do what submits a form or follows a link, and return once the next page has loaded.
    `wait_for_load_state()` after the key press can return at once, on the page still showing,
    before the browser has even started the request."""
    with page.expect_navigation():
        action()


# The stock Django admin's autocomplete (select2) leaves its combobox without a name until a
# value is chosen; the admin pages may have that, and nothing more.
STOCK_ADMIN = {"aria-input-field-name": "select2"}


def assert_admin_accessible(page: Any) -> None:
    extra = [
        v
        for v in axe_violations(page)
        if not (v["id"] in STOCK_ADMIN and all(STOCK_ADMIN[v["id"]] in node for node in v["nodes"]))
    ]
    assert extra == [], f"axe-core on {page.url}: {extra}"


def check_both_sizes(page: Any, *, screenshot: str = "") -> None:
    """The page as it is now, at desktop and phone width: no axe violation, nothing wider
    than the screen; with POLISE_SCREENSHOTS=1 also saved as docs/<screenshot>-<width>.png."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_fits(page)
        if screenshot and os.environ.get("POLISE_SCREENSHOTS") == "1":
            page.screenshot(path=str(DOCS / f"{screenshot}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
