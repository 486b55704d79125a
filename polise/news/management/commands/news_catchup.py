from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from polise.catalog.commands import add_app_choice, chosen_apps
from polise.forge.errors import ForgeError
from polise.news import jobs, services


class Command(BaseCommand):
    help = (
        "Read every app's new commits from its mirror into news (after missed webhook "
        "deliveries, for new deploys, for apps added later). Run it periodically."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_app_choice(parser)
        parser.add_argument(
            "--now", action="store_true", help="run here and now instead of queueing jobs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        apps = chosen_apps(options["app"])
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
