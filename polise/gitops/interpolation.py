"""Variable interpolation in stack files, exactly as `docker stack deploy` and `docker stack
config` do it (docker/cli `cli/compose/template/template.go` and `interpolation/`), so that
`polise lint` refuses what Docker refuses and `polise deploy` reads the values Docker will use.

Docker's rules, some of them surprising, all kept here on purpose:

- `$$` is a `$`; `$VAR` and `${VAR}` are the value ('' when unset); `${VAR:-x}` / `${VAR-x}`
  give `x` when VAR is unset or empty / unset; `${VAR:?msg}` / `${VAR?msg}` fail when VAR is
  unset or empty / unset. There is no `${VAR:+x}` or `${VAR+x}`: Docker refuses them.
- Any other `$` (a lone `$`, `${`, `${VAR:x}`, an unterminated `${VAR`) is an invalid template.
- Names are case-insensitive letters, digits and `_`, not starting with a digit.
- The default or message runs to the first `}`: `${A:-${B}}` gives `${B` then a literal `}`;
  nothing is interpolated twice.
- The operator is found by searching the whole text after the name, defaults first: in
  `${A:?set by the deploy-workflow}` the `-` wins, so A is *not* required (it defaults to
  `workflow}`'s start); `find_required_read_as_default` points such cases out.
- Unbraced `$A:-x y` takes everything after the name up to a `}` as the default, too.
- When one string has several variables, a failure is forgotten if a later variable in the same
  string is substituted successfully (Docker keeps only the last substitution's error).
- After interpolation a changed value at some paths (ports, replicas, ...) is cast to a number
  or a boolean, and a value that does not cast is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_SUBST = r"[_a-z][_a-z0-9]*(?::?[-?][^}]*)?"
_PATTERN = re.compile(
    rf"\$(?i:(?P<escaped>\$)|(?P<named>{_SUBST})|\{{(?P<braced>{_SUBST})\}}|(?P<invalid>))"
)
_NAME = re.compile(r"[_a-z][_a-z0-9]*", re.I)


class InterpolationError(ValueError):
    """A value Docker refuses to interpolate. `path` is the dotted key path when known."""

    def __init__(self, template: str, path: str = "", *, missing: str = "", detail: str = ""):
        self.template, self.path, self.missing, self.detail = template, path, missing, detail
        where = f" for {path}" if path else ""
        if missing:
            text = f"required variable {missing} is not set{where}: {detail or template}"
        elif detail:
            text = f"error while interpolating {path or template}: {detail}"
        else:
            text = (
                f"invalid interpolation format{where}: {json.dumps(template)}; "
                "you may need to escape any $ with another $"
            )
        super().__init__(text)

    def at(self, path: str) -> InterpolationError:
        return InterpolationError(self.template, path, missing=self.missing, detail=self.detail)


Lookup = Mapping[str, str]


def _apply(substitution: str, env: Lookup) -> str | InterpolationError:
    """Docker's DefaultSubstituteFuncs in their order: soft default, hard default, required
    non-empty, required; the first whose separator occurs anywhere in the text applies."""
    for sep in (":-", "-", ":?", "?"):
        if sep not in substitution:
            continue
        name, _, arg = substitution.partition(sep)
        value = env.get(name)
        if sep == ":-":
            return value or arg
        if sep == "-":
            return arg if value is None else value
        if value is None or (sep == ":?" and value == ""):
            return InterpolationError(substitution, missing=name, detail=arg)
        return value
    return env.get(substitution, "")


def substitute(template: str, env: Lookup) -> str:
    """The template with its variables replaced; raises InterpolationError as Docker would."""
    error: InterpolationError | None = None

    def replace(match: re.Match[str]) -> str:
        nonlocal error
        if match.group("escaped"):
            return "$"
        substitution = match.group("named") or match.group("braced")
        if not substitution:
            error = InterpolationError(template)
            return ""
        result = _apply(substitution, env)
        if isinstance(result, InterpolationError):
            error = InterpolationError(template, missing=result.missing, detail=result.detail)
            return ""
        error = None  # Docker's shared `err` is overwritten by every later substitution
        return result

    text = _PATTERN.sub(replace, template)
    if error is not None:
        raise error
    return text


def variables(template: str) -> Iterator[tuple[str, str]]:
    """(name, operator) of each variable a template refers to, as Docker reads it."""
    for match in _PATTERN.finditer(template):
        substitution = match.group("named") or match.group("braced")
        if not substitution:
            continue
        for sep in (":-", "-", ":?", "?"):
            if sep in substitution:
                yield substitution.partition(sep)[0], sep
                break
        else:
            yield substitution, ""


def find_required_read_as_default(template: str) -> list[str]:
    """`${VAR:?message}` whose message holds a `-`: Docker reads it as a default and never
    requires VAR. Returns each such `${...}` text."""
    found = []
    for match in _PATTERN.finditer(template):
        substitution = match.group("named") or match.group("braced") or ""
        name = _NAME.match(substitution)
        rest = substitution[name.end() :] if name else ""
        if rest.startswith((":?", "?")) and "-" in rest:
            found.append(match.group(0))
    return found


# --- whole stack files ---------------------------------------------------------------------


def _to_int(value: str) -> int:
    # Go's strconv.Atoi: optional sign, decimal digits only.
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError(f'strconv.Atoi: parsing "{value}": invalid syntax')
    return int(value)


def _to_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None


def _to_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("y", "yes", "true", "on"):
        return True
    if lowered in ("n", "no", "false", "off"):
        return False
    raise ValueError(f"invalid boolean: {value}")


Cast = Callable[[str], Any]
_SERVICE = "services.*."
# docker/cli cli/compose/loader/interpolate.go, interpolateTypeCastMapping
_CASTS: dict[str, Cast] = {
    _SERVICE + "configs.[].mode": _to_int,
    _SERVICE + "secrets.[].mode": _to_int,
    _SERVICE + "healthcheck.retries": _to_int,
    _SERVICE + "healthcheck.disable": _to_bool,
    _SERVICE + "deploy.replicas": _to_int,
    _SERVICE + "deploy.update_config.parallelism": _to_int,
    _SERVICE + "deploy.update_config.max_failure_ratio": _to_float,
    _SERVICE + "deploy.rollback_config.parallelism": _to_int,
    _SERVICE + "deploy.rollback_config.max_failure_ratio": _to_float,
    _SERVICE + "deploy.restart_policy.max_attempts": _to_int,
    _SERVICE + "deploy.placement.max_replicas_per_node": _to_int,
    _SERVICE + "ports.[].target": _to_int,
    _SERVICE + "ports.[].published": _to_int,
    _SERVICE + "ulimits.*": _to_int,
    _SERVICE + "ulimits.*.hard": _to_int,
    _SERVICE + "ulimits.*.soft": _to_int,
    _SERVICE + "privileged": _to_bool,
    _SERVICE + "oom_score_adj": _to_int,
    _SERVICE + "read_only": _to_bool,
    _SERVICE + "stdin_open": _to_bool,
    _SERVICE + "tty": _to_bool,
    _SERVICE + "volumes.[].read_only": _to_bool,
    _SERVICE + "volumes.[].volume.nocopy": _to_bool,
    "networks.*.external": _to_bool,
    "networks.*.internal": _to_bool,
    "networks.*.attachable": _to_bool,
    "volumes.*.external": _to_bool,
    "secrets.*.external": _to_bool,
    "configs.*.external": _to_bool,
}


def _cast_for(path: tuple[str, ...]) -> Cast | None:
    for pattern, cast in _CASTS.items():
        parts = pattern.split(".")
        if len(parts) == len(path) and all(p in ("*", k) for p, k in zip(parts, path, strict=True)):
            return cast
    return None


@dataclass(frozen=True)
class Problem:
    """Where a value could not be interpolated: its key path (list items as their index)."""

    keys: tuple[str | int, ...]
    error: InterpolationError


def interpolate_config(data: Any, env: Lookup, problems: list[Problem] | None = None) -> Any:
    """A parsed stack file with every string value interpolated and cast as Docker does.

    Raises the first InterpolationError, or, given `problems`, collects every one there and
    keeps each failing value as written."""

    def walk(value: Any, keys: tuple[str | int, ...], path: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*keys, k), (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*keys, i), (*path, "[]")) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        dotted = ".".join(path)
        try:
            result = substitute(value, env)
            cast = _cast_for(path) if result != value else None
            if cast is not None:
                try:
                    return cast(result)
                except ValueError as exc:
                    raise InterpolationError(
                        value, detail=f"failed to cast to expected type: {exc}"
                    ) from None
            return result
        except InterpolationError as exc:
            located = exc.at(dotted)
            if problems is None:
                raise located from None
            problems.append(Problem(keys, located))
            return value

    return walk(data, (), ())
