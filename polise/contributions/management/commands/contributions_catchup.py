from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polise.catalog.commands import add_app_choice, chosen_apps
from polise.contributions import jobs, services
from polise.forge import api
from polise.forge.errors import ForgeError


class Command(BaseCommand):
    help = (
        "Count every app's new commits into contributions (for apps added to the catalog with "
        "a history, or after missed webhook deliveries); with --forge, also import the pull "
        "requests and reviews GitHub has from before the app's webhook was set up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_app_choice(parser)
        parser.add_argument(
            "--forge", action="store_true", help="also import pull requests and reviews"
        )
        parser.add_argument(
            "--now", action="store_true", help="run here and now instead of queueing jobs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        apps = chosen_apps(options["app"])
        if options["forge"] and (missing := api.not_configured()):
            raise CommandError(f"--forge needs GitHub. {missing}")
        if not options["now"]:
            queued = jobs.contributions_catch_up(apps=list(apps), forge=options["forge"])
            what = "contribution sync and forge import" if options["forge"] else "contribution sync"
            self.stdout.write(f"queued {what} for {queued} app(s)")
            return
        for app in apps:
            try:
                said = services.contributions_sync(app=app)
                if options["forge"]:
                    added = services.forge_activity_import(app=app)
                    said += f", {added} pull request fact(s) added"
            except ForgeError as exc:
                said = f"failed: {exc}"
            self.stdout.write(f"{app.slug}: {said}")
