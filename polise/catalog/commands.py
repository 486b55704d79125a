"""What the catalog's management commands share: choosing the apps a command works on."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser
from django.db.models import QuerySet

from .models import App


def add_app_choice(parser: CommandParser) -> None:
    parser.add_argument("--app", action="append", default=[], help="only this app (slug)")


def chosen_apps(slugs: list[str]) -> QuerySet[App]:
    """The apps with a repository named by `--app` (every one when none is named); a name
    that is not such an app stops the command, saying which."""
    apps = App.objects.exclude(repo="")
    if not slugs:
        return apps
    apps = apps.filter(slug__in=slugs)
    missing = set(slugs) - set(apps.values_list("slug", flat=True))
    if missing:
        raise CommandError(f"no app with a repository: {', '.join(sorted(missing))}")
    return apps
