"""The WSGI entry point `polise serve` runs: Django, with forward-auth's short way in."""

from polise.sso.wsgi import application

__all__ = ["application"]
