"""Sign out 1% of the scale sessions while wrk runs, through the service every sign-out goes
through (`polise.sso.services.session_end`: ends the session, deletes its Django session,
revokes its tokens; in this process only, which is not the server's, so the server learns of it
from the database once its cache entry expires). After each sign-out has committed, appends
`username epoch-seconds` to OUT for rotate.lua.

Waits for GO (a file run.sh creates when wrk starts), then signs out every 100th user
(scale50, scale150, ...) evenly over SPREAD seconds from one second after GO.

    python bench/forward_auth/signout.py SESSIONS_TXT OUT GO SPREAD
"""

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
django.setup()

from polise.sso.models import SignInSession  # noqa: E402
from polise.sso.services import session_end  # noqa: E402

sessions_txt, out, go, spread = (
    Path(sys.argv[1]),
    Path(sys.argv[2]),
    Path(sys.argv[3]),
    float(sys.argv[4]),
)
users = [line.split()[1] for line in sessions_txt.read_text().splitlines()][50::100]
sessions = {
    s.user.username: s
    for s in SignInSession.objects.select_related("user").filter(
        user__username__in=users, ended_at__isnull=True
    )
}
assert len(sessions) == len(users), "every chosen user has one live session"
Path(str(out) + ".ready").touch()
while not go.exists():
    time.sleep(0.01)
start = time.time() + 1.0
step = spread / len(users)
with out.open("a") as file:
    for k, username in enumerate(users):
        time.sleep(max(0.0, start + k * step - time.time()))
        assert session_end(session=sessions[username], reason=SignInSession.EndReason.LOGOUT)
        file.write(f"{username} {time.time():.6f}\n")
        file.flush()
print(f"signed out {len(users)} sessions", file=sys.stderr)
