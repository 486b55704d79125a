"""The deploy record: what `polise deploy` and `polise rollback` send to Polise, and what Polise
sends back as a rollback target. One definition, used on both sides: the CLI builds and reads
it here, the deployments app validates and stores it through `DeployReport.from_json`.

Versions: 1 had no `schema_version`, `stack` or `rollback_of` (still accepted, so runners
with an older Polise keep recording); 2 adds them. A version newer than this code is refused
with a message that says to upgrade Polise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 2
KINDS = ("deploy", "rollback")
RESULTS = ("running", "succeeded", "failed", "rolled_back", "timed_out")
FINAL_RESULTS = frozenset(RESULTS) - {"running"}

# Field limits, the database columns' sizes.
MAX_STACK = 64
MAX_COMMIT = 64
MAX_IMAGE = 300
MAX_DIGEST = 71
MAX_REASON = 200
MAX_MESSAGE = 10_000
MAX_MAP_VALUE = 2_000
MAX_STACK_FILES = 20
MAX_STACK_TEXT = 200_000


class RecordInvalid(ValueError):
    """Every problem of a record at once: field name -> what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class StackFile:
    name: str
    text: str


@dataclass(frozen=True)
class ResolvedStack:
    """Enough to deploy a stack again exactly as it was: the compose files' text as deployed
    (the last one pins every image by digest), the value of every variable they refer to
    (None: unset), and the Swarm name of each secret and config made from a file, which a
    redeploy refers to as external instead of reading a file the runner no longer has."""

    files: tuple[StackFile, ...]
    environment: dict[str, str | None]
    external: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [{"name": f.name, "text": f.text} for f in self.files],
            "environment": dict(self.environment),
            "external": {section: dict(names) for section, names in self.external.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> ResolvedStack:
        problem = "must be an object with files, environment and external"
        if not isinstance(data, dict):
            raise ValueError(problem)
        files = data.get("files")
        if (
            not isinstance(files, list)
            or not 0 < len(files) <= MAX_STACK_FILES
            or not all(
                isinstance(f, dict) and isinstance(f.get("name"), str)
                and isinstance(f.get("text"), str) for f in files
            )
        ):  # fmt: skip
            raise ValueError(f"files: 1 to {MAX_STACK_FILES} objects with name and text")
        if sum(len(f["text"]) for f in files) > MAX_STACK_TEXT:
            raise ValueError(f"files: longer than {MAX_STACK_TEXT} characters in all")
        environment = data.get("environment") or {}
        if not isinstance(environment, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in environment.items()
        ):
            raise ValueError("environment: an object of strings (or null for unset)")
        external = data.get("external") or {}
        if not isinstance(external, dict) or not all(
            section in ("secrets", "configs") and _is_string_map(names)
            for section, names in external.items()
        ):
            raise ValueError("external: secrets and configs, each an object of strings")
        return cls(
            files=tuple(StackFile(f["name"], f["text"]) for f in files),
            environment=dict(environment),
            external={section: dict(names) for section, names in external.items()},
        )


@dataclass
class DeployReport:
    deploy_id: uuid.UUID
    app: str
    stack: str
    started_at: datetime
    kind: str = "deploy"
    commit: str = ""
    # The app's own image, without and with digest; every service's pinned image.
    image: str = ""
    digest: str = ""
    images: dict[str, str] = field(default_factory=dict)
    finished_at: datetime | None = None
    result: str = "running"
    reason: str = ""
    message: str = ""
    services: dict[str, str] = field(default_factory=dict)
    # A rollback names the deploy whose stack it deployed again.
    rollback_of: uuid.UUID | None = None
    stack_spec: ResolvedStack | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def ok(self) -> bool:
        return self.result == "succeeded"

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "deploy_id": str(self.deploy_id),
            "app": self.app,
            "stack": self.stack,
            "kind": self.kind,
            "commit": self.commit,
            "image": self.image,
            "digest": self.digest,
            "images": dict(self.images),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "result": self.result,
            "reason": self.reason,
            "message": self.message[:MAX_MESSAGE],
            "services": dict(self.services),
            "rollback_of": str(self.rollback_of) if self.rollback_of else None,
            "resolved_stack": self.stack_spec.to_json() if self.stack_spec else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> DeployReport:
        """Validate a record's JSON; every problem is named at once (RecordInvalid)."""
        if not isinstance(data, dict):
            raise RecordInvalid({"body": "must be a JSON object"})
        errors: dict[str, str] = {}
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            errors["schema_version"] = "must be a positive integer"
        elif version > SCHEMA_VERSION:
            raise RecordInvalid({
                "schema_version": f"{version} is newer than this Polise reads ({SCHEMA_VERSION}); "
                "upgrade Polise before the runners"
            })  # fmt: skip
        kind = data.get("kind", "deploy")
        if kind not in KINDS:
            errors["kind"] = f"must be one of {', '.join(KINDS)}"
        result = data.get("result")
        if result not in RESULTS:
            errors["result"] = f"must be one of {', '.join(RESULTS)}"
        digest = _text(data, "digest", errors, MAX_DIGEST)
        if digest and not (digest.startswith("sha256:") and len(digest) == MAX_DIGEST):
            errors["digest"] = "must be sha256:<64 hex digits>"
        stack_spec = None
        if data.get("resolved_stack") is not None:
            try:
                stack_spec = ResolvedStack.from_json(data["resolved_stack"])
            except ValueError as exc:
                errors["resolved_stack"] = str(exc)
        report = cls(
            deploy_id=_uuid(data, "deploy_id", errors, required=True) or uuid.UUID(int=0),
            app=_text(data, "app", errors, 64),
            stack=_text(data, "stack", errors, MAX_STACK, required=True),
            kind=str(kind),
            commit=_text(data, "commit", errors, MAX_COMMIT),
            image=_text(data, "image", errors, MAX_IMAGE),
            digest=digest,
            images=_string_map(data, "images", errors),
            started_at=_when(data, "started_at", errors, required=True) or datetime.min,
            finished_at=_when(data, "finished_at", errors, required=result in FINAL_RESULTS),
            result=str(result),
            reason=_text(data, "reason", errors, MAX_REASON),
            message=_text(data, "message", errors, MAX_MESSAGE),
            services=_string_map(data, "services", errors),
            rollback_of=_uuid(data, "rollback_of", errors, required=False),
            stack_spec=stack_spec,
            schema_version=version if isinstance(version, int) else SCHEMA_VERSION,
        )
        if report.kind == "rollback" and version >= 2 and report.rollback_of is None:
            errors["rollback_of"] = "a rollback names the deploy it goes back to"
        if errors:
            raise RecordInvalid(errors)
        return report


def _text(data: dict[str, Any], key: str, errors: dict[str, str], max_length: int,
          *, required: bool = False) -> str:  # fmt: skip
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = "must be a string"
        return ""
    if required and not value:
        errors[key] = "is required"
    elif len(value) > max_length:
        errors[key] = f"is longer than {max_length} characters"
    return value


def _uuid(data: dict[str, Any], key: str, errors: dict[str, str], *,
          required: bool) -> uuid.UUID | None:  # fmt: skip
    value = data.get(key)
    if value in (None, "") and not required:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        errors[key] = "must be a UUID"
        return None


def _when(data: dict[str, Any], key: str, errors: dict[str, str], *,
          required: bool) -> datetime | None:  # fmt: skip
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors[key] = "is required (ISO 8601 with a time zone)"
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        errors[key] = "must be an ISO 8601 date-time with a time zone"
        return None
    return parsed


def _is_string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_MAP_VALUE
        for k, v in value.items()
    )


def _string_map(data: dict[str, Any], key: str, errors: dict[str, str]) -> dict[str, str]:
    value = data.get(key) or {}
    if not _is_string_map(value):
        errors[key] = "must be an object of strings"
        return {}
    return dict(value)
