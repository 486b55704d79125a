from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polise.catalog.models import App
from polise.forge.errors import ForgeError
from polise.news import jobs, services


class Command(BaseCommand):
    help = (
        "Read every app's new commits from its mirror into news (after missed webhook "
        "deliveries, for new deploys, for apps added later). Run it periodically."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app", action="append", default=[], help="only this app (slug)")
        parser.add_argument(
            "--now", action="store_true", help="run here and now instead of queueing jobs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        apps = App.objects.exclude(repo="")
        if options["app"]:
            apps = apps.filter(slug__in=options["app"])
            missing = set(options["app"]) - set(apps.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"no app with a repository: {', '.join(sorted(missing))}")
        if options["now"]:
            for app in apps:
                try:
                    said = services.news_sync(app=app)
                except ForgeError as exc:
                    said = f"failed: {exc}"
                self.stdout.write(f"{app.slug}: {said}")
            return
        queued = jobs.news_catch_up(apps=list(apps))
        self.stdout.write(f"queued news sync for {queued} app(s)")
