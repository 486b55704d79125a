"""`polise worker` as the SIGKILL test runs it: the real command, plus one webhook handler that
reads the repository from GitHub (as handlers of coming features will), so that GitHub can
hold a worker in the middle of a delivery.

    python -m tests.reports.worker_probe     (same environment as polise worker)
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
    django.setup()

    from polise.cli import main
    from polise.forge import api
    from polise.forge.models import Delivery
    from polise.forge.webhooks import handles

    @handles("issues")
    def read_repository(delivery: Delivery) -> str:
        return api.get_repo(delivery.repo).full_name

    sys.exit(main(["worker"]))
