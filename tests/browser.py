"""Debian's Chromium, as the browser tests start it, and what every browser test checks on
each page it visits: no accessibility violation (axe-core), nothing wider than the screen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps dialling Google services this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# npm's axe-core, installed by `.ci/sso-peers.sh` (npm ci in tests/axe).
AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def axe_violations(page: Any, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async (disabled) => {
            const rules = Object.fromEntries(disabled.map((id) => [id, {enabled: false}]));
            const outcome = await axe.run(document, {rules});
            return outcome.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
            }));
        }""",
        list(disable),
    )
    return list(result)


def assert_accessible(page: Any, *, disable: tuple[str, ...] = ()) -> None:
    violations = axe_violations(page, disable=disable)
    assert violations == [], f"axe-core on {page.url}:\n{json.dumps(violations, indent=2)}"


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def assert_fits(page: Any) -> None:
    overflow = horizontal_overflow(page)
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size} screen"
