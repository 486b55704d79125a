"""The office at its real scale in the bench database: SESSIONS signed-in users, one live
sign-in session each, and HOSTS catalog apps, each open to one of 20 org units (user i is in
unit i % 20; app j lists unit j % 20, so user i may open apps i % 20, i % 20 + 20, ...).

Bulk inserts (no per-user password hash, no per-row save): 7-22 s for 10,000 on the loaded
2-core bench machine (migrations already applied by setup_data.py).
Writes OUT/sessions.txt, one `cookie username` per line (line i is user i), for rotate.lua.

    python bench/forward_auth/setup_scale.py OUT [SESSIONS] [HOSTS]
"""

import os
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from polise.accounts.models import OrgUnit, User  # noqa: E402
from polise.catalog.models import AccessPolicy, App  # noqa: E402
from polise.sso.models import SignInSession  # noqa: E402
from polise.sso.services import FORWARD_AUTH_SALT, SESSION_SID_KEY  # noqa: E402

UNITS = 20
out = Path(sys.argv[1])
n_sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
n_hosts = int(sys.argv[3]) if len(sys.argv) > 3 else 200
assert n_hosts % UNITS == 0, f"HOSTS must be a multiple of {UNITS}"
started = time.perf_counter()

call_command("migrate", interactive=False, verbosity=0)
now = timezone.now()
expires = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
with transaction.atomic():
    units = OrgUnit.objects.bulk_create(
        [OrgUnit(slug=f"scale-unit-{k}", name=f"Scale unit {k}") for k in range(UNITS)]
    )
    users = User.objects.bulk_create(
        [
            User(username=f"scale{i}", email=f"scale{i}@example.go.id", password="!")
            for i in range(n_sessions)
        ],
        batch_size=2000,
    )
    if users[0].pk is None:  # backends that do not return keys from bulk inserts
        users = list(User.objects.filter(username__startswith="scale").order_by("pk"))
    OrgUnit.members.through.objects.bulk_create(
        [
            OrgUnit.members.through(orgunit_id=units[i % UNITS].pk, user_id=user.pk)
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    for j in range(n_hosts):
        app = App.objects.create(
            slug=f"scale-app-{j}",
            name=f"Scale app {j}",
            summary="Benchmark target",
            url=f"https://app{j}.bench.example.go.id/",
            technology="python",
            owner_unit=units[j % UNITS],
        )
        policy = AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
        policy.units.add(units[j % UNITS])

    sids = [secrets.token_urlsafe(32) for _ in users]
    keys = [secrets.token_hex(16) for _ in users]
    store = SessionStore()
    Session.objects.bulk_create(
        [
            Session(
                session_key=key,
                session_data=store.encode(
                    {
                        "_auth_user_id": str(user.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        SESSION_SID_KEY: sid,
                    }
                ),
                expire_date=expires,
            )
            for user, sid, key in zip(users, sids, keys, strict=True)
        ],
        batch_size=2000,
    )
    SignInSession.objects.bulk_create(
        [
            SignInSession(
                sid=sid,
                user=user,
                session_key=key,
                auth_time=now,
                expires_at=expires,
                last_seen=now,
                method="bench",
            )
            for user, sid, key in zip(users, sids, keys, strict=True)
        ],
        batch_size=2000,
    )

signer = signing.Signer(salt=FORWARD_AUTH_SALT)
out.mkdir(parents=True, exist_ok=True)
(out / "sessions.txt").write_text(
    "".join(f"{signer.sign(sid)} {user.username}\n" for user, sid in zip(users, sids, strict=True))
)
print(
    f"{n_sessions} sessions over {n_hosts} hosts in {time.perf_counter() - started:.1f} s",
    file=sys.stderr,
)
