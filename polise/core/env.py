"""Typed readers for POLISE_* environment variables.

Every reader names the variable and what it expects when the value is wrong, so a
misconfigured deployment stops at start-up with an error an operator can act on.
A variable may also be given as NAME_FILE pointing at a file (a Docker secret).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        """The value of NAME, or the content of the file named by NAME_FILE."""
        value = self.environ.get(name)
        if value is not None:
            return value
        path = self.environ.get(f"{name}_FILE")
        if path is None:
            return None
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {path!r}, which cannot be read ({exc.strerror}); "
                f"expected a readable file holding {name}."
            ) from exc

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.raw(name)
        if value is None or value == "":
            if required or default is None:
                raise ImproperlyConfigured(f"{name} is not set; it is required here.")
            return default
        return value

    def optional(self, name: str) -> str | None:
        value = self.raw(name)
        return value or None

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; expected one of 1/0, true/false, yes/no, on/off."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(
                f"{name}={number} is too small; expected at least {minimum}."
            )
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not valid; expected one of: {', '.join(choices)}."
            )
        return value
