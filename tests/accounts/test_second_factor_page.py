"""The second-factor page in a browser: a key a person can type, a QR code a phone can read,
recovery codes shown once that also sign in when the phone is lost."""

from __future__ import annotations

import base64
import re

import pytest
import zxingcpp
from django_otp.oath import totp

from polise.sso.models import SignInSession
from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"

READ_QR = """() => new Promise((resolve, reject) => {
    const svg = document.querySelector("svg.qr");
    const img = new Image();
    img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = img.width; canvas.height = img.height;
        const context = canvas.getContext("2d");
        context.drawImage(img, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let binary = "";
        for (let i = 0; i < pixels.length; i++) binary += String.fromCharCode(pixels[i]);
        resolve({width: canvas.width, height: canvas.height, rgba: btoa(binary)});
    };
    img.onerror = reject;
    img.src = "data:image/svg+xml;charset=utf-8," +
        encodeURIComponent(new XMLSerializer().serializeToString(svg));
})"""


def qr_text(page) -> str:
    """What a phone's camera reads from the QR code the page draws."""
    drawn = page.evaluate(READ_QR)
    view = zxingcpp.ImageView(
        memoryview(base64.b64decode(drawn["rgba"])),
        drawn["width"],
        drawn["height"],
        zxingcpp.ImageFormat.RGBA,
    )
    (barcode,) = zxingcpp.read_barcodes(view)
    return barcode.text


def code_for(key: str) -> str:
    secret = base64.b32decode(key.replace(" ", "") + "=" * (-len(key.replace(" ", "")) % 8))
    return f"{totp(secret, step=30, t0=0, digits=6, drift=0):06d}"


def test_a_user_sets_up_the_second_factor_from_the_qr_code_and_keeps_recovery_codes(
    live_server, page
):
    user = make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    page.goto(f"{live_server.url}/account/second-factor/")

    key = page.locator("[data-secret]").inner_text()
    # Base32 in groups of four, as people type it (never a Python bytes value).
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key), key
    scanned = qr_text(page)
    assert scanned.startswith("otpauth://totp/Polise%3Awati?")
    assert f"secret={key.replace(' ', '')}" in scanned and "issuer=Polise" in scanned
    check_both_sizes(page, screenshot="second-factor")

    page.get_by_role("textbox", name="Kode").fill(code_for(key))
    page.get_by_role("button", name="Aktifkan").click()
    page.wait_for_url("**/account/second-factor/recovery-codes/")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes), codes
    assert page.get_by_role("button", name="Salin kode").is_visible()
    check_both_sizes(page)

    # Shown once: coming back shows no code.
    page.reload()
    page.wait_for_url("**/account/second-factor/")
    assert not any(code in page.content() for code in codes)
    assert "10 kode pemulihan" in page.locator("main").inner_text()

    # The phone is lost: a recovery code signs in, once.
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Keluar").click()
    navigate(page, page.get_by_role("button", name="Keluar").click)
    for attempt in (1, 2):
        sign_in(page, live_server.url, "wati", PASSWORD)
        page.wait_for_url("**/login/second-factor/")
        page.get_by_label("Kode atau kode pemulihan").fill(codes[0].upper())
        navigate(page, page.get_by_role("button", name="Lanjutkan").click)
        if attempt == 1:
            assert page.url == f"{live_server.url}/"
            assert SignInSession.objects.filter(user=user, method="password+recovery_code").exists()
            page.goto(f"{live_server.url}/logout/")
            navigate(page, page.get_by_role("button", name="Keluar").click)
    assert "/login/second-factor/" in page.url  # the used code no longer works
    assert page.get_by_role("alert").is_visible()
    check_both_sizes(page)
