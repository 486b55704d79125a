"""The WSGI entry point with a short way in for forward-auth.

/forward-auth is asked before every request to every protected app, so it bypasses Django's
request/response cycle (middleware, URL resolving) and goes straight to a plain WSGI callable.
Every other path is Django as usual. polise/wsgi.py (what `polise serve` runs) is this
application; Django's own /forward-auth view gives the same answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
django_application = get_wsgi_application()

from polise.sso import forward_auth  # noqa: E402  (needs settings configured first)


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/forward-auth":
        return forward_auth.application(environ, start_response)
    return django_application(environ, start_response)
