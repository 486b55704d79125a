"""Reading a stack for deploy: merged compose files, content-hash secret names, image digests.

`docker stack deploy` does the deploying; this module works out what Polise adds around it:
the POLISE_HASH_* variables that name secrets and configs by content (Swarm's secrets are
immutable, moby #33808, so a new name is how a changed one rotates), and each service's image
resolved to a digest, written to an override file so every node runs the very image that was
checked, and the deploy record names it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from polise.gitops.deploy.record import ResolvedStack, StackFile
from polise.gitops.interpolation import InterpolationError, substitute, variables

_HASH_VAR = re.compile(r"\$\{?(POLISE_HASH_[A-Z0-9_]+)")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class StackError(ValueError):
    """The stack cannot be deployed as written; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Stack:
    files: list[Path]
    texts: list[str]
    data: dict[str, Any]
    environ: dict[str, str]
    # Service name -> image reference as interpolated, then as pinned (name[:tag]@digest).
    images: dict[str, str] = field(default_factory=dict)
    pinned: dict[str, str] = field(default_factory=dict)

    def override_yaml(self) -> str:
        """A compose file that, given after the stack's own, pins every image by digest."""
        services = {name: {"image": ref} for name, ref in sorted(self.pinned.items())}
        return _compose_yaml(self.data, {"services": services})


def _compose_yaml(first: dict[str, Any], body: dict[str, Any]) -> str:
    # Every file of a stack must state the same version as the first (or none, as it does).
    version = {"version": str(first["version"])} if "version" in first else {}
    return yaml.safe_dump({**version, **body}, sort_keys=False)


def _merge(base: Any, extra: Any) -> Any:
    """Later compose files override earlier ones key by key, as docker stack deploy does."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return extra


def load_stack(files: list[Path], environ: Mapping[str, str], *, hash_files: bool = True) -> Stack:
    """The merged stack; `hash_files=False` when the POLISE_HASH_* values are already in
    `environ` (a rollback's recorded ones: the secret files are long gone)."""
    data: dict[str, Any] = {}
    texts = []
    for path in files:
        try:
            texts.append(path.read_text(encoding="utf-8"))
            doc = yaml.safe_load(texts[-1]) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise StackError(
                "stack_unreadable", f"{path}: cannot read the stack file: {exc}"
            ) from exc
        if not isinstance(doc, dict):
            raise StackError("stack_unreadable", f"{path}: a stack file must be a mapping")
        data = _merge(data, doc)
    stack = Stack(files=files, texts=texts, data=data, environ=dict(environ))
    if hash_files:
        stack.environ.update(content_hashes(stack))
    services = data.get("services") or {}
    if not isinstance(services, dict) or not services:
        raise StackError("stack_unreadable", f"{files[0]}: the stack has no services")
    for name, spec in services.items():
        image = (spec or {}).get("image")
        if not isinstance(image, str) or not image:
            raise StackError("stack_unreadable", f"service {name}: no image")
        try:
            stack.images[name] = substitute(image, stack.environ)
        except InterpolationError as exc:
            raise StackError("missing_variable", f"service {name}: image: {exc}") from exc
    return stack


def content_hashes(stack: Stack) -> dict[str, str]:
    """POLISE_HASH_<NAME> for each secret or config whose name uses one: the first 12 hex of
    the SHA-256 of its file, so a changed file gets a new name and Swarm rotates it."""
    hashes: dict[str, str] = {}
    base = stack.files[0].parent
    for section in ("secrets", "configs"):
        for key, spec in (stack.data.get(section) or {}).items():
            spec = spec or {}
            variables = _HASH_VAR.findall(str(spec.get("name", "")))
            if not variables or not spec.get("file"):
                continue
            try:
                relative = substitute(str(spec["file"]), {**stack.environ, **hashes})
            except InterpolationError as exc:
                raise StackError("missing_variable", f"{section}.{key}.file: {exc}") from exc
            path = (base / relative).resolve()
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError as exc:
                raise StackError(
                    "secret_missing",
                    f"{section}.{key}: cannot read {path} ({exc.strerror}); the runner must "
                    "write it before polise deploy",
                ) from exc
            for var in variables:
                hashes[var] = digest
    return hashes


Resolver = Callable[[str], str]


def pin_images(stack: Stack, resolve: Resolver) -> None:
    """Resolve each service's image to its registry digest; an image the registry does not
    have stops the deploy here, before Swarm is asked to run it."""
    for name, ref in stack.images.items():
        if "@" in ref:
            stack.pinned[name] = ref
            continue
        digest = resolve(ref)
        if not DIGEST.match(digest):
            raise StackError("image_not_found", f"service {name}: {ref}: no digest ({digest!r})")
        stack.pinned[name] = f"{ref}@{digest}"


def split_digest(ref: str) -> tuple[str, str]:
    name, _, digest = ref.partition("@")
    return name, digest


PINNED_FILE = "polise-pinned.yml"


def resolve(stack: Stack, stack_name: str) -> ResolvedStack:
    """What a later rollback needs to deploy this stack again exactly: the files as deployed,
    with the digest-pinning override last, the value of every variable they use, and the names
    of the secrets and configs made from files."""
    environment: dict[str, str | None] = {}
    for text in stack.texts:
        for value in _strings(yaml.safe_load(text)):
            for name, _op in variables(value):
                environment[name] = stack.environ.get(name)
    external: dict[str, dict[str, str]] = {}
    for section in ("secrets", "configs"):
        for key, spec in (stack.data.get(section) or {}).items():
            spec = spec or {}
            if not spec.get("file") or spec.get("external"):
                continue
            try:
                name = substitute(str(spec.get("name") or ""), stack.environ)
            except InterpolationError as exc:
                raise StackError("missing_variable", f"{section}.{key}.name: {exc}") from exc
            external.setdefault(section, {})[key] = name or f"{stack_name}_{key}"
    files = [StackFile(p.name, t) for p, t in zip(stack.files, stack.texts, strict=True)]
    files.append(StackFile(PINNED_FILE, stack.override_yaml()))
    return ResolvedStack(files=tuple(files), environment=environment, external=external)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def write_resolved(spec: ResolvedStack, folder: Path) -> list[Path]:
    """The recorded files in `folder`, plus one that turns each secret and config made from a
    file into a reference to the one Swarm already holds: a rollback has no secret files."""
    paths = []
    for i, stack_file in enumerate(spec.files):
        path = folder / f"{i}-{stack_file.name}"
        path.write_text(stack_file.text, encoding="utf-8")
        paths.append(path)
    if spec.external:
        first = yaml.safe_load(spec.files[0].text) or {}
        body = {
            section: {key: {"name": name, "external": True} for key, name in names.items()}
            for section, names in spec.external.items()
        }
        path = folder / f"{len(paths)}-polise-external.yml"
        path.write_text(_compose_yaml(first if isinstance(first, dict) else {}, body))
        paths.append(path)
    return paths


def recorded_environ(spec: ResolvedStack, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with every variable the stack uses set as it was recorded (or unset)."""
    result = {k: v for k, v in environ.items() if k not in spec.environment}
    result.update({k: v for k, v in spec.environment.items() if v is not None})
    return result
