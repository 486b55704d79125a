"""Validate a stack file the way `docker stack deploy` does: interpolate, then docker/cli's schema."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

SCHEMA_FILE = "compose_config_schema_v3.13.json"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, $VAR; $$ is a `$`.
_VARIABLE = re.compile(
    r"\$(?:\$|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_DURATION = re.compile(r"^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$|^[-+]?0$")
# nat.ParsePortSpec: [ip:][hostPort[-end]:]containerPort[-end][/proto]
_PORT = re.compile(
    r"^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d*(?:-\d+)?:)?\d+(?:-\d+)?(?:/(?:tcp|udp|sctp))?$"
)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Replace variables as docker/cli does; unset ones without a default become ''."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("named")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        if op in (":-", ":?") and not current:
            return arg if op == ":-" else ""
        if op in ("-", "?") and current is None:
            return arg if op == "-" else ""
        return current or ""

    result = _VARIABLE.sub(substitute, value)
    # docker/cli casts interpolated values of numeric/boolean fields; a value that was only a
    # variable and now reads as a number is the case that matters for the schema.
    if result != value and result.isdigit():
        return int(result)
    return result


def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or bool(_DURATION.match(value))


def _is_ports(value: object) -> bool:
    if isinstance(value, int):
        return True
    return not isinstance(value, str) or bool(_PORT.match(value))


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(files("polise.gitops").joinpath("schemas", SCHEMA_FILE).read_text())
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("duration")(_is_duration)
    checker.checks("ports")(_is_ports)
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def schema_errors(
    data: Any, env: Mapping[str, str] | None = None
) -> Iterator[tuple[list[Any], str]]:
    """(path, message) for every schema error, after interpolation with `env` (default os.environ)."""
    interpolated = interpolate(data, os.environ if env is None else env)
    for error in sorted(_validator().iter_errors(interpolated), key=lambda e: list(e.path)):
        yield list(error.absolute_path), _describe(error)


def _describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties" and "were unexpected" in error.message:
        return f"{where}: {error.message.split('(', 1)[-1].rstrip(')')}"
    if error.context:
        # oneOf/anyOf: the branch that got deepest says most about what was meant.
        best = max(error.context, key=lambda e: len(e.absolute_path))
        return f"{'.'.join(str(p) for p in best.absolute_path) or where}: {best.message}"
    return f"{where}: {error.message}"
