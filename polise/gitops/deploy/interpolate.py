"""Compose-style variable interpolation for the few stack fields `polise deploy` reads itself.

`docker stack deploy` interpolates the whole file; Polise needs the same values for the image
references (to pin their digests) and for secret file paths (to hash their content), so it
applies the same rules: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
${VAR?error}, ${VAR:+alt}, ${VAR+alt}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


class InterpolationError(ValueError):
    """A required variable is unset (${VAR:?message}), or a reference is malformed."""


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("named") or match.group("braced")
        value = environ.get(name)
        op, arg = match.group("op"), match.group("arg") or ""
        if op is None:
            return value or ""
        empty_counts = op.startswith(":")
        missing = value is None or (empty_counts and value == "")
        kind = op[-1]
        if kind == "-":
            return interpolate(arg, environ) if missing else str(value)
        if kind == "?":
            if missing:
                raise InterpolationError(f"{name} is required: {arg or 'not set'}")
            return str(value)
        return "" if missing else interpolate(arg, environ)  # "+": alternative when set

    result = _PATTERN.sub(replace, text)
    return result
