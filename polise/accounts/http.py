from django.http import HttpRequest

from polise.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request a @login_required view receives: its user is a real, signed-in User."""

    user: User
