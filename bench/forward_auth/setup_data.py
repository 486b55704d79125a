"""Make a signed-in user, a protected app and its policy in the bench database; print the
forward-auth cookie value for wrk."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from polise.accounts.models import OrgUnit, User  # noqa: E402
from polise.catalog.models import AccessPolicy, App  # noqa: E402
from polise.sso import services  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)
unit, _ = OrgUnit.objects.get_or_create(slug="bkd", defaults={"name": "BKD"})
user, _ = User.objects.get_or_create(username="bench", defaults={"email": "bench@example.go.id"})
unit.members.add(user)
app, _ = App.objects.get_or_create(
    slug="bench",
    defaults={
        "name": "Bench",
        "summary": "Benchmark target",
        "url": "https://bench.example.go.id/",
        "technology": "python",
        "owner_unit": unit,
    },
)
policy, _ = AccessPolicy.objects.get_or_create(app=app, audience=AccessPolicy.Audience.LISTED)
policy.units.add(unit)

request = RequestFactory().get("/")
request.user = user
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

request.session = SessionStore()
session = services.session_start(request=request, user=user, method="bench")
print(services.forward_auth_cookie_value(session))
