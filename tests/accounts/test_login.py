"""Sign-in: the pages, open-redirect protection, CSRF, lockout and unlock, second factor,
password reset over real SMTP, and the audit trail all of them leave."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from polise.accounts.models import AuditEvent, MfaRequirement
from polise.sso.models import SignInSession
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"


def login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def test_login_page_is_indonesian_by_default_and_english_on_request(client):
    assert "Masuk" in client.get("/login/").content.decode()
    assert "Sign in" in client.get("/login/?lang=en").content.decode()


def test_signing_in_records_the_session_sets_the_cookie_and_audits(client):
    user = make_user(password=PASSWORD)
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    cookie = response.cookies[settings.FORWARD_AUTH_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    session = SignInSession.objects.get(user=user)
    assert session.method == "password" and client.session["polise_sid"] == session.sid
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN, user=user).exists()


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "https://simpeg.example.go.id@evil.example.com/",
        "http://simpeg.example.go.id.evil.example.com/",
    ],
)
def test_next_never_leads_off_polise_and_its_apps(client, evil):
    make_app(url="https://simpeg.example.go.id/")
    user = make_user(password=PASSWORD)
    response = login(client, user.username, next=evil)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_next_may_lead_to_a_catalog_app_or_a_polise_page(client):
    make_app(url="https://simpeg.example.go.id/")
    user = make_user(password=PASSWORD)
    response = login(client, user.username, next="https://simpeg.example.go.id/pegawai?id=7")
    assert response["Location"] == "https://simpeg.example.go.id/pegawai?id=7"
    client.post("/logout/")
    assert (
        login(client, user.username, next="/account/sessions/")["Location"] == "/account/sessions/"
    )


def test_login_without_a_csrf_token_is_refused():
    user = make_user(password=PASSWORD)
    strict = Client(enforce_csrf_checks=True)
    assert login(strict, user.username).status_code == 403
    assert not SignInSession.objects.exists()


def test_a_signed_in_visitor_sent_by_forward_auth_goes_straight_back(client, settings):
    settings.FORWARD_AUTH_COOKIE_DOMAIN = "example.go.id"
    make_app(url="https://simpeg.example.go.id/")
    user = make_user(password=PASSWORD)
    login(client, user.username)
    again = client.get("/login/", {"next": "https://simpeg.example.go.id/x"})
    assert again.status_code == 302 and again["Location"] == "https://simpeg.example.go.id/x"
    assert again.cookies[settings.FORWARD_AUTH_COOKIE_NAME]["domain"] == "example.go.id"


def test_no_redirect_loop_when_the_cookie_cannot_reach_the_app(client, settings):
    settings.FORWARD_AUTH_COOKIE_DOMAIN = None
    make_app(url="https://simpeg.example.go.id/")
    user = make_user(password=PASSWORD)
    login(client, user.username)
    again = client.get("/login/", {"next": "https://simpeg.example.go.id/x"})
    assert again.status_code == 400
    assert b"POLISE_FORWARD_AUTH_COOKIE_DOMAIN" in again.content


def test_the_admin_signs_in_through_polise(client):
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2F"


# -- lockout --------------------------------------------------------------------------------


def test_brute_force_locks_the_account_from_that_address_until_the_team_unlocks(client, settings):
    user = make_user(password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert login(client, user.username, "wrong-password").status_code in (400, 429)
    locked = login(client, user.username)  # even the right password
    assert locked.status_code == 429
    assert "terkunci" in locked.content.decode()
    assert not SignInSession.objects.filter(user=user).exists()

    # The same account from another address is not locked (the key is account AND address).
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert login(elsewhere, user.username).status_code == 302

    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED).count() >= 4
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.LOCKED_OUT, username=user.username
    ).exists()

    admin = make_user(is_staff=True, is_superuser=True)
    team = Client(REMOTE_ADDR="10.1.1.1")
    team.force_login(admin)
    response = team.post(
        "/admin/accounts/user/", {"action": "unlock", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert login(client, user.username).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.UNLOCKED, target=user.username).exists()


# -- second factor --------------------------------------------------------------------------


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


def test_a_user_enrols_totp_and_then_needs_it_to_sign_in(client):
    user = make_user(password=PASSWORD)
    client.force_login(user)
    page = client.get("/account/second-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert client.post("/account/second-factor/", {"token": wrong}).status_code == 400
    # django-otp throttles guessing: right after a wrong code even the right one is refused.
    assert client.post("/account/second-factor/", {"token": _code(device)}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/account/second-factor/", {"token": _code(device)})
    assert done.status_code == 302 and done["Location"] == "/account/second-factor/recovery-codes/"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_ENROLLED, user=user).exists()
    client.post("/logout/")

    step = login(client, user.username)
    assert step.status_code == 302 and step["Location"] == "/login/second-factor/"
    assert "_auth_user_id" not in client.session  # not signed in yet
    device.refresh_from_db()
    wrong = client.post("/login/second-factor/", {"token": "12345x"})
    assert wrong.status_code == 400
    done = client.post("/login/second-factor/", {"token": _code(device, 1)})
    assert done.status_code == 302 and done["Location"] == "/"
    assert SignInSession.objects.filter(user=user, method="password+totp").exists()


def test_the_platform_team_can_require_a_second_factor_for_an_org_unit(client):
    unit = make_unit()
    user = make_user(password=PASSWORD)
    unit.members.add(user)
    MfaRequirement.objects.create(unit=unit)
    step = login(client, user.username)
    assert step["Location"] == "/login/second-factor/"
    page = client.get("/login/second-factor/").content.decode()
    assert "data-secret" in page  # enrolment happens before the sign-in completes
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/login/second-factor/", {"token": _code(device)})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    # Signed in, and shown the new recovery codes once before going on.
    assert done.status_code == 302 and done["Location"] == "/account/second-factor/recovery-codes/"
    codes = client.get(done["Location"])
    assert codes.status_code == 200 and len(codes.context["codes"]) == 10
    assert codes.context["next"] == "/"
    # Required means it cannot be removed by the user.
    client.post("/account/second-factor/", {"action": "remove"})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# -- password reset over SMTP ---------------------------------------------------------------


@pytest.fixture
def smtp_sink(settings):
    from aiosmtpd.controller import Controller

    from tests.sso.peers import free_port

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


def test_password_reset_by_email_ends_old_sessions(client, smtp_sink):
    user = make_user(password=PASSWORD, email="sari@example.go.id")
    old_browser = Client()
    login(old_browser, user.username)
    response = client.post("/password-reset/", {"email": "sari@example.go.id"})
    assert response.status_code == 302
    (envelope,) = smtp_sink.messages
    assert envelope.rcpt_tos == ["sari@example.go.id"]
    body = message_from_bytes(envelope.content).get_payload(decode=True).decode()
    link = re.search(rf"{re.escape(settings.BASE_URL)}(/password-reset/\S+/)", body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "another-long-passphrase-2",
            "new_password2": "another-long-passphrase-2",
        },
    )
    assert done.status_code == 302
    assert old_browser.get("/account/sessions/").status_code == 302  # signed out
    assert login(client, user.username, "another-long-passphrase-2").status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET, user=user).exists()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, smtp_sink):
    response = client.post("/password-reset/", {"email": "nobody@example.go.id"})
    assert response.status_code == 302 and smtp_sink.messages == []
