"""GitHub's published API descriptions, fetched from npm and turned into fast validators.

The REST description (`@octokit/openapi`) is OpenAPI 3.0; its schemas are converted once to
JSON Schema (draft 4 plus `nullable` folded into `type`), cached as a pickle next to the
downloaded file, and compiled into one validator per operation on first use. The webhook
payload schemas (`@octokit/webhooks-schemas`) are plain JSON Schema (draft 7).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import shutil
import subprocess
import tarfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema

# Pinned: a new version of the description may change what counts as valid, so moving the
# pin is a deliberate change with its own commit.
OPENAPI_PACKAGE = "@octokit/openapi"
OPENAPI_VERSION = "23.0.2"
OPENAPI_SHASUM = "743435033357133786d56271b48a67991a614b0a"
OPENAPI_MEMBER = "package/generated/api.github.com.json"

WEBHOOKS_PACKAGE = "@octokit/webhooks-schemas"
WEBHOOKS_VERSION = "7.6.1"
WEBHOOKS_SHASUM = "7c7ea619335fee916b03cf0357e352a9fcdbe3cf"
WEBHOOKS_MEMBER = "package/schema.json"

CACHE_DIR = Path(__file__).resolve().parent / "cache"
SPEC_URI = "urn:github-openapi"
# Bump when the conversion below changes, so a stale pickle is not reused.
INDEX_FORMAT = 3


class SpecUnavailable(RuntimeError):
    """The pinned API description could not be fetched (no npm, no network, bad checksum)."""


def _npm_fetch(package: str, version: str, shasum: str, member: str, target: Path) -> Path:
    """Download `package@version` with `npm pack` and extract one member to `target`."""
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SpecUnavailable(
            f"npm is not installed; the GitHub fake needs it to fetch {package}@{version} "
            f"(install Node.js/npm, or place {member} at {target})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            [
                npm,
                "pack",
                f"{package}@{version}",
                "--silent",
                "--pack-destination",
                str(target.parent),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SpecUnavailable(f"npm pack {package}@{version} timed out after 300 s") from exc
    if result.returncode != 0:
        raise SpecUnavailable(
            f"npm pack {package}@{version} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-2000:]}"
        )
    tarball = target.parent / result.stdout.strip().splitlines()[-1]
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != shasum:
        tarball.unlink()
        raise SpecUnavailable(f"{tarball.name}: sha1 {digest}, expected the pinned {shasum}")
    with tarfile.open(tarball) as tar:
        source = tar.extractfile(member)
        if source is None:
            raise SpecUnavailable(f"{tarball.name} has no {member}")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(source.read())
        tmp.replace(target)
    tarball.unlink()
    return target


def fetch_openapi(cache_dir: Path = CACHE_DIR) -> Path:
    return _npm_fetch(
        OPENAPI_PACKAGE,
        OPENAPI_VERSION,
        OPENAPI_SHASUM,
        OPENAPI_MEMBER,
        cache_dir / f"openapi-{OPENAPI_VERSION}-api.github.com.json",
    )


def fetch_webhook_schemas(cache_dir: Path = CACHE_DIR) -> Path:
    return _npm_fetch(
        WEBHOOKS_PACKAGE,
        WEBHOOKS_VERSION,
        WEBHOOKS_SHASUM,
        WEBHOOKS_MEMBER,
        cache_dir / f"webhooks-schemas-{WEBHOOKS_VERSION}.json",
    )


# --- OpenAPI 3.0 schema -> JSON Schema --------------------------------------------------------

# Keywords with no effect on validity: dropping them makes the pickle smaller and faster to load.
_DROP = {
    "description",
    "example",
    "examples",
    "externalDocs",
    "discriminator",
    "xml",
    "title",
    "deprecated",
    "readOnly",
    "writeOnly",
    "summary",
}
_NAMED_CHILDREN = {"properties", "patternProperties", "definitions"}


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        # OpenAPI 3.0 ignores siblings of $ref; point into the one registered resource.
        return {"$ref": SPEC_URI + node["$ref"]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP or key.startswith("x-"):
            continue
        if key in _NAMED_CHILDREN and isinstance(value, dict):
            out[key] = {name: _convert(child) for name, child in value.items()}
        else:
            out[key] = _convert(value)
    if out.pop("nullable", False):
        kind = out.get("type")
        if kind is not None:
            out["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _deref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]


@dataclass
class Operation:
    operation_id: str
    method: str
    template: str
    parameters: list[Parameter]
    body_required: bool
    body_schemas: dict[str, Any]  # content type -> schema
    responses: dict[str, dict[str, Any]]  # status ("200", "default") -> content type -> schema
    # compiled lazily, keyed like the schemas above
    _validators: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)


def _index(spec: dict[str, Any]) -> dict[str, Any]:
    operations: dict[tuple[str, str], Operation] = {}
    for template, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, raw in item.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            params = []
            for p in [*shared, *raw.get("parameters", [])]:
                p = _deref(spec, p)
                params.append(
                    Parameter(
                        p["name"], p["in"], bool(p.get("required")), _convert(p.get("schema", {}))
                    )
                )
            body_required = False
            body_schemas: dict[str, Any] = {}
            if "requestBody" in raw:
                body = _deref(spec, raw["requestBody"])
                body_required = bool(body.get("required"))
                for ctype, media in body.get("content", {}).items():
                    body_schemas[ctype] = _convert(media.get("schema", {}))
            responses: dict[str, dict[str, Any]] = {}
            for status, resp in raw.get("responses", {}).items():
                resp = _deref(spec, resp)
                responses[status] = {
                    ctype: _convert(media.get("schema", {}))
                    for ctype, media in resp.get("content", {}).items()
                }
            operations[(method.upper(), template)] = Operation(
                raw.get("operationId", f"{method} {template}"),
                method.upper(),
                template,
                params,
                body_required,
                body_schemas,
                responses,
            )
    components = {
        "components": {
            "schemas": {
                name: _convert(schema) for name, schema in spec["components"]["schemas"].items()
            }
        }
    }
    return {"operations": operations, "components": components}


# --- routing ----------------------------------------------------------------------------------

# Path parameters that may hold slashes (a file path, a ref like heads/feature/x).
_GREEDY = {"path", "ref"}


def _route_regex(template: str) -> tuple[re.Pattern[str], list[str]]:
    # Positional groups: some parameter names (enterprise-team) are not valid group names.
    parts = []
    group_names: list[str] = []
    for segment in template.strip("/").split("/"):
        names = re.findall(r"\{([^}]+)\}", segment)
        if not names:
            parts.append(re.escape(segment))
            continue
        pattern = re.escape(segment)
        for name in names:
            value = ".+" if name in _GREEDY else "[^/]+"
            pattern = pattern.replace(re.escape("{" + name + "}"), f"({value})")
            group_names.append(name)
        parts.append(pattern)
    return re.compile("^/" + "/".join(parts) + "$"), group_names


def _specificity(template: str) -> tuple[int, ...]:
    # Literal segments beat parameters, position by position (issues/comments beats
    # issues/{issue_number}); greedy parameters rank lowest.
    score = []
    for segment in template.strip("/").split("/"):
        if "{" not in segment:
            score.append(2)
        elif any(f"{{{g}}}" in segment for g in _GREEDY):
            score.append(0)
        else:
            score.append(1)
    return tuple(score)


# --- validation -------------------------------------------------------------------------------

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _first_errors(validator: Any, instance: Any, limit: int = 3) -> list[str]:
    errors = []
    for error in validator.iter_errors(instance):
        # For oneOf/anyOf the useful message is the most specific sub-error.
        best = jsonschema.exceptions.best_match([error])
        where = "/".join(str(p) for p in best.absolute_path) or "(root)"
        errors.append(f"{where}: {best.message[:300]}")
        if len(errors) >= limit:
            break
    return errors


@dataclass
class Match:
    operation: Operation | None
    path_params: dict[str, str]
    # set when no operation matched: why
    problem: str | None = None


class OpenAPIContract:
    """Routes a request to its operation in the description and validates both directions."""

    def __init__(self, spec_path: Path) -> None:
        pickle_path = spec_path.with_suffix(f".index{INDEX_FORMAT}.pickle")
        index = None
        if pickle_path.exists() and pickle_path.stat().st_mtime >= spec_path.stat().st_mtime:
            try:
                with pickle_path.open("rb") as fh:
                    index = pickle.load(fh)
            except Exception:
                index = None
        if index is None:
            with spec_path.open("rb") as fh:
                index = _index(json.load(fh))
            tmp = pickle_path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(pickle_path)
        self.operations: dict[tuple[str, str], Operation] = index["operations"]
        resource = referencing.Resource.from_contents(
            index["components"], default_specification=referencing.jsonschema.DRAFT4
        )
        self.registry = referencing.Registry().with_resource(SPEC_URI, resource)
        self._templates: dict[str, set[str]] = {}
        for method, template in self.operations:
            self._templates.setdefault(template, set()).add(method)
        ordered = sorted(self._templates, key=_specificity, reverse=True)
        self._routes = [(t, *_route_regex(t)) for t in ordered]
        self._lock = threading.Lock()

    def match(self, method: str, path: str) -> Match:
        for template, regex, names in self._routes:
            m = regex.match(path)
            if m is None:
                continue
            params = dict(zip(names, m.groups(), strict=True))
            op = self.operations.get((method, template))
            if op is None:
                allowed = ", ".join(sorted(self._templates[template]))
                return Match(
                    None, params, f"{method} is not an operation of {template} (allowed: {allowed})"
                )
            return Match(op, params)
        return Match(None, {}, f"no operation in GitHub's REST description matches {path}")

    def _validator(self, op: Operation, key: tuple[str, ...], schema: dict[str, Any]) -> Any:
        validator = op._validators.get(key)
        if validator is None:
            with self._lock:
                validator = jsonschema.Draft4Validator(
                    schema, registry=self.registry, format_checker=FORMAT_CHECKER
                )
                op._validators[key] = validator
        return validator

    def validate_request(
        self,
        op: Operation,
        path_params: dict[str, str],
        query: dict[str, list[str]],
        content_type: str | None,
        body: bytes,
    ) -> list[str]:
        problems: list[str] = []
        known = {(p.location, p.name) for p in op.parameters}
        for p in op.parameters:
            if p.location == "path":
                raw: Any = path_params.get(p.name)
            elif p.location == "query":
                raw = query.get(p.name)
                if raw is None:
                    if p.required:
                        problems.append(f"query parameter {p.name!r} is required")
                    continue
                raw = raw if p.schema.get("type") == "array" else raw[-1]
            else:
                continue
            value = _coerce(raw, p.schema)
            errors = _first_errors(self._validator(op, ("param", p.name), p.schema), value)
            problems += [f"{p.location} parameter {p.name!r}={raw!r}: {e}" for e in errors]
        for name in query:
            if ("query", name) not in known:
                problems.append(f"query parameter {name!r} is not defined for {op.operation_id}")
        if not body:
            if op.body_required:
                problems.append("request body is required")
            return problems
        if not op.body_schemas:
            problems.append(f"{op.operation_id} takes no request body")
            return problems
        ctype = (content_type or "application/json").split(";")[0].strip()
        if ctype not in op.body_schemas:
            if "application/json" in op.body_schemas:
                ctype = "application/json"  # clients often omit or vary the header
            else:
                problems.append(f"request content type {ctype!r} not accepted")
                return problems
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [*problems, f"request body is not JSON: {exc}"]
        validator = self._validator(op, ("body", ctype), op.body_schemas[ctype])
        problems += [f"request body {e}" for e in _first_errors(validator, instance)]
        return problems

    def validate_response(
        self,
        op: Operation,
        status: int,
        content_type: str,
        body: bytes,
    ) -> list[str]:
        declared = op.responses.get(str(status))
        key = str(status)
        if declared is None:
            if 200 <= status < 400:
                return [f"{op.operation_id} does not declare a {status} response"]
            # The description leaves out many error statuses GitHub really sends (404 on
            # most operations, 401, 5xx); those must still carry GitHub's error shape.
            declared = {"application/json": {"$ref": SPEC_URI + "#/components/schemas/basic-error"}}
            key = "basic-error"
        if not declared:
            return (
                []
                if not body
                else [
                    f"{status} response of {op.operation_id} has no body"
                    " in the description, but one was sent"
                ]
            )
        if not body:
            return [f"{status} response of {op.operation_id} must have a body"]
        ctype = content_type.split(";")[0].strip()
        if ctype not in declared:
            return [f"response content type {ctype!r} not declared for {status}"]
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [f"response body is not JSON: {exc}"]
        validator = self._validator(op, ("response", key, ctype), declared[ctype])
        return [f"response {status} {e}" for e in _first_errors(validator, instance)]


def _coerce(raw: Any, schema: dict[str, Any]) -> Any:
    """Turn a query/path string into the type its schema asks for, so the schema can judge it."""
    if raw is None:
        return None
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if isinstance(raw, list):
        items = schema.get("items", {})
        return [_coerce(r, items) for r in raw]
    if "integer" in kinds and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "number" in kinds:
        try:
            return float(raw)
        except ValueError:
            return raw
    if "boolean" in kinds and raw in {"true", "false"}:
        return raw == "true"
    return raw


class WebhookSchemas:
    """Validators for webhook payloads, one per `event$action` definition."""

    def __init__(self, schema_path: Path) -> None:
        with schema_path.open("rb") as fh:
            self.schema = json.load(fh)
        self.definitions: dict[str, Any] = self.schema["definitions"]
        resource = referencing.Resource.from_contents(
            self.schema, default_specification=referencing.jsonschema.DRAFT7
        )
        self._uri = "urn:github-webhooks"
        self.registry = referencing.Registry().with_resource(self._uri, resource)
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def definition_name(self, event: str, payload: dict[str, Any]) -> str:
        action = payload.get("action")
        if action is not None and f"{event}${action}" in self.definitions:
            return f"{event}${action}"
        return f"{event}$event"

    def validate(self, event: str, payload: dict[str, Any]) -> list[str]:
        name = self.definition_name(event, payload)
        if name not in self.definitions:
            return [f"no webhook schema for event {event!r} (looked for {name!r})"]
        validator = self._validators.get(name)
        if validator is None:
            with self._lock:
                validator = jsonschema.Draft7Validator(
                    {"$ref": f"{self._uri}#/definitions/{name}"},
                    registry=self.registry,
                    format_checker=FORMAT_CHECKER,
                )
                self._validators[name] = validator
        return [f"{name} payload {e}" for e in _first_errors(validator, payload)]


_loaded: dict[str, Any] = {}
_load_lock = threading.Lock()


def load_contract(cache_dir: Path = CACHE_DIR) -> OpenAPIContract:
    """The REST contract, loaded once per process."""
    with _load_lock:
        if "openapi" not in _loaded:
            _loaded["openapi"] = OpenAPIContract(fetch_openapi(cache_dir))
        return _loaded["openapi"]


def load_webhook_schemas(cache_dir: Path = CACHE_DIR) -> WebhookSchemas:
    with _load_lock:
        if "webhooks" not in _loaded:
            _loaded["webhooks"] = WebhookSchemas(fetch_webhook_schemas(cache_dir))
        return _loaded["webhooks"]


if __name__ == "__main__":
    # `python -m tests.fakes.github.spec`: fetch both pinned descriptions into the cache (CI).
    print(load_contract().__class__.__name__, fetch_openapi())
    print(load_webhook_schemas().__class__.__name__, fetch_webhook_schemas())
