"""Validate an interpolated stack file against docker/cli's schema, as `docker stack deploy` does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

SCHEMA_FILE = "compose_config_schema_v3.13.json"

_DURATION = re.compile(r"^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$|^[-+]?0$")
# nat.ParsePortSpec: [ip:][hostPort[-end]:]containerPort[-end][/proto]
_PORT = re.compile(
    r"^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d*(?:-\d+)?:)?\d+(?:-\d+)?(?:/(?:tcp|udp|sctp))?$"
)


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


def schema_errors(interpolated: Any) -> Iterator[tuple[list[Any], str]]:
    """(path, message) for every schema error of a stack file already interpolated."""
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
