"""Debian's Chromium, as the browser tests start it."""

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
