"""Run the GitHub fake as a standalone server for the demo and browser tests.

    python -m tests.fakes.github --port 8081 \
        --webhook-url http://127.0.0.1:8000/hooks/github --webhook-secret S

Contract violations are printed to stderr as they happen and listed at /_fake/violations.
Control endpoints (faults, seeding, closing issues, redelivery) are under /_fake/; see
tests/fakes/github/control.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path

from .fake import AppConfig, GitHubFake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.github",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--webhook-url", help="where to send the app's webhooks (Polise)")
    parser.add_argument("--webhook-secret", help="secret for X-Hub-Signature-256")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN[:LOGIN]",
        help="accept this token (default: test-token as polise-bot)",
    )
    parser.add_argument("--app-id", type=int, default=4242)
    parser.add_argument(
        "--app-public-key", type=Path, help="PEM public key that verifies the app's JWTs"
    )
    parser.add_argument(
        "--app-private-key-out",
        type=Path,
        help="without --app-public-key: write the generated private key here",
    )
    parser.add_argument(
        "--installation",
        action="append",
        default=[],
        metavar="ID:ACCOUNT",
        help="an installation of the app (default 77:diskominfo)",
    )
    parser.add_argument(
        "--seed", type=Path, help='JSON file: {"repos": [{"owner", "name", "files", ...}]}'
    )
    args = parser.parse_args(argv)

    tokens = dict(([*t.split(":", 1), "polise-bot"])[:2] for t in args.token) or None
    installations = {int(i.split(":", 1)[0]): i.split(":", 1)[1] for i in args.installation}
    extra = {"installations": installations} if installations else {}
    if args.app_public_key:
        app = AppConfig(
            app_id=args.app_id, public_key_pem=args.app_public_key.read_bytes(), **extra
        )
    else:
        app = AppConfig.generated(app_id=args.app_id, **extra)
        if args.app_private_key_out and app.private_key_pem:
            args.app_private_key_out.write_bytes(app.private_key_pem)
    fake = GitHubFake(
        host=args.host,
        port=args.port,
        tokens=tokens,
        app=app,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
    )
    fake.print_violations = True
    if args.seed:
        for repo in json.loads(args.seed.read_text()).get("repos", []):
            fake.control("POST", "/_fake/repos", repo)
    fake.start()
    print(f"GitHub fake listening on {fake.base_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    fake.stop()
    return 1 if fake.violations else 0


if __name__ == "__main__":
    sys.exit(main())
