"""The platform facts the linter checks against: registry host, proxy network, node roles.

They differ per office, so rules read them from here instead of hard-coding them. Defaults are
overridden by a YAML file (``--config FILE`` or ``POLISE_GITOPS_CONFIG``) and then by a few
environment variables that CI runners already carry (``POLISE_REGISTRY``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PlatformConfig:
    # The private registry, LAN-only; images must come from here.
    registry: str = "registry.lan:5000"
    # Variables that stack files may use for the registry part of an image reference; the
    # runner sets them to `registry`.
    registry_variables: tuple[str, ...] = ("POLISE_REGISTRY",)
    # Variables the deploy workflow and the runner set (POLISE_HASH_* come from polise deploy):
    # lint stands in for them where they are unset, so a stack needing them lints clean on a
    # laptop. A stack that needs any other variable is told so (PLS004).
    runner_variables: tuple[str, ...] = ("IMAGE_TAG", "POLISE_SECRETS_DIR")
    # The overlay network the reverse proxy shares with every routed service.
    proxy_network: str = "polise-proxy"
    # Middleware (Traefik, swarm provider) that asks Polise's forward-auth endpoint.
    forward_auth_middleware: str = "polise-auth@swarm"
    # Node label that says what a node is for; app services go to `app_node_role`.
    node_role_label: str = "node.labels.role"
    app_node_role: str = "app"
    # App name -> node role of the node reserved for it alone (the seed's AWDI node).
    dedicated_nodes: dict[str, str] = field(default_factory=lambda: {"awdi": "awdi"})
    # Host paths a service may bind-mount (read the host's clock and time zone).
    bind_mount_allowlist: tuple[str, ...] = ("/etc/localtime", "/etc/timezone")
    # Environment variable names that hold secrets when given a literal value.
    secret_env_pattern: str = (
        # Whole name parts, so DB_PASSWORD and GITHUB_TOKEN are caught but
        # FORWARD_AUTH_COOKIE_DOMAIN or PASSENGER_COUNT are not.
        r"(?i)(^|_)(pass(word|wd|phrase)?|secret|token|api_?key|private_?key|access_?key|credentials?)(_|$)"  # noqa: S105
        r"|(?i:(^|_)auth$)"
    )

    @property
    def dedicated_roles(self) -> set[str]:
        return set(self.dedicated_nodes.values())


_ENV_OVERRIDES = {"POLISE_REGISTRY": "registry", "POLISE_PROXY_NETWORK": "proxy_network"}


def load_config(path: str | os.PathLike[str] | None = None) -> PlatformConfig:
    """Defaults, then the YAML file (argument or POLISE_GITOPS_CONFIG), then environment."""
    config = PlatformConfig()
    path = path or os.environ.get("POLISE_GITOPS_CONFIG") or None
    if path:
        config = _apply_file(config, Path(path))
    overrides: dict[str, Any] = {
        attr: os.environ[var] for var, attr in _ENV_OVERRIDES.items() if os.environ.get(var)
    }
    return replace(config, **overrides)


def _apply_file(config: PlatformConfig, path: Path) -> PlatformConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read platform config: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: platform config must be a mapping")
    known = {f.name: f for f in fields(PlatformConfig)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        default = getattr(config, key)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {key} must be a list of strings")
            value = tuple(value)
        elif isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {key} must be a mapping")
            value = {str(k): str(v) for k, v in value.items()}
        elif not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
        changes[key] = value
    return replace(config, **changes)
