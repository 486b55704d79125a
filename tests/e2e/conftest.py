"""A real browser (Debian's Chromium driven by Playwright) against a live Polise: the browser
and page fixtures are shared by every suite, in tests/conftest.py."""
